-- People the customer's admin must invite in Freshsales (users cannot be
-- created through the API): practitioners, staff and admins with no matching
-- active user, with how many clients wait for them.
with waiting as (
    select
        owner_person_key,
        count(*) as clients_waiting
    from {{ ref('int_clients__assigned_practitioner') }}
    where freshsales_resolution <> 'resolved'
    group by owner_person_key
)

select
    people.person_key,
    people.first_name,
    people.last_name,
    people.email,
    people.bizstim_role,
    people.staff_type,
    owners.freshsales_resolution as reason_code,
    coalesce(waiting.clients_waiting, 0) as clients_waiting
from {{ ref('int_people__deduplicated') }} as people
inner join {{ ref('int_owners__resolved_by_email') }} as owners
    on people.person_key = owners.person_key
left join waiting on people.person_key = waiting.owner_person_key
where owners.freshsales_resolution <> 'resolved'
