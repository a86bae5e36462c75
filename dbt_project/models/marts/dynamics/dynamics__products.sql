-- Products (the brief's Product2): one per Bizstim service, with the group id,
-- session count and default wage as custom columns, sold in the migration's
-- unit group; the price goes on the price list item.
select
    service_id as bizstim_service_id,
    coalesce(service_name, 'Service ' || service_id) as name,
    'BZ-' || service_id as productnumber,
    service_description as description,
    service_group_id,
    session_count as service_session_count,
    default_wage as default_practitioner_wage,
    service_status = 'active' as is_active,
    -- unit group and default unit (dynamics__unit_groups), whole sessions
    'bizstim_sessions' as bizstim_unit_group_key,
    'Session' as default_unit_name,
    0 as quantitydecimal
from {{ ref('int_services__with_group') }}
where {{ not_quarantined('quarantine__services', 'service_id', 'dynamics') }}
