-- Custom columns to set on the Dynamics users the people resolved to (users
-- themselves are provisioned by the customer's IT in Entra ID). Column names
-- here are generic; the writer adds the publisher prefix
-- (var dynamics_publisher_prefix, default new_).
select
    owners.dynamics_systemuser_id as systemuserid,
    people.person_key as bizstim_person_key,
    people.practitioner_wage,
    people.bizstim_role,
    people.staff_type,
    coalesce(people.staff_ids[1], people.practitioner_ids[1]) as bizstim_staff_id,
    array_to_string(people.practitioner_ids, ',') as bizstim_practitioner_ids
from {{ ref('int_people__deduplicated') }} as people
inner join {{ ref('int_owners__resolved_by_email') }} as owners
    on people.person_key = owners.person_key
where owners.dynamics_resolution = 'resolved'
