-- Sales-qualified clients (int_clients__classified) as Dynamics contacts, with
-- how their owner resolved (the loader reports a contact whose owner did not).
with client_rows as (
    {{ dynamics_client_rows('contact') }}
)

select
    client_rows.*,
    case
        when owners.client_id is null then 'no_practitioner'
        else coalesce(owners.dynamics_resolution, 'practitioner_not_a_person')
    end as owner_resolution
from client_rows
left join {{ ref('int_clients__assigned_practitioner') }} as owners
    on client_rows.bizstim_client_id = owners.client_id
