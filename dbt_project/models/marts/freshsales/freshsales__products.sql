-- Products: one per Bizstim service (cost as unit price; session count and
-- default practitioner wage in custom fields and the description), plus, when
-- payments become deals, one product per payment kind for the deal lines.
with services as (
    select * from {{ ref('int_services__with_group') }}
    where {{ not_quarantined('quarantine__services', 'service_id', 'freshsales') }}
)

select
    'service:' || service_id as bizstim_product_key,
    service_id as bizstim_service_id,
    coalesce(service_name, 'Service ' || service_id) as name,
    group_name as category,
    'BZ-' || service_id as product_code,
    service_status = 'active' as is_active,
    concat_ws(
        ' ', service_description,
        case when session_count is not null then '| Sessions in package: ' || session_count end,
        case when default_wage is not null
                then '| Default practitioner wage: ' || cast(default_wage as varchar)
        end
    ) as description,
    service_cost as unit_price,
    '{{ var("account_currency") }}' as currency_code,
    session_count as cf_session_count,
    default_wage as cf_default_practitioner_wage
from services
{% if var('freshsales_payments_as') == 'deals' %}
    union all
    select
        'payment:' || kind as bizstim_product_key,
        cast(null as varchar) as bizstim_service_id,
        'Bizstim payment (' || kind || ')' as name,
        'Bizstim payments' as category,
        'BZ-PAY-' || upper(kind) as product_code,
        true as is_active,
        'A line per Bizstim payment of this kind (migrated payment history).' as description,
        cast(0 as decimal(12, 2)) as unit_price,
        '{{ var("account_currency") }}' as currency_code,
        cast(null as integer) as cf_session_count,
        cast(null as decimal(12, 2)) as cf_default_practitioner_wage
    from (select unnest(['regular', 'credit', 'debit', 'package']) as kind) as kinds
{% endif %}
