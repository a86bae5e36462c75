-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Dynamics mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off. What both
-- destinations share (the objects, what was extracted, the shared exclusions,
-- the quarantined counts) is in the reconciliation macro; here is what is
-- Dynamics' own: where each object is ready, and its own exclusions.
{% set updated_people_records -%}
    select coalesce(sum(people.source_records), 0)
    from {{ ref('int_people__deduplicated') }} as people
    inner join {{ ref('dynamics__systemuser_updates') }} as updates
        on people.person_key = updates.bizstim_person_key
{%- endset %}
{{ reconciliation('dynamics', ready={
    'clients': '(' ~ count_of('dynamics__contacts') ~ ') + (' ~ count_of('dynamics__leads') ~ ')',
    'services': count_of('dynamics__products'),
    'service_groups': '0',
    'payments': count_of('dynamics__opportunities'),
    'sessions': count_of('dynamics__appointments'),
    'client_files': count_of('dynamics__annotations', 'isdocument'),
    'client_notes': 'select count(distinct notes.bizstim_client_id) from '
        ~ ref('dynamics__annotations') ~ ' as notes where not notes.isdocument',
    'people_records': updated_people_records,
}, excluded={
    'service_groups': (count_of('stg_bizstim__service_groups'),
                       'delivered as the service-groups CSV (the admin configures bundles)'),
    'payments': (count_of('deliverables__non_revenue_payments'),
                 'credits, debits and Lead payments go to the non-revenue payments CSV'),
}) }}
