-- Notes and files as annotations on the contact or lead (regarding_*_id: the
-- client's key in the one of the two marts it is in): the client's notes
-- (no timestamp in Bizstim: the client's start date stands in; a note longer
-- than an annotation's text allows arrives in parts) and every
-- file with its bytes' location (the writer base64-encodes them).
with people as (
    select
        bizstim_client_id,
        'contact' as regarding_entity
    from {{ ref('dynamics__contacts') }}
    union all
    select
        bizstim_client_id,
        'lead' as regarding_entity
    from {{ ref('dynamics__leads') }}
)

select
    parts.note_key as bizstim_annotation_key,
    parts.client_id as bizstim_client_id,
    people.regarding_entity,
    case when people.regarding_entity = 'contact' then parts.client_id end
        as regarding_contact_id,
    case when people.regarding_entity = 'lead' then parts.client_id end
        as regarding_lead_id,
    'Bizstim client notes' || case
        when parts.part_count > 1
            then ' (part ' || parts.part_number || ' of ' || parts.part_count || ')'
        else ''
    end as subject,
    parts.note_text as notetext,
    false as isdocument,
    cast(null as varchar) as filename,
    cast(null as varchar) as mimetype,
    cast(null as varchar) as stored_path,
    cast(null as varchar) as sha256,
    cast(null as bigint) as size_bytes,
    -- no timestamp on a Bizstim note: the client's start date stands in
    timezone('UTC', cast(parts.client_start_date as timestamp)) as overriddencreatedon
from {{ ref('int_client_notes__parts') }} as parts
inner join people on parts.client_id = people.bizstim_client_id

union all

select
    'file:' || files.file_id as bizstim_annotation_key,
    files.client_id as bizstim_client_id,
    people.regarding_entity,
    case when people.regarding_entity = 'contact' then files.client_id end
        as regarding_contact_id,
    case when people.regarding_entity = 'lead' then files.client_id end
        as regarding_lead_id,
    coalesce(files.file_name, 'file-' || files.file_id) as subject,
    cast(null as varchar) as notetext,
    true as isdocument,
    coalesce(files.file_name, 'file-' || files.file_id) as filename,
    files.content_type as mimetype,
    files.stored_path,
    files.sha256,
    files.stored_size_bytes as size_bytes,
    files.uploaded_at as overriddencreatedon
from {{ ref('stg_bizstim__client_files') }} as files
inner join people on files.client_id = people.bizstim_client_id
where {{ not_quarantined('quarantine__client_files', 'files.file_id', 'dynamics') }}
