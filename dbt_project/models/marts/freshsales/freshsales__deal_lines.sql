-- One line per payment on its client's payment-history deal, with the
-- original payment date; the product says the kind of payment.
select
    payments.payment_id as bizstim_payment_id,
    'client:' || payments.client_id as bizstim_deal_key,
    'payment:' || payments.payment_kind as bizstim_product_key,
    1 as quantity,
    payments.amount as unit_price,
    payments.payment_kind,
    payments.payment_date,
    payments.payment_note
from {{ ref('int_payments__classified') }} as payments
inner join {{ ref('freshsales__deals') }} as deals
    on 'client:' || payments.client_id = deals.bizstim_deal_key
where {{ not_quarantined('quarantine__payments', 'payments.payment_id', 'freshsales') }}
