-- The automation inventory: every SMS reminder, auto-invoice rule, reminder
-- schedule and workflow, with the recommended rebuild in Freshsales Flow and
-- in Power Automate. Nothing here is migrated as code.
select
    automations.automation_id,
    automations.automation_kind,
    automations.automation_name,
    automations.is_active,
    automations.trigger_rule,
    automations.schedule,
    automations.message_template,
    coalesce(equivalents.freshsales_flow, 'Review by hand: unknown kind') as freshsales_flow,
    coalesce(equivalents.power_automate, 'Review by hand: unknown kind') as power_automate
from {{ ref('stg_bizstim__automations') }} as automations
left join {{ ref('automation_equivalents') }} as equivalents
    on automations.automation_kind = equivalents.kind
