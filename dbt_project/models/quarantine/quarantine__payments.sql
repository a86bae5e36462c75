-- Payments that cannot load: their client is missing (deleted in Bizstim) or
-- held in quarantine, the amount or date is unreadable, the kind is unknown,
-- or the currency is one the destination does not accept.
with payments as (
    select * from {{ ref('int_payments__classified') }}
),

held_clients as (
    select distinct
        source_id as client_id,
        destination
    from {{ ref('quarantine__clients') }}
),

reasons as (
    select
        payment_id,
        'all' as destination,
        'orphan_payment' as reason_code,
        'Payment ' || payment_id || ' belongs to client ' || coalesce(client_id, '(none)')
        || ', who does not exist in Bizstim (deleted?): re-attach it in Bizstim or accept '
        || 'that it is left out.' as reason
    from payments
    where not client_exists

    union all

    select
        payments.payment_id,
        held_clients.destination,
        'client_quarantined' as reason_code,
        'Payment ' || payments.payment_id || ' waits for client ' || payments.client_id
        || ', who is in quarantine: fix the client first.' as reason
    from payments
    inner join held_clients on payments.client_id = held_clients.client_id

    union all

    select
        payment_id,
        'all' as destination,
        'invalid_amount' as reason_code,
        'Payment ' || payment_id || ' has no readable amount or date: correct it in Bizstim.'
            as reason
    from payments
    where amount is null or payment_date is null

    union all

    select
        payment_id,
        'all' as destination,
        'unknown_payment_kind' as reason_code,
        'Payment ' || payment_id || ' has revenue_credit ' || coalesce(revenue_credit_code, '(empty)')
        || ', which is none of regular, credit, debit or package.' as reason
    from payments
    where payment_kind is null

    union all

    select
        payment_id,
        'all' as destination,
        'unknown_currency' as reason_code,
        'Payment ' || payment_id || ' is in ' || currency_code || ', which the destination '
        || 'does not accept: set the account_currency var or add the currency.' as reason
    from payments
    where not currency_accepted
)

select
    'payments' as object,
    payment_id as source_id,
    destination,
    reason_code,
    reason
from reasons
