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

-- the date and times as Bizstim sent them, quoted when they cannot be read
raw_times as (
    select
        {{ clean_text('id') }} as session_id,
        {{ clean_text('session_date') }} as date_text,
        {{ clean_text('start_time') }} as start_text,
        {{ clean_text('end_time') }} as end_text
    from {{ source('bizstim', 'sessions') }}
    -- one row per id, whatever the raw table holds (the grain)
    qualify row_number() over (partition by session_id order by date_text, start_text, end_text) = 1
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
        sessions.session_id,
        'all' as destination,
        'invalid_time' as reason_code,
        'Session ' || sessions.session_id
        || case
            when sessions.starts_at is null or sessions.ends_at is null
                then ' has no readable date or start/end time (date "'
                    || coalesce({{ visible_text('raw_times.date_text') }}, '') || '", start "'
                    || coalesce({{ visible_text('raw_times.start_text') }}, '') || '", end "'
                    || coalesce({{ visible_text('raw_times.end_text') }}, '')
                    || '"; a date is YYYY-MM-DD and exists): correct it in Bizstim.'
            else ' ends (' || cast(sessions.end_time_local as varchar) || ') before it starts ('
                || cast(sessions.start_time_local as varchar) || '): correct it in Bizstim.'
        end as reason
    from sessions
    left join raw_times on sessions.session_id = raw_times.session_id
    where sessions.starts_at is null or sessions.ends_at is null or sessions.ends_at < sessions.starts_at

    union all

    {{ ambiguous_id_reasons('sessions', 'Session') }}
)

select
    'sessions' as object,
    session_id as source_id,
    destination,
    reason_code,
    reason
from reasons
