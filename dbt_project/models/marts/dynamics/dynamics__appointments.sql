-- Sessions as completed appointments regarding the contact or lead, with the
-- original times (scheduled and actual start/end, overriddencreatedon).
with sessions as (
    select * from {{ ref('stg_bizstim__sessions') }}
    where {{ not_quarantined('quarantine__sessions', 'session_id', 'dynamics') }}
),

people as (
    select
        bizstim_client_id,
        'contact' as regarding_entity,
        owner_systemuserid
    from {{ ref('dynamics__contacts') }}
    union all
    select
        bizstim_client_id,
        'lead' as regarding_entity,
        owner_systemuserid
    from {{ ref('dynamics__leads') }}
)

select
    sessions.session_id as bizstim_session_id,
    sessions.client_id as bizstim_client_id,
    people.regarding_entity,
    case when people.regarding_entity = 'contact' then sessions.client_id end
        as regarding_contact_id,
    case when people.regarding_entity = 'lead' then sessions.client_id end
        as regarding_lead_id,
    {{ fit_text("coalesce(services.service_name, 'Session')",
                "' (Bizstim session ' || sessions.session_id || ')'",
                built_text_max_chars('dynamics_subject_max_chars')) }} as subject,
    sessions.public_note as description,
    sessions.starts_at as scheduledstart,
    sessions.ends_at as scheduledend,
    sessions.starts_at as actualstart,
    sessions.ends_at as actualend,
    people.owner_systemuserid,
    {{ session_completed('sessions') }} as is_completed
from sessions
inner join people on sessions.client_id = people.bizstim_client_id
left join {{ ref('stg_bizstim__services') }} as services
    on sessions.service_id = services.service_id
