-- The free-text notes of each client record, as a note on the contact. Bizstim
-- keeps no timestamp on a note; the client's start date is the earliest date
-- known, and the text says so.
select
    'client_note:' || contacts.bizstim_client_id as bizstim_note_key,
    contacts.bizstim_client_id,
    clients.notes || chr(10) || chr(10) || '(Migrated from the Bizstim client record'
    || coalesce('; client since ' || cast(clients.start_date as varchar), '') || '.)'
        as description,
    clients.start_date as original_date
from {{ ref('stg_bizstim__clients') }} as clients
inner join {{ ref('freshsales__contacts') }} as contacts
    on clients.client_id = contacts.bizstim_client_id
where clients.notes is not null
