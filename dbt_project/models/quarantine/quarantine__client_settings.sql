-- Availability rules that cannot be carried over as they are: minTime after
-- maxTime, a schedule that does not exist, a window that ends before it
-- starts. The client still loads; these fields stay empty until fixed.
with rules as (
    select
        client_id,
        unnest(problems) as problem
    from {{ ref('int_availability__rules') }}
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
    end as reason
from rules
