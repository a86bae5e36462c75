{% set days = [('m', 'monday'), ('t', 'tuesday'), ('w', 'wednesday'), ('r', 'thursday'),
               ('f', 'friday'), ('sat', 'saturday'), ('sun', 'sunday')] %}
{% set times = [] %}
{% for short, day in days %}
    {% do times.append((day, 'from', short ~ '_availf')) %}
    {% do times.append((day, 'to', short ~ '_availt')) %}
{% endfor %}
with source as (
    select * from {{ source('bizstim', 'availability') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as availability_id,
        -- strings
        {{ clean_text('label') }} as label,
        -- dates
        {{ to_date('"start"') }} as valid_from,
        {{ to_date('"end"') }} as valid_to,
        -- weekday windows, minutes after midnight (null: the day is off, or unreadable)
        {% for short, day in days %}
            {{ to_minutes(short ~ '_availf') }} as {{ day }}_from,
            {{ to_minutes(short ~ '_availt') }} as {{ day }}_to,
        {% endfor %}
        -- the times that were sent but are not a time of day (e.g. 25:61)
        list_filter([
            {% for day, side, column in times %}
                case when {{ clean_text(column) }} is not null and {{ to_minutes(column) }} is null
                        then '{{ day }} {{ side }} "' || {{ clean_text(column) }} || '"'
                end{{ "," if not loop.last }}
            {% endfor %}
        ], lambda problem: problem is not null) as unreadable_times
    from source
)

select * from renamed
