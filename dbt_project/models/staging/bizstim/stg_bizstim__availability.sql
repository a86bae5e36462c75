{% set days = [('m', 'monday'), ('t', 'tuesday'), ('w', 'wednesday'), ('r', 'thursday'),
               ('f', 'friday'), ('sat', 'saturday'), ('sun', 'sunday')] %}
with source as (
    select * from {{ source('bizstim', 'availability') }}
),

-- every text cleaned once, parsed below
cleaned as (
    select
        {% for short, day in days %}
            {{ clean_text(short ~ '_availf') }} as {{ day }}_from_text,
            {{ clean_text(short ~ '_availt') }} as {{ day }}_to_text,
        {% endfor %}
        {{ clean_text('id') }} as availability_id,
        {{ clean_text('label') }} as label,
        {{ clean_text('"start"') }} as start_text,
        {{ clean_text('"end"') }} as end_text
    from source
),

renamed as (
    select
        -- ids
        availability_id,
        -- strings
        label,
        -- dates
        {{ to_date('start_text', clean=false) }} as valid_from,
        {{ to_date('end_text', clean=false) }} as valid_to,
        -- weekday windows, minutes after midnight (null: the day is off, or unreadable)
        {% for short, day in days %}
            {{ to_minutes(day ~ '_from_text', clean=false) }} as {{ day }}_from,
            {{ to_minutes(day ~ '_to_text', clean=false) }} as {{ day }}_to,
        {% endfor %}
        -- the times that were sent but are not a time of day (e.g. 25:61)
        list_filter([
            {% for short, day in days %}
                {% set outer_loop = loop %}
                {% for side in ['from', 'to'] %}
                    {% set text = day ~ '_' ~ side ~ '_text' %}
                    case when {{ text }} is not null and {{ to_minutes(text, clean=false) }} is null
                            then '{{ day }} {{ side }} "' || {{ text }} || '"'
                    end{{ "," if not (outer_loop.last and loop.last) }}
                {% endfor %}
            {% endfor %}
        ], lambda problem: problem is not null) as unreadable_times
    from cleaned
)

select * from renamed
