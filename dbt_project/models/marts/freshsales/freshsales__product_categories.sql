-- Product categories, created before products: one per Bizstim service group
-- (the group_id hierarchy), plus one for the payment line products when
-- payments are migrated as deals.
select
    service_group_id as bizstim_service_group_id,
    group_name as name,
    is_active
from {{ ref('stg_bizstim__service_groups') }}
where group_name is not null
{% if var('freshsales_payments_as') == 'deals' %}
    union all
    select
        'payments' as bizstim_service_group_id,
        'Bizstim payments' as name,
        true as is_active
{% endif %}
