-- Contacts: every client not held in quarantine, standard fields, the owner
-- resolved by email, the availability rules as custom fields (created during
-- schema setup), and the Bizstim client id as the external key.
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
)

select
    clients.client_id as bizstim_client_id,
    clients.first_name,
    clients.last_name,
    clients.email,
    list_slice(clients.valid_emails, 2, len(clients.valid_emails)) as other_emails,
    phones.mobile_phone as mobile_number,
    phones.work_phone as work_number,
    concat_ws(', ', clients.address_line1, clients.address_line2) as address,
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
    cast(clients.custom_fields as varchar) as bizstim_custom_fields
from clients
left join phones on clients.client_id = phones.owner_id
left join owners on clients.client_id = owners.client_id
left join rules on clients.client_id = rules.client_id
