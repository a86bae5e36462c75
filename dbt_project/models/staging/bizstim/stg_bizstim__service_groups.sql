with source as (
    select * from {{ source('bizstim', 'service_group_names') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as service_group_id,
        -- strings
        {{ clean_text('name') }} as group_name,
        -- flags
        coalesce({{ clean_text('status') }} = '1', false) as is_active
    from source
)

select * from renamed
