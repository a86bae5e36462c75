-- Practitioner wage reference for the admin (no native field in either CRM):
-- each practitioner's wage tier and wage, beside the default wage of every
-- service they delivered.
with delivered as (
    select
        sessions.practitioner_id,
        list(distinct services.service_name order by services.service_name) as services,
        min(services.default_wage) as lowest_default_wage,
        max(services.default_wage) as highest_default_wage
    from {{ ref('stg_bizstim__sessions') }} as sessions
    inner join {{ ref('stg_bizstim__services') }} as services
        on sessions.service_id = services.service_id
    group by sessions.practitioner_id
)

select
    practitioners.practitioner_id,
    concat_ws(' ', practitioners.first_name, practitioners.last_name) as full_name,
    practitioners.email,
    practitioners.practitioner_status,
    practitioners.wage_tier,
    practitioners.practitioner_wage,
    array_to_string(coalesce(delivered.services, []), '; ') as services_delivered,
    delivered.lowest_default_wage,
    delivered.highest_default_wage
from {{ ref('stg_bizstim__practitioners') }} as practitioners
left join delivered on practitioners.practitioner_id = delivered.practitioner_id
