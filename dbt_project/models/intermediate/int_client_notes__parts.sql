-- The free-text notes of each client record, cut into parts that fit the
-- destinations' note fields (Freshsales note descriptions and Dynamics
-- annotation text refuse longer text): at most var note_part_max_chars
-- characters a part, in order. A short note is one part; nothing is cut off.
{% set size = var('note_part_max_chars') | int %}
with notes as (
    select
        client_id,
        notes,
        start_date,
        (length(notes) + {{ size }} - 1) // {{ size }} as part_count
    from {{ ref('stg_bizstim__clients') }}
    where notes is not null
),

parts as (
    select
        client_id,
        notes,
        start_date,
        part_count,
        unnest(generate_series(1, part_count)) as part_number
    from notes
)

select
    client_id,
    part_number,
    part_count,
    -- part 1 keeps the plain key, so a note that never needed cutting keeps its ledger key
    'client_note:' || client_id || case when part_number > 1 then ':' || part_number else '' end
        as note_key,
    substring(notes, (part_number - 1) * {{ size }} + 1, {{ size }}) as note_text,
    start_date as client_start_date
from parts
