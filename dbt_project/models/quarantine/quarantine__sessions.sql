-- Sessions (activities) that cannot load: no client, a client that does not
-- exist or is held in quarantine, no practitioner that exists (an activity
-- needs an owner, and the session's history names who held it), or no
-- readable date and time, or an end before the start.
with sessions as (
    select * from {{ ref('stg_bizstim__sessions') }}
),

practitioners as (
    select practitioner_id from {{ ref('stg_bizstim__practitioners') }}
),

clients as (
    select client_id from {{ ref('stg_bizstim__clients') }}
),

held_clients as (
    select distinct
        source_id as client_id,
        destination
    from {{ ref('quarantine__clients') }}
),

reasons as (
    select
        sessions.session_id,
        'all' as destination,
        'orphan_session' as reason_code,
        'Session ' || sessions.session_id || ' belongs to client '
        || coalesce(sessions.client_id, '(none)') || ', who does not exist in Bizstim.' as reason
    from sessions
    left join clients on sessions.client_id = clients.client_id
    where clients.client_id is null

    union all

    select
        sessions.session_id,
        held_clients.destination,
        'client_quarantined' as reason_code,
        'Session ' || sessions.session_id || ' waits for client ' || sessions.client_id
        || ', who is in quarantine.' as reason
    from sessions
    inner join held_clients on sessions.client_id = held_clients.client_id

    union all

    select
        sessions.session_id,
        'all' as destination,
        'orphan_practitioner' as reason_code,
        'Session ' || sessions.session_id || coalesce(
            ' names practitioner ' || sessions.practitioner_id || ', who does not exist in Bizstim',
            ' names no practitioner'
        ) || ': assign it to a practitioner in Bizstim.' as reason
    from sessions
    left join practitioners on sessions.practitioner_id = practitioners.practitioner_id
    where practitioners.practitioner_id is null

    union all

    select
        session_id,
        'all' as destination,
        'invalid_time' as reason_code,
        'Session ' || session_id
        || case
            when starts_at is null or ends_at is null then ' has no readable date or start/end time.'
            else ' ends (' || cast(end_time_local as varchar) || ') before it starts ('
                || cast(start_time_local as varchar) || '): correct it in Bizstim.'
        end as reason
    from sessions
    where starts_at is null or ends_at is null or ends_at < starts_at
)

select
    'sessions' as object,
    session_id as source_id,
    destination,
    reason_code,
    reason
from reasons
