-- Payments that map to no standard Dynamics object: credits, debits, and
-- revenue payments of clients loaded as Leads. For the admin to action in
-- Dynamics 365 Finance or a billing tool.
select
    payments.payment_id,
    payments.client_id,
    payments.payment_kind,
    payments.amount,
    payments.currency_code,
    payments.payment_date,
    payments.payment_note,
    case
        when not payments.is_revenue then 'non-revenue (' || payments.payment_kind || ')'
        else 'revenue payment of a client loaded as a Lead'
    end as why_here
from {{ ref('int_payments__classified') }} as payments
where {{ not_quarantined('quarantine__payments', 'payments.payment_id', 'dynamics') }}
    and (
        not payments.is_revenue
        or payments.client_id in (select leads.bizstim_client_id from {{ ref('dynamics__leads') }} as leads)
    )
