-- Client files as documents on the contact; the bytes are in the workspace,
-- content-addressed (stored_path under <workspace>/files/).
select
    files.file_id as bizstim_file_id,
    files.client_id as bizstim_client_id,
    coalesce(files.file_name, 'file-' || files.file_id) as file_name,
    files.content_type,
    files.stored_size_bytes as size_bytes,
    files.sha256,
    files.stored_path,
    files.uploaded_at,
    'Contact' as targetable_type
from {{ ref('stg_bizstim__client_files') }} as files
inner join {{ ref('freshsales__contacts') }} as contacts
    on files.client_id = contacts.bizstim_client_id
where {{ not_quarantined('quarantine__client_files', 'files.file_id', 'freshsales') }}
