with source as (
    select * from {{ source('bizstim', 'service_group_names') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as service_group_id,
        -- strings
        {{ clean_text('name') }} as group_name,
        -- flags: active when the value map service_group_status says so
        coalesce({{ decoded_value('status', 'service_group_names') }} = 'active', false) as is_active
    from source
)

select * from renamed
