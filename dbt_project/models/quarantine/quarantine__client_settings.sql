-- Availability rules that cannot be carried over as they are: minTime after
-- maxTime, settings that cannot be read, a schedule that does not exist, a
-- window that ends before it starts or holds a time that is not one. The
-- client still loads; these fields stay empty (the readable days of a
-- schedule are carried) until fixed.
with rules as (
    select
        rules.client_id,
        nullif(settings.unreadable_values, []) as unreadable_values,
        nullif(availability.unreadable_times, []) as unreadable_times,
        unnest(rules.problems) as problem
    from {{ ref('int_availability__rules') }} as rules
    left join {{ ref('stg_bizstim__client_settings') }} as settings
        on rules.client_settings_id = settings.client_settings_id
    left join {{ ref('stg_bizstim__availability') }} as availability
        on rules.availability_id = availability.availability_id
)

select
    'availability_rules' as object,
    client_id as source_id,
    'all' as destination,
    problem as reason_code,
    case problem
        when 'min_time_after_max_time'
            then 'Client ' || client_id || '''s calendar settings start after they end '
                || '(minTime after maxTime): correct them in Bizstim.'
        when 'missing_settings_record'
            then 'Client ' || client_id || ' points at calendar settings that do not exist.'
        when 'missing_availability_record'
            then 'Client ' || client_id || ' points at an availability schedule Bizstim does '
                || 'not have (404 when read): pick a schedule in Bizstim.'
        when 'window_from_after_to'
            then 'Client ' || client_id || '''s schedule has a day whose window ends before '
                || 'it starts: correct it in Bizstim.'
        when 'unreadable_calendar_settings'
            then 'Client ' || client_id || '''s calendar settings have an empty or unreadable value'
                || coalesce(' (' || array_to_string(unreadable_values, ', ') || ')', '')
                || ': correct minTime, maxTime, slotDuration and sessionLimit in Bizstim.'
        when 'unreadable_window'
            then 'Client ' || client_id || '''s schedule has a time that is not a time of day, or a '
                || 'day with only one end'
                || coalesce(' (' || array_to_string(unreadable_times, ', ') || ')', '')
                || ': correct it in Bizstim; the readable days are carried over.'
    end as reason
from rules
