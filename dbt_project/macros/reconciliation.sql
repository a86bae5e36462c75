{#- The reconciliation of one destination: one row per object, every extracted
    record counted once as ready (in one of the destination's marts),
    quarantined or excluded by a rule.

    What both destinations share is here: the objects and what was extracted
    of each, the exclusions both make (a client's note waits with its
    quarantined client; client logins and the records of people in the
    provisioning queue are not loaded as users) and the quarantined counts.
    The model of each destination gives what is its own:
      ready     {object: SQL counting the object's records in its marts}, for
                every object;
      excluded  {object: (SQL counting the excluded records, the rule)}, its
                own exclusions (one given for a shared one replaces it). -#}
{% macro reconciliation(destination, ready, excluded={}) -%}
    {%- set extracted = {
        'clients': count_of('stg_bizstim__clients'),
        'services': count_of('stg_bizstim__services'),
        'service_groups': count_of('stg_bizstim__service_groups'),
        'payments': count_of('stg_bizstim__payments'),
        'sessions': count_of('stg_bizstim__sessions'),
        'client_files': count_of('stg_bizstim__client_files'),
        'client_notes': count_of('stg_bizstim__clients', 'notes is not null'),
        'people_records': '(' ~ count_of('stg_bizstim__staffs') ~ ') + ('
            ~ count_of('stg_bizstim__practitioners') ~ ') + (' ~ count_of('stg_bizstim__users') ~ ')',
    } -%}
    {%- set held_clients -%}
        client_id in (
            select held.source_id from {{ ref('quarantine__clients') }} as held
            where held.destination in ('all', '{{ destination }}')
        )
    {%- endset -%}
    {%- set shared_exclusions = {
        'client_notes': (
            count_of('stg_bizstim__clients', 'notes is not null and ' ~ held_clients),
            'the note waits with its quarantined client'),
        'people_records': (
            '(' ~ people_records_by_resolution(destination, "<> 'resolved'") ~ ') + ('
            ~ count_of('stg_bizstim__users', "user_type = 'client'") ~ ')',
            'client logins (they are the clients), and the records of people waiting in the '
            ~ 'provisioning queue'),
    } -%}
    {%- set missing = extracted.keys() | reject('in', ready) | list -%}
    {%- set unknown = (ready.keys() | list + excluded.keys() | list) | reject('in', extracted) | list -%}
    {%- if missing or unknown -%}
        {{ exceptions.raise_compiler_error(
            "reconciliation('" ~ destination ~ "'): ready must count every object ("
            ~ extracted.keys() | join(', ') ~ "); missing: " ~ (missing | join(', ') or 'none')
            ~ "; not an object: " ~ (unknown | join(', ') or 'none')) }}
    {%- endif %}
with quarantined as (
    select
        held.object,
        count(distinct held.source_id) as records
    from {{ ref('quarantine__all') }} as held
    where held.destination in ('all', '{{ destination }}')
    group by held.object
),

counts as (
    {%- for object, extracted_sql in extracted.items() %}
        {%- set exclusion = excluded.get(object, shared_exclusions.get(object, ('0', none))) %}
    {{ reconciliation_row(object, extracted_sql, ready[object], exclusion[0], exclusion[1]) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    '{{ destination }}' as destination,
    counts.object,
    counts.extracted,
    counts.ready,
    coalesce(quarantined.records, 0) as quarantined,
    counts.excluded_by_rule,
    counts.exclusion_rule
from counts
left join quarantined on counts.object = quarantined.object
{%- endmacro %}

{#- One reconciliation row: how many records of an object were extracted,
    are ready in a mart, and were excluded by a rule (quarantined ones are
    counted from the quarantine models by the caller). -#}
{% macro reconciliation_row(object, extracted, ready, excluded='0', rule=none) -%}
    select
        '{{ object }}' as object,
        ({{ extracted }}) as extracted,
        ({{ ready }}) as ready,
        ({{ excluded }}) as excluded_by_rule,
        {% if rule %}'{{ rule }}'{% else %}cast(null as varchar){% endif %} as exclusion_rule
{%- endmacro %}

{% macro count_of(model, where='true') -%}
    select count(*) from {{ ref(model) }} where {{ where }}
{%- endmacro %}

{#- How many staff, practitioner and user records belong to people whose
    resolution to a user of the destination meets `condition`
    ("= 'resolved'", "<> 'resolved'"). -#}
{% macro people_records_by_resolution(destination, condition) -%}
    select coalesce(sum(people.source_records), 0)
    from {{ ref('int_people__deduplicated') }} as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
    where owners.{{ destination }}_resolution {{ condition }}
{%- endmacro %}
