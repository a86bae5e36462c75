with source as (
    select * from {{ source('bizstim', 'staffs') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as staff_id,
        {{ clean_text('users_id') }} as user_id,
        {{ clean_text('staff_settings_id') }} as staff_settings_id,
        -- strings
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('address1') }} as address_line1,
        {{ clean_text('address2') }} as address_line2,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_text('zipcode') }} as zipcode,
        {{ clean_text('country') }} as country,
        -- phones as sent; normalised in int_phone_numbers__parsed
        {{ clean_text('p_phone') }} as primary_phone_raw,
        {{ clean_text('s_phone') }} as secondary_phone_raw,
        {{ clean_text('text_phone') }} as mobile_phones_raw
    from source
)

select * from renamed
