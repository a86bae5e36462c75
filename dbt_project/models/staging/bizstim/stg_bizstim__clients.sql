with source as (
    select * from {{ source('bizstim', 'clients') }}
),

renamed as (
    select
        -- ids
        {{ record_id('id') }} as client_id,
        {{ clean_text('users_id') }} as user_id,
        {{ clean_text('client_settings_id') }} as client_settings_id,
        {{ clean_text('avail_id') }} as availability_id,
        -- strings
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('address1') }} as address_line1,
        {{ clean_text('address2') }} as address_line2,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_text('zipcode') }} as zipcode,
        {{ clean_text('country') }} as country,
        {{ clean_text('p_phone') }} as primary_phone_raw,
        {{ clean_text('s_phone') }} as secondary_phone_raw,
        {{ clean_text('text_phone') }} as mobile_phones_raw,
        {{ split_list('email', lower=true) }} as emails,
        -- decoded by the value map client_status (_bizstim__sources.yml, or the confirmed map's)
        {{ decoded_value('status', 'clients') }} as client_status,
        {{ clean_text('notes') }} as notes,
        {{ custom_fields_json(source('bizstim', 'clients')) }} as custom_fields,
        -- dates
        {{ to_date('start_date') }} as start_date
    from source
)

select
    *,
    -- the first valid address is the primary one; the other valid ones are kept
    list_filter(emails, lambda e: {{ is_valid_email('e') }}) as valid_emails,
    list_filter(emails, lambda e: not {{ is_valid_email('e') }}) as invalid_emails,
    list_filter(emails, lambda e: {{ is_valid_email('e') }})[1] as email
from renamed
