-- Price list items: the service cost on the migration's price list, in the
-- account currency (pricingmethodcode 1 = currency amount), in the unit the
-- product is sold in (its unit group's base unit).
select
    services.service_id as bizstim_service_id,
    services.service_cost as amount,
    1 as pricingmethodcode,
    '{{ var("account_currency") }}' as currency_code,
    'bizstim' as bizstim_price_list_key,
    products.default_unit_name as unit_name,
    products.bizstim_unit_group_key
from {{ ref('int_services__with_group') }} as services
inner join {{ ref('dynamics__products') }} as products
    on services.service_id = products.bizstim_service_id
where services.service_cost is not null
