-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Freshsales mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off.
with quarantined as (
    select object, count(distinct source_id) as records
    from {{ ref('quarantine__all') }}
    where destination in ('all', 'freshsales')
    group by object
),

people_records as (
    select
        (select count(*) from {{ ref('stg_bizstim__staffs') }})
        + (select count(*) from {{ ref('stg_bizstim__practitioners') }})
        + (select count(*) from {{ ref('stg_bizstim__users') }}) as extracted,
        (select coalesce(sum(people.source_records), 0)
         from {{ ref('int_people__deduplicated') }} as people
         inner join {{ ref('int_owners__resolved_by_email') }} as owners
             on people.person_key = owners.person_key
         where owners.freshsales_resolution = 'resolved') as ready
),

counts as (
    select 'clients' as object,
        (select count(*) from {{ ref('stg_bizstim__clients') }}) as extracted,
        (select count(*) from {{ ref('freshsales__contacts') }}) as ready,
        0 as excluded_by_rule, cast(null as varchar) as exclusion_rule
    union all
    select 'services',
        (select count(*) from {{ ref('stg_bizstim__services') }}),
        (select count(*) from {{ ref('freshsales__products') }} where bizstim_service_id is not null),
        0, null
    union all
    select 'service_groups',
        (select count(*) from {{ ref('stg_bizstim__service_groups') }}),
        (select count(*) from {{ ref('freshsales__product_categories') }}
         where bizstim_service_group_id <> 'payments'),
        (select count(*) from {{ ref('stg_bizstim__service_groups') }} where group_name is null),
        'a group without a name cannot be a category'
    union all
    select 'payments',
        (select count(*) from {{ ref('stg_bizstim__payments') }}),
        {% if var('freshsales_payments_as') == 'deals' %}
        (select count(*) from {{ ref('freshsales__deal_lines') }}),
        {% else %}
        (select coalesce(sum(payment_count), 0) from {{ ref('freshsales__payment_notes') }}),
        {% endif %}
        0, null
    union all
    select 'sessions',
        (select count(*) from {{ ref('stg_bizstim__sessions') }}),
        (select count(*) from {{ ref('freshsales__activities') }}),
        0, null
    union all
    select 'client_files',
        (select count(*) from {{ ref('stg_bizstim__client_files') }}),
        (select count(*) from {{ ref('freshsales__documents') }}),
        0, null
    union all
    select 'client_notes',
        (select count(*) from {{ ref('stg_bizstim__clients') }} where notes is not null),
        (select count(*) from {{ ref('freshsales__notes') }}),
        (select count(*) from {{ ref('stg_bizstim__clients') }}
         where notes is not null
             and client_id in (select source_id from {{ ref('quarantine__clients') }}
                               where destination in ('all', 'freshsales'))),
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
    'freshsales' as destination,
    counts.object,
    counts.extracted,
    counts.ready,
    coalesce(quarantined.records, 0) as quarantined,
    counts.excluded_by_rule,
    counts.exclusion_rule
from counts
left join quarantined on counts.object = quarantined.object
