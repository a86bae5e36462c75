-- Field-level security for the Dynamics admin: for every place a sensitive
-- Bizstim field lands (var access_plan_sensitive_fields; where it lands is read
-- from the mart contracts: the practitioner wage is systemuser's custom wage
-- column, declared in dynamics__systemuser_updates) and every Bizstim role, who
-- may read and update it, and the field security profile that grants it.
-- Dataverse documents the tables behind it (fieldsecurityprofiles,
-- fieldpermissions: canread / canupdate, and the column's IsSecured flag); the
-- migration does not write them: the customer's admin applies this plan.
{%- set extra = [{
    'grantee': 'migration application user', 'role': none, 'can_read': true, 'can_update': true,
}] %}
{%- set profile = var('dynamics_field_security_profile', 'Bizstim pay') %}

{% call field_security_plan('dynamics', extra, profile) -%}
    case
        when not targets.migrated
            then 'Nothing to secure: the field map leaves this field out.'
        when grantees.bizstim_role is null
            then 'Add the application user the loader signs in with (DYNAMICS_CLIENT_ID) to '
                || '"{{ profile }}: read and update", or secure the column only after the load '
                || 'and its verification: the loader writes, verifies and rolls back this column.'
        when grantees.can_update or grantees.can_read
            then 'Secure the column (' || targets.destination_object || '.'
                || targets.destination_field || ': Enable column security), then add the users '
                || 'with this Bizstim role (access plan) to the field security profile "'
                || case when grantees.can_update then '{{ profile }}: read and update'
                    else '{{ profile }}: read only' end || '".'
        else 'Add them to no profile for this column: once it is secured, they cannot read it.'
    end
{%- endcall %}
