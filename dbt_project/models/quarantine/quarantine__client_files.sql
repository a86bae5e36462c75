-- Files that cannot load: their bytes were not fetched (Bizstim answered 404),
-- their client does not exist or is held in quarantine, or (Freshsales) they
-- are larger than a document may be.
with files as (
    select * from {{ ref('stg_bizstim__client_files') }}
),

clients as (
    select client_id from {{ ref('stg_bizstim__clients') }}
),

held_clients as (
    select distinct
        source_id as client_id,
        destination
    from {{ ref('quarantine__clients') }}
),

reasons as (
    select
        file_id,
        'all' as destination,
        'file_not_fetched' as reason_code,
        'File ' || file_id || ' (' || coalesce(file_name, 'no name') || ') could not be '
        || 'downloaded from Bizstim: check it exists, then extract again.' as reason
    from files
    where sha256 is null

    union all

    select
        files.file_id,
        'all' as destination,
        'orphan_file' as reason_code,
        'File ' || files.file_id || ' belongs to client ' || coalesce(files.client_id, '(none)')
        || ', who does not exist in Bizstim.' as reason
    from files
    left join clients on files.client_id = clients.client_id
    where clients.client_id is null

    union all

    select
        files.file_id,
        held_clients.destination,
        'client_quarantined' as reason_code,
        'File ' || files.file_id || ' waits for client ' || files.client_id
        || ', who is in quarantine.' as reason
    from files
    inner join held_clients on files.client_id = held_clients.client_id

    union all

    select
        file_id,
        'freshsales' as destination,
        'file_too_large' as reason_code,
        'File ' || file_id || ' (' || coalesce(file_name, 'no name') || ') has '
        || stored_size_bytes || ' bytes; Freshsales takes at most '
        || {{ var('freshsales_file_max_bytes') }} || ' a document: share it from document '
        || 'storage and link it in a note instead.' as reason
    from files
    where stored_size_bytes > {{ var('freshsales_file_max_bytes') }}
)

select
    'client_files' as object,
    file_id as source_id,
    destination,
    reason_code,
    reason
from reasons
