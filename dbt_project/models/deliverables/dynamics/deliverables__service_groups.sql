-- Service groups → products, the CSV the Dynamics admin uses to build bundles
-- (no CPQ bundles are created by the migration).
select
    services.service_group_id,
    coalesce(services.group_name, '(group ' || services.service_group_id || ' missing in Bizstim)')
        as group_name,
    services.service_id as bizstim_service_id,
    'BZ-' || services.service_id as productnumber,
    services.service_name,
    services.session_count,
    services.service_cost,
    services.default_wage
from {{ ref('int_services__with_group') }} as services
where services.service_group_id is not null
