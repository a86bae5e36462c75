-- Payments with what the migration needs to route them: revenue (regular,
-- package) or not (credit, debit), whether their client exists, whether the
-- currency is one the destination accepts.
select
    payments.*,
    payments.payment_kind in ('regular', 'package') as is_revenue,
    clients.client_id is not null as client_exists,
    list_contains({{ var('accepted_currencies') | tojson | replace('"', "'") }}, payments.currency_code)
        as currency_accepted
from {{ ref('stg_bizstim__payments') }} as payments
left join {{ ref('stg_bizstim__clients') }} as clients
    on payments.client_id = clients.client_id
