-- Dynamics: a client is a Contact when sales-qualified, a Lead otherwise.
-- Sales-qualified = status active or inactive AND at least one regular (0) or
-- package (3) payment. Prospects, and clients who never paid, are Leads.
with clients as (
    select
        client_id,
        client_status
    from {{ ref('stg_bizstim__clients') }}
),

revenue as (
    select
        client_id,
        count(*) as revenue_payments
    from {{ ref('stg_bizstim__payments') }}
    where payment_kind in ('regular', 'package')
    group by client_id
)

select
    clients.client_id,
    clients.client_status,
    coalesce(revenue.revenue_payments, 0) as revenue_payments,
    clients.client_status in ('active', 'inactive') and coalesce(revenue.revenue_payments, 0) > 0
        as is_sales_qualified,
    case
        when clients.client_status in ('active', 'inactive')
            and coalesce(revenue.revenue_payments, 0) > 0 then 'contact'
        else 'lead'
    end as dynamics_entity,
    case
        when clients.client_status = 'prospect' then 'prospect'
        when coalesce(revenue.revenue_payments, 0) = 0 then 'no revenue payment'
        when clients.client_status not in ('active', 'inactive') or clients.client_status is null
            then 'status ' || coalesce(clients.client_status, 'missing')
        else 'active or inactive with a revenue payment'
    end as classification_reason
from clients
left join revenue on clients.client_id = revenue.client_id
