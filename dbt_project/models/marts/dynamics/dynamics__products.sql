-- Products (the brief's Product2): one per Bizstim service, with the group id,
-- session count and default wage as custom columns; the price goes on the
-- price list item.
select
    service_id as bizstim_service_id,
    coalesce(service_name, 'Service ' || service_id) as name,
    'BZ-' || service_id as productnumber,
    service_description as description,
    service_group_id,
    session_count as service_session_count,
    default_wage as default_practitioner_wage,
    service_status = 'active' as is_active
from {{ ref('int_services__with_group') }}
