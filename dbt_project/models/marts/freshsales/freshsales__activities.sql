-- Sessions as sales activities (appointments) on the contact, with their
-- original start and end (UTC) as the activity's own dates: Freshsales does
-- not let created_at be set.
with sessions as (
    select * from {{ ref('stg_bizstim__sessions') }}
    where {{ not_quarantined('quarantine__sessions', 'session_id', 'freshsales') }}
),

practitioners as (
    select
        people.practitioner_id,
        owners.freshsales_user_id,
        owners.freshsales_resolution
    from (
        select
            person_key,
            unnest(practitioner_ids) as practitioner_id
        from {{ ref('int_people__deduplicated') }}
    ) as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
)

select
    sessions.session_id as bizstim_session_id,
    sessions.client_id as bizstim_client_id,
    {{ fit_text("coalesce(services.service_name, 'Session')",
                "' (Bizstim session ' || sessions.session_id || ')'",
                built_text_max_chars('freshsales_text_max_chars')) }} as title,
    sessions.public_note as notes,
    sessions.starts_at as start_date,
    sessions.ends_at as end_date,
    sessions.account_timezone as time_zone,
    -- the session's practitioner when they resolved to a user, else the contact's
    -- owner (a sales activity needs an owner); never a default user
    coalesce(
        case
            when practitioners.freshsales_resolution = 'resolved'
                then practitioners.freshsales_user_id
        end,
        contacts.owner_id
    ) as owner_id,
    sessions.is_confirmed,
    {{ session_completed('sessions') }} as is_completed,
    'Contact' as targetable_type,
    '{{ var("freshsales_activity_type") }}' as activity_type,
    case
        when {{ session_completed('sessions') }}
            then '{{ var("freshsales_completed_outcome") }}'
    end as outcome
from sessions
inner join {{ ref('freshsales__contacts') }} as contacts
    on sessions.client_id = contacts.bizstim_client_id
left join {{ ref('stg_bizstim__services') }} as services
    on sessions.service_id = services.service_id
left join practitioners on sessions.practitioner_id = practitioners.practitioner_id
