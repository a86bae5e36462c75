{#- Clients classified as `entity` (contact or lead) for Dynamics, not held in
    quarantine: standard columns, the owner bound to the resolved system user,
    the Bizstim client id (the alternate key), and the availability rules as
    structured JSON for the configuration guide. Contacts and leads share
    every column but the lead's subject. -#}
{% macro dynamics_client_rows(entity) %}
with clients as (
    select clients.*
    from {{ ref('stg_bizstim__clients') }} as clients
    inner join {{ ref('int_clients__classified') }} as classified
        on clients.client_id = classified.client_id
    where
        classified.dynamics_entity = '{{ entity }}'
        and {{ not_quarantined('quarantine__clients', 'clients.client_id', 'dynamics') }}
)

select
    clients.client_id as bizstim_client_id,
    clients.first_name as firstname,
    coalesce(clients.last_name, clients.first_name) as lastname,
    {% if entity == 'lead' -%}
    'Bizstim prospect: ' || concat_ws(' ', clients.first_name, clients.last_name) as subject,
    {% endif -%}
    clients.email as emailaddress1,
    clients.valid_emails[2] as emailaddress2,
    phones.work_phone as telephone1,
    {% if entity == 'contact' -%}
    phones.other_phones[1] as telephone2,
    {% endif -%}
    phones.mobile_phone as mobilephone,
    clients.address_line1 as address1_line1,
    clients.address_line2 as address1_line2,
    clients.city as address1_city,
    clients.state as address1_stateorprovince,
    clients.zipcode as address1_postalcode,
    clients.country as address1_country,
    case when owners.dynamics_resolution = 'resolved' then owners.dynamics_systemuser_id end
        as owner_systemuserid,
    clients.client_status as bizstim_status,
    cast(to_json({
        'min_time': rules.min_time,
        'max_time': rules.max_time,
        'slot_duration_minutes': rules.slot_duration_minutes,
        'session_limit': rules.session_limit,
        'weekly_windows': rules.weekly_windows
    }) as varchar) as availability_slot_data,
    cast({{ custom_field_values('clients.custom_fields', 'contact') }} as varchar)
        as custom_field_values
from clients
left join {{ ref('int_phones__by_owner') }} as phones
    on phones.owner_type = 'client' and clients.client_id = phones.owner_id
left join {{ ref('int_clients__assigned_practitioner') }} as owners
    on clients.client_id = owners.client_id
left join {{ ref('int_availability__rules') }} as rules
    on clients.client_id = rules.client_id
{% endmacro %}
