-- Each person resolved to a destination user by email (case-insensitive:
-- both sides are lower-cased in staging). The destination's users come from
-- stg_freshsales__users and stg_dynamics__systemusers (the loader's preflight
-- tables or, before it has run, the shipped seeds). A person who does not
-- resolve is never given a default owner: they go to the provisioning queue
-- with the reason.
with people as (
    select * from {{ ref('int_people__deduplicated') }}
),

freshsales_users as (
    select * from {{ ref('stg_freshsales__users') }}
),

dynamics_users as (
    select * from {{ ref('stg_dynamics__systemusers') }}
),

resolved as (
    select
        people.person_key,
        people.email,
        fs.freshsales_user_id,
        fs.is_active as freshsales_user_active,
        dyn.dynamics_systemuser_id
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
