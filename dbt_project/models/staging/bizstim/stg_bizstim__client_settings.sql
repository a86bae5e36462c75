with source as (
    select * from {{ source('bizstim', 'client_settings') }}
),

-- every text cleaned once, parsed below
cleaned as (
    select
        {{ clean_text('id') }} as client_settings_id,
        {{ clean_text('min_time') }} as min_time,
        {{ clean_text('max_time') }} as max_time,
        {{ clean_text('slot_duration') }} as slot_duration_text,
        {{ clean_text('session_limit') }} as session_limit_text
    from source
),

renamed as (
    select
        -- ids
        client_settings_id,
        -- times as minutes after midnight (24:00 is a valid end)
        {{ to_minutes('min_time', clean=false) }} as min_time_minutes,
        {{ to_minutes('max_time', clean=false) }} as max_time_minutes,
        {{ to_minutes('slot_duration_text', clean=false) }} as slot_duration_minutes,
        -- as sent, for people to read
        min_time,
        max_time,
        -- numerics
        {{ to_number('session_limit_text', 'integer', clean=false) }} as session_limit,
        -- the values that were sent but cannot be read
        list_filter([
            {% for name, column, parsed in [
                ('minTime', 'min_time', to_minutes('min_time', clean=false)),
                ('maxTime', 'max_time', to_minutes('max_time', clean=false)),
                ('slotDuration', 'slot_duration_text', to_minutes('slot_duration_text', clean=false)),
                ('sessionLimit', 'session_limit_text',
                 to_number('session_limit_text', 'integer', clean=false))] %}
                case when {{ column }} is not null and {{ parsed }} is null
                        then '{{ name }} "' || {{ column }} || '"'
                end{{ "," if not loop.last }}
            {% endfor %}
        ], lambda problem: problem is not null) as unreadable_values
    from cleaned
)

select * from renamed
