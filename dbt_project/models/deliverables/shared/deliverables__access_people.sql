-- Every deduplicated Bizstim person with all their roles, for the access
-- plans: the user types of their logins (admin, practitioner, staff; a person
-- whose accounts were merged has several), practitioner when they have a
-- practitioner record, staff when they have a staff record, and always the
-- one role the marts carry (bizstim_role: admin, else practitioner, else
-- staff). Ephemeral: a part of the plans, not a deliverable of its own.
{{ config(materialized='ephemeral') }}

with people as (
    select * from {{ ref('int_people__deduplicated') }}
),

logins as (
    select
        person_key,
        unnest(user_ids) as user_id
    from people
),

roles as (
    select
        logins.person_key,
        users.user_type as bizstim_role
    from logins
    inner join {{ ref('stg_bizstim__users') }} as users on logins.user_id = users.user_id
    where users.user_type in ('admin', 'practitioner', 'staff')
    union
    select
        person_key,
        'practitioner' as bizstim_role
    from people
    where len(practitioner_ids) > 0
    union
    select
        person_key,
        'staff' as bizstim_role
    from people
    where len(staff_ids) > 0
    union
    select
        person_key,
        bizstim_role
    from people
),

all_roles as (
    select
        person_key,
        list(
            bizstim_role order by
                case bizstim_role when 'admin' then 1 when 'practitioner' then 2 else 3 end
        ) as bizstim_roles
    from roles
    group by person_key
)

select
    people.person_key,
    nullif(concat_ws(' ', people.first_name, people.last_name), '') as full_name,
    people.email,
    people.bizstim_role,
    all_roles.bizstim_roles,
    people.merged_by,
    concat_ws(
        '; ',
        nullif('logins ' || array_to_string(people.user_ids, ', '), 'logins '),
        nullif('practitioners ' || array_to_string(people.practitioner_ids, ', '), 'practitioners '),
        nullif('staff ' || array_to_string(people.staff_ids, ', '), 'staff ')
    ) as bizstim_records,
    (
        select count(*) from {{ ref('int_clients__assigned_practitioner') }} as assigned
        where assigned.owner_person_key = people.person_key
    ) as clients_owned
from people
inner join all_roles on people.person_key = all_roles.person_key
