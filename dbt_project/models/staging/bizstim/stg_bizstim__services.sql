with source as (
    select * from {{ source('bizstim', 'services') }}
),

renamed as (
    select
        -- ids
        {{ record_id('id') }} as service_id,
        {{ clean_text('group_id') }} as service_group_id,
        -- strings
        {{ clean_text('name') }} as service_name,
        {{ clean_text('service_description') }} as service_description,
        case {{ clean_text('service_type') }}
            when '0' then 'hourly' when '1' then 'fixed'
        end as service_type,
        -- decoded by the value map service_status
        {{ decoded_value('service_status', 'services') }} as service_status,
        -- numerics
        {{ to_number('group_num', 'integer') }} as session_count,
        {{ to_number('service_cost') }} as service_cost,
        {{ to_number('service_default_wage') }} as default_wage,
        {{ to_number('min_duration', 'integer') }} as min_duration_minutes,
        {{ to_number('max_duration', 'integer') }} as max_duration_minutes,
        {{ to_number('start_interval', 'integer') }} as start_interval_minutes,
        -- flags
        coalesce({{ clean_text('service_taxable') }} = '1', false) as is_taxable,
        coalesce({{ clean_text('online_booking') }} = '1', false) as online_booking
    from source
)

select * from renamed
