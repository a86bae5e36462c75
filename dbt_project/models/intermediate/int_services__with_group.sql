-- Services with the group (package) they belong to. A service whose group
-- does not exist keeps its group id for the record and loads without one.
select
    services.*,
    service_groups.group_name,
    service_groups.service_group_id is not null as group_exists
from {{ ref('stg_bizstim__services') }} as services
left join {{ ref('stg_bizstim__service_groups') }} as service_groups
    on services.service_group_id = service_groups.service_group_id
