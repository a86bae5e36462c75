with source as (
    select * from {{ source('bizstim', 'automations') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as automation_id,
        -- strings
        {{ clean_text('kind') }} as automation_kind,
        {{ clean_text('name') }} as automation_name,
        {{ clean_text('trigger') }} as trigger_rule,
        {{ clean_text('schedule') }} as schedule,
        {{ clean_text('template') }} as message_template,
        -- flags
        coalesce({{ clean_text('active') }} = '1', false) as is_active
    from source
)

select * from renamed
