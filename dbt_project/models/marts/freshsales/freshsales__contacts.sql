-- Contacts: every client not held in quarantine, standard fields, the owner
-- resolved by email, the availability rules as custom fields (created during
-- schema setup), and the Bizstim client id as the external key. Email
-- addresses are unique across Freshsales contacts: see cf_shared_emails.
with clients as (
    select * from {{ ref('stg_bizstim__clients') }}
    where {{ not_quarantined('quarantine__clients', 'client_id', 'freshsales') }}
),

phones as (
    select * from {{ ref('int_phones__by_owner') }}
    where owner_type = 'client'
),

owners as (
    select * from {{ ref('int_clients__assigned_practitioner') }}
),

rules as (
    select * from {{ ref('int_availability__rules') }}
),

emails as (
    select * from {{ ref('int_clients__freshsales_emails') }}
)

select
    clients.client_id as bizstim_client_id,
    clients.first_name,
    clients.last_name,
    -- an address shared by several clients stays with the first of them
    -- (int_clients__freshsales_emails): Freshsales refuses a second contact with it
    emails.email,
    emails.other_emails,
    phones.mobile_phone as mobile_number,
    phones.work_phone as work_number,
    nullif(concat_ws(', ', clients.address_line1, clients.address_line2), '') as address,
    clients.city,
    clients.state,
    clients.zipcode,
    clients.country,
    case when owners.freshsales_resolution = 'resolved' then owners.freshsales_user_id end
        as owner_id,
    clients.client_id as cf_bizstim_client_id,
    clients.client_status as cf_bizstim_status,
    clients.start_date as cf_bizstim_start_date,
    rules.min_time as cf_availability_min_time,
    rules.max_time as cf_availability_max_time,
    rules.slot_duration_minutes as cf_slot_duration,
    rules.session_limit as cf_session_limit,
    rules.weekly_windows_text as cf_availability_windows,
    nullif(array_to_string(emails.shared_emails, ', '), '') as cf_shared_emails,
    nullif(array_to_string(phones.other_phones, ', '), '') as cf_other_phones,
    cast(clients.custom_fields as varchar) as cf_bizstim_custom_fields,
    cast({{ custom_field_values('clients.custom_fields', 'contacts') }} as varchar)
        as custom_field_values
from clients
left join phones on clients.client_id = phones.owner_id
left join owners on clients.client_id = owners.client_id
left join rules on clients.client_id = rules.client_id
left join emails on clients.client_id = emails.client_id
