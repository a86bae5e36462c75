with source as (
    select * from {{ source('bizstim', 'practitioners') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as practitioner_id,
        {{ clean_text('users_id') }} as user_id,
        {{ clean_text('pract_settings_id') }} as pract_settings_id,
        {{ split_list('avail_id') }} as availability_ids,
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
        -- decoded by the value maps practitioner_status and wage_tier
        {{ decoded_value('status', 'practitioners') }} as practitioner_status,
        {{ decoded_value('wage_tier', 'practitioners') }} as wage_tier,
        -- numerics
        {{ to_number('practitioner_wage') }} as practitioner_wage,
        -- dates
        {{ to_date('hire_date') }} as hire_date
    from source
)

select
    *,
    list_filter(emails, lambda e: {{ is_valid_email('e') }})[1] as email
from renamed
