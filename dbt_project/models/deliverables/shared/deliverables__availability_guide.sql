-- Availability configuration guide data: per client, the calendar rules and
-- weekly windows, with where to rebuild them (Freshsales: the contact's
-- availability fields plus a scheduling integration; Dynamics: Outlook
-- booking rules, Microsoft Bookings or Resource Scheduling).
select
    rules.client_id,
    concat_ws(' ', clients.first_name, clients.last_name) as client_name,
    rules.min_time,
    rules.max_time,
    rules.slot_duration_minutes,
    rules.session_limit,
    rules.availability_label,
    rules.valid_from,
    rules.valid_to,
    rules.weekly_windows_text,
    array_to_string(rules.problems, ', ') as problems,
    case
        when rules.slot_duration_minutes is not null
            then 'Booking rule: ' || rules.slot_duration_minutes || '-minute slots between '
                || rules.min_time || ' and ' || rules.max_time
                || coalesce(', at most ' || rules.session_limit || ' sessions', '')
                || coalesce('; open ' || rules.weekly_windows_text, '')
        else 'No valid calendar settings to carry over'
    end as recommended_booking_rule
from {{ ref('int_availability__rules') }} as rules
inner join {{ ref('stg_bizstim__clients') }} as clients on rules.client_id = clients.client_id
where rules.client_settings_id is not null or rules.availability_id is not null
