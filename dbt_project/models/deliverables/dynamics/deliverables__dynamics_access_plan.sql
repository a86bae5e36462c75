-- The Dynamics 365 access plan: one row per Dynamics system user and per
-- person in the provisioning queue, with their Bizstim roles and the security
-- roles and business unit proposed for them (the vars below: a Bizstim role ->
-- security roles, separated by ';', and a business unit). A person with
-- several Bizstim roles gets the security roles of each and the business unit
-- of their main role (admin, else practitioner, else staff). Dataverse
-- documents the calls that would apply it (POST systemusers(<id>)/
-- systemuserroles_association/$ref, the SetBusinessSystemUser action); the
-- migration does not make them: the customer's admin applies this plan, before
-- the production load for users who own records (Dataverse refuses a record
-- owned by a user without a security role).
{%- set mapping = [
    ('admin', var('dynamics_security_roles_admin', 'Sales Manager'),
        var('dynamics_business_unit_admin', '(root business unit)')),
    ('practitioner', var('dynamics_security_roles_practitioner', 'Salesperson'),
        var('dynamics_business_unit_practitioner', '(root business unit)')),
    ('staff', var('dynamics_security_roles_staff', 'Basic User'),
        var('dynamics_business_unit_staff', '(root business unit)')),
] %}

with mapping as (
    {%- for role, security_roles, business_unit in mapping %}
        select
            '{{ role }}' as bizstim_role,
            {{ access_list(security_roles) }} as security_roles,
            {{ access_text(business_unit) }} as business_unit
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

people as (
    select
        people.*,
        owners.dynamics_systemuser_id,
        queue.reason_code
    from {{ ref('deliverables__access_people') }} as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
    left join {{ ref('deliverables__provisioning_queue') }} as queue
        on people.person_key = queue.person_key and queue.destination = 'dynamics'
),

proposed as (
    select
        people.*,
        (
            select array_to_string(list_sort(list_distinct(flatten(list(mapping.security_roles)))), '; ')
            from mapping
            where list_contains(people.bizstim_roles, mapping.bizstim_role)
        ) as proposed_security_roles,
        (
            select mapping.business_unit from mapping
            where mapping.bizstim_role = people.bizstim_role
        ) as proposed_business_unit
    from people
),

plan as (
    select
        users.dynamics_systemuser_id as systemuserid,
        proposed.person_key,
        coalesce(proposed.full_name, users.full_name) as full_name,
        coalesce(proposed.email, users.email) as email,
        users.is_disabled as user_disabled,
        proposed.bizstim_role,
        array_to_string(proposed.bizstim_roles, ', ') as bizstim_roles,
        proposed.merged_by,
        proposed.bizstim_records,
        coalesce(
            nullif(proposed.proposed_security_roles, ''),
            {{ access_text(var('access_plan_unmatched_role', 'Keep current role')) }}
        ) as proposed_security_roles,
        proposed.proposed_business_unit,
        case
            when proposed.person_key is null then 'keep_current'
            when proposed.reason_code is not null then 'provision_then_assign'
            else 'assign'
        end as plan_action,
        proposed.reason_code,
        proposed.clients_owned
    from {{ ref('stg_dynamics__systemusers') }} as users
    full outer join proposed on users.dynamics_systemuser_id = proposed.dynamics_systemuser_id
)

select
    *,
    case plan_action
        when 'keep_current'
            then 'No Bizstim person has this e-mail: leave the user as they are.'
        else
            case when plan_action = 'provision_then_assign'
                    then 'Provision the user in Entra ID first (provisioning queue: '
                        || reason_code || '). '
                else ''
            end
            || 'Power Platform admin center, the environment''s Users: business unit '
            || coalesce(proposed_business_unit, '(unchanged)')
            || ', then Manage security roles: ' || proposed_security_roles
            || case when clients_owned > 0
                    then ' (before the production load: owns ' || clients_owned || ' clients)'
                else ''
            end || '.'
    end as how_to_apply
from plan
order by plan_action, full_name, email
