-- Files that cannot load: their bytes were not fetched (Bizstim answered 404),
-- their client does not exist or is held in quarantine, they are larger than
-- the destination takes (Freshsales: a document of 25 MiB, var
-- freshsales_file_max_bytes; Dynamics: a note attachment of 5 MiB by default,
-- var dynamics_file_max_bytes), or their name is longer than a file name field
-- (255 characters in both).
{% set file_name_max = var('file_name_max_chars', 255) | int %}
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

    {% for destination, max_bytes in [
        ('freshsales', var('freshsales_file_max_bytes')),
        ('dynamics', var('dynamics_file_max_bytes', 5242880))] %}
        select
            file_id,
            '{{ destination }}' as destination,
            'file_too_large' as reason_code,
            'File ' || file_id || ' (' || coalesce(file_name, 'no name') || ') has '
            || stored_size_bytes || ' bytes; {{ destination | capitalize }} takes at most '
            || {{ max_bytes }} || ' bytes a file: share it from document storage and link it '
            || 'in a note instead.' as reason
        from files
        where stored_size_bytes > {{ max_bytes }}

        union all
    {% endfor %}

    select
        file_id,
        'all' as destination,
        'file_name_too_long' as reason_code,
        'File ' || file_id || ' has a name of ' || length(file_name) || ' characters; the '
        || 'destinations take at most {{ file_name_max }}: rename it in Bizstim.' as reason
    from files
    where length(file_name) > {{ file_name_max }}
)

select
    'client_files' as object,
    file_id as source_id,
    destination,
    reason_code,
    reason
from reasons
