-- The Freshsales access plan: one row per Freshsales user and per person in
-- the provisioning queue (a person matched to an inactive user is one row),
-- with their Bizstim roles and the Freshsales role and teams proposed for
-- them. Freshsales' public API documents no call that sets a user's role or
-- teams (users are read through GET /api/selector/owners only), so the
-- customer's admin applies this plan in Admin Settings; nothing is written.
-- The mapping is the vars below (a Bizstim role -> a role, a team).
{{ config(enabled=var('destination', 'freshsales') == 'freshsales') }}

{%- set mapping = [
    ('admin', var('freshsales_role_admin', 'Administrator'),
        var('freshsales_team_admin', 'Management')),
    ('practitioner', var('freshsales_role_practitioner', 'Sales User'),
        var('freshsales_team_practitioner', 'Practitioners')),
    ('staff', var('freshsales_role_staff', 'Restricted User'),
        var('freshsales_team_staff', 'Office staff')),
] %}

with mapping as (
    {%- for role, destination_role, team in mapping %}
        select
            '{{ role }}' as bizstim_role,
            {{ access_text(destination_role) }} as freshsales_role,
            {{ access_text(team) }} as freshsales_team
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

people as (
    select
        people.*,
        owners.freshsales_user_id,
        queue.reason_code
    from {{ ref('deliverables__access_people') }} as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
    left join {{ ref('deliverables__provisioning_queue') }} as queue
        on people.person_key = queue.person_key and queue.destination = 'freshsales'
),

proposed as (
    select
        people.*,
        (
            select mapping.freshsales_role from mapping
            where mapping.bizstim_role = people.bizstim_role
        ) as proposed_role,
        (
            select string_agg(distinct mapping.freshsales_team, '; ' order by mapping.freshsales_team)
            from mapping
            where list_contains(people.bizstim_roles, mapping.bizstim_role)
        ) as proposed_teams
    from people
),

plan as (
    select
        users.freshsales_user_id,
        proposed.person_key,
        coalesce(proposed.full_name, users.display_name) as full_name,
        coalesce(proposed.email, users.email) as email,
        users.is_active as user_active,
        proposed.bizstim_role,
        array_to_string(proposed.bizstim_roles, ', ') as bizstim_roles,
        proposed.merged_by,
        proposed.bizstim_records,
        coalesce(proposed.proposed_role, {{ access_text(var('access_plan_unmatched_role', 'Keep current role')) }})
            as proposed_role,
        proposed.proposed_teams,
        case
            when proposed.person_key is null then 'keep_current'
            when proposed.reason_code = 'inactive_user' then 'reactivate_then_assign'
            when proposed.reason_code is not null then 'provision_then_assign'
            else 'assign'
        end as plan_action,
        proposed.reason_code,
        proposed.clients_owned
    from {{ ref('stg_freshsales__users') }} as users
    full outer join proposed on users.freshsales_user_id = proposed.freshsales_user_id
)

select
    *,
    case plan_action
        when 'keep_current'
            then 'No Bizstim person has this e-mail: leave the user as they are.'
        when 'provision_then_assign'
            then 'Invite the user first (provisioning queue: ' || reason_code || '), then in '
                || 'Admin Settings > Users set the role to ' || proposed_role
                || coalesce(' and add them to ' || proposed_teams, '') || '.'
        when 'reactivate_then_assign'
            then 'Reactivate the user first (provisioning queue), then in Admin Settings > Users '
                || 'set the role to ' || proposed_role || coalesce(' and add them to ' || proposed_teams, '') || '.'
        else 'Admin Settings > Users: set the role to ' || proposed_role
            || coalesce(' and add them to ' || proposed_teams, '') || '.'
    end as how_to_apply
from plan
order by plan_action, full_name, email
