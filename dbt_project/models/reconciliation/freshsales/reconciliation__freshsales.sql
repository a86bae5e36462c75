-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Freshsales mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off.
{% set held_clients -%}
    client_id in (
        select held.source_id from {{ ref('quarantine__clients') }} as held
        where held.destination in ('all', 'freshsales')
    )
{%- endset %}
{% set people_records -%}
    ({{ count_of('stg_bizstim__staffs') }}) + ({{ count_of('stg_bizstim__practitioners') }})
    + ({{ count_of('stg_bizstim__users') }})
{%- endset %}
{% set people_by_resolution -%}
    select coalesce(sum(people.source_records), 0)
    from {{ ref('int_people__deduplicated') }} as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
    where owners.freshsales_resolution
{%- endset %}
{% set resolved_people_records %}{{ people_by_resolution }} = 'resolved'{% endset %}
{% set queued_people_records -%}
    ({{ people_by_resolution }} <> 'resolved')
    + ({{ count_of('stg_bizstim__users', "user_type = 'client'") }})
{%- endset %}
with quarantined as (
    select
        held.object,
        count(distinct held.source_id) as records
    from {{ ref('quarantine__all') }} as held
    where held.destination in ('all', 'freshsales')
    group by held.object
),

counts as (
    {{ reconciliation_row('clients', count_of('stg_bizstim__clients'),
                          count_of('freshsales__contacts')) }}
    union all
    {{ reconciliation_row('services', count_of('stg_bizstim__services'),
                          count_of('freshsales__products', 'bizstim_service_id is not null')) }}
    union all
    {{ reconciliation_row('service_groups', count_of('stg_bizstim__service_groups'),
                          count_of('freshsales__product_categories',
                                   "bizstim_service_group_id <> 'payments'"),
                          count_of('stg_bizstim__service_groups', 'group_name is null'),
                          'a group without a name cannot be a category') }}
    union all
    {{ reconciliation_row('payments', count_of('stg_bizstim__payments'),
                          '(' ~ count_of('freshsales__deal_lines') ~ ') + ('
                          ~ 'select coalesce(sum(notes.payment_count), 0) from '
                          ~ ref('freshsales__payment_notes') ~ ' as notes)') }}
    union all
    {{ reconciliation_row('sessions', count_of('stg_bizstim__sessions'),
                          count_of('freshsales__activities')) }}
    union all
    {{ reconciliation_row('client_files', count_of('stg_bizstim__client_files'),
                          count_of('freshsales__documents')) }}
    union all
    {{ reconciliation_row('client_notes', count_of('stg_bizstim__clients', 'notes is not null'),
                          'select count(distinct notes.bizstim_client_id) from '
                          ~ ref('freshsales__notes') ~ ' as notes',
                          count_of('stg_bizstim__clients', 'notes is not null and ' ~ held_clients),
                          'the note waits with its quarantined client') }}
    union all
    {{ reconciliation_row('people_records', people_records, resolved_people_records,
                          queued_people_records,
                          'client logins (they are the clients), and the records of people waiting in the '
                          ~ 'provisioning queue') }}
)

select
    'freshsales' as destination,
    counts.object,
    counts.extracted,
    counts.ready,
    coalesce(quarantined.records, 0) as quarantined,
    counts.excluded_by_rule,
    counts.exclusion_rule
from counts
left join quarantined on counts.object = quarantined.object
