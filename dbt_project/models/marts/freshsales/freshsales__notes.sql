-- The free-text notes of each client record, as notes on the contact; a note
-- longer than a Freshsales note allows arrives in parts (int_client_notes__parts),
-- each saying which part it is. Bizstim keeps no timestamp on a note; the
-- client's start date is the earliest date known, and the text says so.
select
    parts.note_key as bizstim_note_key,
    contacts.bizstim_client_id,
    parts.part_number,
    parts.note_text || chr(10) || chr(10) || '(Migrated from the Bizstim client record'
    || case
        when parts.part_count > 1
            then '; part ' || parts.part_number || ' of ' || parts.part_count
        else ''
    end
    || coalesce('; client since ' || cast(parts.client_start_date as varchar), '') || '.)'
        as description,
    parts.client_start_date as original_date,
    'Contact' as targetable_type
from {{ ref('int_client_notes__parts') }} as parts
inner join {{ ref('freshsales__contacts') }} as contacts
    on parts.client_id = contacts.bizstim_client_id
