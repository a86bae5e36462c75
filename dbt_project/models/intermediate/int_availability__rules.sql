-- Each client's scheduling rules as structured data: the calendar settings
-- (minTime, maxTime, slotDuration, sessionLimit) and the weekday windows of
-- their availability record, validated (from before to, minTime before
-- maxTime). Problems are listed; invalid parts are not passed on.
{% set days = [('monday', 1, 'Mon'), ('tuesday', 2, 'Tue'), ('wednesday', 3, 'Wed'),
               ('thursday', 4, 'Thu'), ('friday', 5, 'Fri'), ('saturday', 6, 'Sat'),
               ('sunday', 7, 'Sun')] %}
with clients as (
    select client_id, client_settings_id, availability_id
    from {{ ref('stg_bizstim__clients') }}
),

settings as (
    select * from {{ ref('stg_bizstim__client_settings') }}
),

availability as (
    select * from {{ ref('stg_bizstim__availability') }}
),

windows as (
    {% for day, number, short in days %}
    select
        availability_id,
        '{{ day }}' as weekday,
        '{{ short }}' as weekday_short,
        {{ number }} as day_number,
        {{ day }}_from as from_minutes,
        {{ day }}_to as to_minutes
    from availability
    where {{ day }}_from is not null or {{ day }}_to is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

window_summary as (
    select
        availability_id,
        list(
            {'weekday': weekday, 'from': {{ minutes_to_text('from_minutes') }},
             'to': {{ minutes_to_text('to_minutes') }}}
            order by day_number
        ) filter (where from_minutes < to_minutes) as weekly_windows,
        string_agg(
            weekday_short || ' ' || {{ minutes_to_text('from_minutes') }} || '-'
            || {{ minutes_to_text('to_minutes') }}, '; ' order by day_number
        ) filter (where from_minutes < to_minutes) as weekly_windows_text,
        count(*) filter (where not coalesce(from_minutes < to_minutes, false)) as invalid_windows
    from windows
    group by availability_id
),

joined as (
    select
        clients.client_id,
        clients.client_settings_id,
        clients.availability_id,
        settings.client_settings_id is not null as has_settings_record,
        availability.availability_id is not null as has_availability_record,
        settings.min_time_minutes,
        settings.max_time_minutes,
        settings.slot_duration_minutes,
        settings.session_limit,
        availability.label as availability_label,
        availability.valid_from,
        availability.valid_to,
        window_summary.weekly_windows,
        window_summary.weekly_windows_text,
        coalesce(window_summary.invalid_windows, 0) as invalid_windows
    from clients
    left join settings on clients.client_settings_id = settings.client_settings_id
    left join availability on clients.availability_id = availability.availability_id
    left join window_summary on clients.availability_id = window_summary.availability_id
)

select
    client_id,
    client_settings_id,
    availability_id,
    -- settings pass only when coherent
    case when settings_valid then {{ minutes_to_text('min_time_minutes') }} end as min_time,
    case when settings_valid then {{ minutes_to_text('max_time_minutes') }} end as max_time,
    case when settings_valid then slot_duration_minutes end as slot_duration_minutes,
    case when settings_valid then session_limit end as session_limit,
    availability_label,
    valid_from,
    valid_to,
    coalesce(weekly_windows, []) as weekly_windows,
    weekly_windows_text,
    settings_valid,
    list_filter([
        case when client_settings_id is not null and not has_settings_record
            then 'missing_settings_record' end,
        case when has_settings_record and min_time_minutes >= max_time_minutes
            then 'min_time_after_max_time' end,
        case when availability_id is not null and not has_availability_record
            then 'missing_availability_record' end,
        case when invalid_windows > 0 then 'window_from_after_to' end
    ], lambda p: p is not null) as problems
from (
    select
        *,
        has_settings_record
        and coalesce(min_time_minutes < max_time_minutes, false) as settings_valid
    from joined
)
