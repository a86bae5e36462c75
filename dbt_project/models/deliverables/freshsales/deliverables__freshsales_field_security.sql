-- Who may read and update each sensitive Bizstim field (var
-- access_plan_sensitive_fields) in the Freshsales migration, per Bizstim role.
-- Where it lands is read from the contracts: the practitioner wage reaches no
-- Freshsales field (no user fields through the API); the sources send it to
-- the wage reference deliverable, a file the admin shares with the readers.
{{ config(enabled=var('destination', 'freshsales') == 'freshsales') }}

{% call field_security_plan('freshsales') -%}
    case
        when not targets.migrated
            then 'Nothing to secure: the field map leaves this field out.'
        when targets.lands_in = 'deliverable' and grantees.can_read
            then 'Not in Freshsales: share the file deliverables/' || targets.destination_object
                || '.csv (column ' || targets.destination_field || ') with them' || case when grantees.can_update then ' and let them keep it up to date'
                    else ', read only' end || '.'
        when targets.lands_in = 'deliverable'
            then 'Not in Freshsales: do not share the file deliverables/' || targets.destination_object
                || '.csv with them.'
        when grantees.can_read
            then 'Freshsales documents no field permission through its API: in Admin Settings > Roles, '
                || 'give their role ' || case when grantees.can_update then 'view and edit' else 'view' end
                || ' access to ' || targets.destination_object || '.' || targets.destination_field
                || ' if your plan offers field permissions; else leave the field out (var left_out_columns).'
        else 'Hide ' || targets.destination_object || '.' || targets.destination_field
            || ' from their role (Admin Settings > Roles) if your plan offers field permissions.'
    end
{%- endcall %}
