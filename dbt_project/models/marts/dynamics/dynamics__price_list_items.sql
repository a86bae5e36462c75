-- Price list items: the service cost on the migration's price list, in the
-- account currency (pricingmethodcode 1 = currency amount).
select
    service_id as bizstim_service_id,
    service_cost as amount,
    1 as pricingmethodcode,
    '{{ var("account_currency") }}' as currency_code,
    'bizstim' as bizstim_price_list_key,
    'Session' as unit_name
from {{ ref('int_services__with_group') }}
where
    service_cost is not null
    and {{ not_quarantined('quarantine__services', 'service_id', 'dynamics') }}
