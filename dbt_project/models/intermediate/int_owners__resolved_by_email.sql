-- Each person resolved to a destination user by email (case-insensitive).
-- The destination's users come from the loader's preflight
-- (freshsales_meta.users, dynamics_meta.systemusers) or, before it has run,
-- from the shipped seeds. A person who does not resolve is never given a
-- default owner: they go to the provisioning queue with the reason.
with people as (
    select * from {{ ref('int_people__deduplicated') }}
),

freshsales_users as (
    select
        cast(id as varchar) as freshsales_user_id,
        lower(trim(email)) as email,
        coalesce(cast(is_active as boolean), true) as is_active
    from {{ source_or_seed('freshsales_meta', 'users', 'freshsales_users') }}
),

dynamics_users as (
    select
        cast(systemuserid as varchar) as dynamics_systemuser_id,
        lower(trim(internalemailaddress)) as email,
        not coalesce(cast(isdisabled as boolean), false) as is_active
    from {{ source_or_seed('dynamics_meta', 'systemusers', 'dynamics_systemusers') }}
),

resolved as (
    select
        people.person_key,
        people.email,
        fs.freshsales_user_id,
        fs.is_active as freshsales_user_active,
        dyn.dynamics_systemuser_id,
        dyn.is_active as dynamics_user_active
    from people
    left join freshsales_users as fs on people.email = fs.email
    left join dynamics_users as dyn on people.email = dyn.email
)

select
    person_key,
    email,
    freshsales_user_id,
    dynamics_systemuser_id,
    case
        when email is null then 'no_email'
        when freshsales_user_id is null then 'no_matching_user'
        when not freshsales_user_active then 'inactive_user'
        else 'resolved'
    end as freshsales_resolution,
    case
        when email is null then 'no_email'
        when dynamics_systemuser_id is null then 'no_matching_user'
        -- Dynamics keeps disabled users as owners; the brief provisions them
        -- "active or inactive depending on the Bizstim user": allowed
        else 'resolved'
    end as dynamics_resolution
from resolved
