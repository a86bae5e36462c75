with source as (
    select * from {{ source('bizstim', 'discounts') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as discount_id,
        {{ split_list('services') }} as service_ids,
        -- strings
        {{ clean_text('code') }} as discount_code,
        {{ clean_text('type') }} as discount_type,
        -- numerics
        {{ to_number('amount') }} as amount,
        -- dates
        {{ to_date('expiry') }} as expires_on
    from source
)

select * from renamed
