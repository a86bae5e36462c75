-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Dynamics mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off.
{% set held_clients -%}
    client_id in (
        select held.source_id from {{ ref('quarantine__clients') }} as held
        where held.destination in ('all', 'dynamics')
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
    where owners.dynamics_resolution
{%- endset %}
{% set updated_people_records -%}
    select coalesce(sum(people.source_records), 0)
    from {{ ref('int_people__deduplicated') }} as people
    inner join {{ ref('dynamics__systemuser_updates') }} as updates
        on people.person_key = updates.bizstim_person_key
{%- endset %}
{% set queued_people_records -%}
    ({{ people_by_resolution }} <> 'resolved')
    + ({{ count_of('stg_bizstim__users', "user_type = 'client'") }})
{%- endset %}
with quarantined as (
    select
        held.object,
        count(distinct held.source_id) as records
    from {{ ref('quarantine__all') }} as held
    where held.destination in ('all', 'dynamics')
    group by held.object
),

counts as (
    {{ reconciliation_row('clients', count_of('stg_bizstim__clients'),
                          '(' ~ count_of('dynamics__contacts') ~ ') + ('
                          ~ count_of('dynamics__leads') ~ ')') }}
    union all
    {{ reconciliation_row('services', count_of('stg_bizstim__services'),
                          count_of('dynamics__products')) }}
    union all
    {{ reconciliation_row('service_groups', count_of('stg_bizstim__service_groups'), '0',
                          count_of('stg_bizstim__service_groups'),
                          'delivered as the service-groups CSV (the admin configures bundles)') }}
    union all
    {{ reconciliation_row('payments', count_of('stg_bizstim__payments'),
                          count_of('dynamics__opportunities'),
                          count_of('deliverables__non_revenue_payments'),
                          'credits, debits and Lead payments go to the non-revenue payments CSV') }}
    union all
    {{ reconciliation_row('sessions', count_of('stg_bizstim__sessions'),
                          count_of('dynamics__appointments')) }}
    union all
    {{ reconciliation_row('client_files', count_of('stg_bizstim__client_files'),
                          count_of('dynamics__annotations', 'isdocument')) }}
    union all
    {{ reconciliation_row('client_notes', count_of('stg_bizstim__clients', 'notes is not null'),
                          'select count(distinct notes.bizstim_client_id) from '
                          ~ ref('dynamics__annotations') ~ ' as notes where not notes.isdocument',
                          count_of('stg_bizstim__clients', 'notes is not null and ' ~ held_clients),
                          'the note waits with its quarantined client') }}
    union all
    {{ reconciliation_row('people_records', people_records, updated_people_records,
                          queued_people_records,
                          'client logins (they are the clients), and the records of people waiting in the '
                          ~ 'provisioning queue') }}
)

select
    'dynamics' as destination,
    counts.object,
    counts.extracted,
    counts.ready,
    coalesce(quarantined.records, 0) as quarantined,
    counts.excluded_by_rule,
    counts.exclusion_rule
from counts
left join quarantined on counts.object = quarantined.object
