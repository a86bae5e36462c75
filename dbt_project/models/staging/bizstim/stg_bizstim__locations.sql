with source as (
    select * from {{ source('bizstim', 'locations') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as location_id,
        -- strings
        {{ clean_text('name') }} as location_name,
        {{ clean_text('address1') }} as address_line1,
        {{ clean_text('address2') }} as address_line2,
        {{ clean_text('city') }} as city,
        {{ clean_text('state') }} as state,
        {{ clean_text('zipcode') }} as zipcode,
        {{ clean_text('country') }} as country,
        {{ clean_text('p_phone') }} as primary_phone_raw,
        {{ clean_text('s_phone') }} as secondary_phone_raw,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('status') }} as location_status
    from source
)

select * from renamed
