-- Each client's scheduling rules as structured data: the calendar settings
-- (minTime, maxTime, slotDuration, sessionLimit) and the weekday windows of
-- their availability record, validated (every time readable, from before
-- to, minTime before maxTime). Problems are listed; invalid parts are not
-- passed on.
-- Lambdas over struct fields (w.from_minutes) are not table references:
-- noqa: disable=RF01,RF03
{% set days = [('monday', 'Mon'), ('tuesday', 'Tue'), ('wednesday', 'Wed'), ('thursday', 'Thu'),
               ('friday', 'Fri'), ('saturday', 'Sat'), ('sunday', 'Sun')] %}
with clients as (
    select
        client_id,
        client_settings_id,
        availability_id
    from {{ ref('stg_bizstim__clients') }}
),

settings as (
    select * from {{ ref('stg_bizstim__client_settings') }}
),

availability as (
    -- the seven days as a list per record, computed row by row (no unpivot)
    select
        availability_id,
        label,
        valid_from,
        valid_to,
        unreadable_times,
        list_filter([
            {% for day, short in days %}
                {
                    'weekday': '{{ day }}', 'short': '{{ short }}',
                    'from_minutes': {{ day }}_from, 'to_minutes': {{ day }}_to
                }{{ "," if not loop.last }}
            {% endfor %}
        ], lambda w: w.from_minutes is not null or w.to_minutes is not null) as days
    from {{ ref('stg_bizstim__availability') }}
),

windows as (
    select
        availability.availability_id,
        availability.label,
        availability.valid_from,
        availability.valid_to,
        list_filter(availability.days, lambda w: coalesce(w.from_minutes < w.to_minutes, false)) as open_days,
        len(list_filter(availability.days, lambda w: w.from_minutes >= w.to_minutes)) as inverted_windows,
        -- a time that is not a time of day, or a day with only one end
        len(availability.unreadable_times)
        + len(list_filter(availability.days, lambda w: w.from_minutes is null or w.to_minutes is null))
            as unreadable_windows
    from availability
),

joined as (
    select
        clients.client_id,
        clients.client_settings_id,
        clients.availability_id,
        settings.client_settings_id is not null as has_settings_record,
        windows.availability_id is not null as has_availability_record,
        settings.min_time_minutes,
        settings.max_time_minutes,
        settings.slot_duration_minutes,
        settings.session_limit,
        coalesce(len(settings.unreadable_values), 0) as unreadable_settings,
        windows.label as availability_label,
        windows.valid_from,
        windows.valid_to,
        list_transform(windows.open_days, lambda w: {
            'weekday': w.weekday,
            'from': {{ minutes_to_text('w.from_minutes') }},
            'to': {{ minutes_to_text('w.to_minutes') }}
        }) as weekly_windows,
        nullif(array_to_string(list_transform(
            windows.open_days, lambda w: w.short || ' '
            || {{ minutes_to_text('w.from_minutes') }} || '-'
            || {{ minutes_to_text('w.to_minutes') }}
        ), '; '), '') as weekly_windows_text,
        coalesce(windows.inverted_windows, 0) as inverted_windows,
        coalesce(windows.unreadable_windows, 0) as unreadable_windows
    from clients
    left join settings on clients.client_settings_id = settings.client_settings_id
    left join windows on clients.availability_id = windows.availability_id
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
                then 'missing_settings_record'
        end,
        case when has_settings_record and min_time_minutes >= max_time_minutes
                then 'min_time_after_max_time'
        end,
        case when has_settings_record
                and (unreadable_settings > 0 or min_time_minutes is null or max_time_minutes is null)
                then 'unreadable_calendar_settings'
        end,
        case when availability_id is not null and not has_availability_record
                then 'missing_availability_record'
        end,
        case when inverted_windows > 0 then 'window_from_after_to' end,
        case when unreadable_windows > 0 then 'unreadable_window' end
    ], lambda p: p is not null) as problems
from (
    select
        *,
        has_settings_record
        and coalesce(min_time_minutes < max_time_minutes, false) as settings_valid
    from joined
) as with_validity
