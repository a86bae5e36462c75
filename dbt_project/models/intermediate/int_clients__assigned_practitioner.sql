-- The practitioner a client works with: the one with the most sessions with
-- them (ties: the most recent, then the lowest id). Their resolved user owns
-- the client's records in the destination.
with sessions as (
    -- only clients and practitioners that exist: a session of a deleted client
    -- or naming a practitioner Bizstim does not have is quarantined with the
    -- session, and a practitioner that does not exist cannot own a client
    select
        sessions.client_id,
        sessions.practitioner_id,
        sessions.starts_at
    from {{ ref('stg_bizstim__sessions') }} as sessions
    inner join {{ ref('stg_bizstim__clients') }} as clients
        on sessions.client_id = clients.client_id
    inner join {{ ref('stg_bizstim__practitioners') }} as practitioners
        on sessions.practitioner_id = practitioners.practitioner_id
),

counted as (
    select
        client_id,
        practitioner_id,
        count(*) as session_count,
        max(starts_at) as last_session_at
    from sessions
    group by client_id, practitioner_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by client_id
            order by session_count desc, last_session_at desc, practitioner_id asc
        ) as rank_for_client
    from counted
),

people as (
    select
        person_key,
        unnest(practitioner_ids) as practitioner_id
    from {{ ref('int_people__deduplicated') }}
)

select
    ranked.client_id,
    ranked.practitioner_id,
    ranked.session_count,
    people.person_key as owner_person_key,
    owners.email as owner_email,
    owners.freshsales_user_id,
    owners.freshsales_resolution,
    owners.dynamics_systemuser_id,
    owners.dynamics_resolution
from ranked
left join people on ranked.practitioner_id = people.practitioner_id
left join {{ ref('int_owners__resolved_by_email') }} as owners
    on people.person_key = owners.person_key
where ranked.rank_for_client = 1
