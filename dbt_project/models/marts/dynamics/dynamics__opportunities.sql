-- One closed-won opportunity per revenue payment (regular or package) of a
-- client loaded as a Contact, with the original payment date, and its one
-- line (line_*: a write-in product describing the payment; the loader writes
-- it before closing the opportunity). Credits, debits and payments of Leads go
-- to the non-revenue payments CSV instead.
select
    payments.payment_id as bizstim_payment_id,
    payments.client_id as bizstim_client_id,
    'Bizstim ' || payments.payment_kind || ' payment ' || payments.payment_id
    || ' (' || cast(payments.payment_date as varchar) || ')' as name,
    payments.amount as actualvalue,
    payments.amount as estimatedvalue,
    payments.payment_date as actualclosedate,
    payments.payment_date as original_payment_date,
    payments.currency_code,
    contacts.owner_systemuserid,
    payments.payment_kind,
    'Bizstim ' || payments.payment_kind || ' payment' as line_productdescription,
    true as line_isproductoverridden,
    true as line_ispriceoverridden,
    false as isrevenuesystemcalculated,
    1 as line_quantity,
    payments.amount as line_priceperunit
from {{ ref('int_payments__classified') }} as payments
inner join {{ ref('dynamics__contacts') }} as contacts
    on payments.client_id = contacts.bizstim_client_id
where payments.is_revenue
    and {{ not_quarantined('quarantine__payments', 'payments.payment_id', 'dynamics') }}
