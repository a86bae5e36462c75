-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Dynamics mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off.
with quarantined as (
    select object, count(distinct source_id) as records
    from {{ ref('quarantine__all') }}
    where destination in ('all', 'dynamics')
    group by object
),

people_records as (
    select
        (select count(*) from {{ ref('stg_bizstim__staffs') }})
        + (select count(*) from {{ ref('stg_bizstim__practitioners') }})
        + (select count(*) from {{ ref('stg_bizstim__users') }}) as extracted,
        (select coalesce(sum(people.source_records), 0)
         from {{ ref('int_people__deduplicated') }} as people
         inner join {{ ref('dynamics__systemuser_updates') }} as updates
             on people.person_key = updates.bizstim_person_key) as ready
),

counts as (
    select 'clients' as object,
        (select count(*) from {{ ref('stg_bizstim__clients') }}) as extracted,
        (select count(*) from {{ ref('dynamics__contacts') }})
        + (select count(*) from {{ ref('dynamics__leads') }}) as ready,
        0 as excluded_by_rule, cast(null as varchar) as exclusion_rule
    union all
    select 'services',
        (select count(*) from {{ ref('stg_bizstim__services') }}),
        (select count(*) from {{ ref('dynamics__products') }}),
        0, null
    union all
    select 'service_groups',
        (select count(*) from {{ ref('stg_bizstim__service_groups') }}),
        0,
        (select count(*) from {{ ref('stg_bizstim__service_groups') }}),
        'delivered as the service-groups CSV (bundles are configured by the admin)'
    union all
    select 'payments',
        (select count(*) from {{ ref('stg_bizstim__payments') }}),
        (select count(*) from {{ ref('dynamics__opportunities') }}),
        (select count(*) from {{ ref('deliverables__non_revenue_payments') }}),
        'credits, debits and Lead payments go to the non-revenue payments CSV'
    union all
    select 'sessions',
        (select count(*) from {{ ref('stg_bizstim__sessions') }}),
        (select count(*) from {{ ref('dynamics__appointments') }}),
        0, null
    union all
    select 'client_files',
        (select count(*) from {{ ref('stg_bizstim__client_files') }}),
        (select count(*) from {{ ref('dynamics__annotations') }} where isdocument),
        0, null
    union all
    select 'client_notes',
        (select count(*) from {{ ref('stg_bizstim__clients') }} where notes is not null),
        (select count(*) from {{ ref('dynamics__annotations') }} where not isdocument),
        (select count(*) from {{ ref('stg_bizstim__clients') }}
         where notes is not null
             and client_id in (select source_id from {{ ref('quarantine__clients') }}
                               where destination in ('all', 'dynamics'))),
        'the note waits with its quarantined client'
    union all
    select 'people_records',
        people_records.extracted,
        people_records.ready,
        people_records.extracted - people_records.ready,
        'client logins, records merged into one person, and people in the provisioning queue'
    from people_records
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
