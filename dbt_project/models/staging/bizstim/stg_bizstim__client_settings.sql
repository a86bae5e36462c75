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
        {{ to_number('session_limit', 'integer') }} as session_limit,
        -- the values that were sent but cannot be read
        list_filter([
            {% for name, column, parsed in [
                ('minTime', 'min_time', to_minutes('min_time')),
                ('maxTime', 'max_time', to_minutes('max_time')),
                ('slotDuration', 'slot_duration', to_minutes('slot_duration')),
                ('sessionLimit', 'session_limit', to_number('session_limit', 'integer'))] %}
                case when {{ clean_text(column) }} is not null and {{ parsed }} is null
                        then '{{ name }} "' || {{ clean_text(column) }} || '"'
                end{{ "," if not loop.last }}
            {% endfor %}
        ], lambda problem: problem is not null) as unreadable_values
    from source
)

select * from renamed
