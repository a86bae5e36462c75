-- Every extracted record is accounted for, per object:
-- extracted = ready (in a Freshsales mart) + quarantined + excluded by rule.
-- The balanced_accounting test fails the build when one row is off. What both
-- destinations share (the objects, what was extracted, the shared exclusions,
-- the quarantined counts) is in the reconciliation macro; here is what is
-- Freshsales' own: where each object is ready, and its own exclusions.
{{ reconciliation('freshsales', ready={
    'clients': count_of('freshsales__contacts'),
    'services': count_of('freshsales__products', 'bizstim_service_id is not null'),
    'service_groups': count_of('freshsales__product_categories', "bizstim_service_group_id <> 'payments'"),
    'payments': '(' ~ count_of('freshsales__deal_lines') ~ ') + ('
        ~ 'select coalesce(sum(notes.payment_count), 0) from '
        ~ ref('freshsales__payment_notes') ~ ' as notes)',
    'sessions': count_of('freshsales__activities'),
    'client_files': count_of('freshsales__documents'),
    'client_notes': 'select count(distinct notes.bizstim_client_id) from '
        ~ ref('freshsales__notes') ~ ' as notes',
    'people_records': people_records_by_resolution('freshsales', "= 'resolved'"),
}, excluded={
    'service_groups': (count_of('stg_bizstim__service_groups', 'group_name is null'),
                       'a group without a name cannot be a category'),
}) }}
