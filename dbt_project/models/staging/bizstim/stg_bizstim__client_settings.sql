with source as (
    select * from {{ source('bizstim', 'client_settings') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as client_settings_id,
        -- times as minutes after midnight (24:00 is a valid end)
        {{ to_minutes('min_time') }} as min_time_minutes,
        {{ to_minutes('max_time') }} as max_time_minutes,
        {{ to_minutes('slot_duration') }} as slot_duration_minutes,
        -- as sent, for people to read
        {{ clean_text('min_time') }} as min_time,
        {{ clean_text('max_time') }} as max_time,
        -- numerics
        {{ to_number('session_limit', 'integer') }} as session_limit
    from source
)

select * from renamed
