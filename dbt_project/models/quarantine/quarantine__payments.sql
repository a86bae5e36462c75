-- Payments that cannot load: their client is missing (deleted in Bizstim) or
-- held in quarantine, the amount is unreadable or out of range, the date is
-- unreadable, the kind is unknown, or the currency is one the destination does
-- not accept or not the account's (every mart writes the account currency).
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
        'Payment ' || payment_id || ' has '
        || coalesce('the amount "' || {{ visible_text('amount_text') }} || '"', 'no amount')
        || ', which is not an amount the migration reads exactly (digits, a dot and at most '
        || 'two decimals; no thousands separator, underscore or exponent): correct it in Bizstim.'
            as reason
    from payments
    where amount is null and not {{ is_readable('amount_text') }}

    union all

    select
        payment_id,
        'all' as destination,
        'amount_out_of_range' as reason_code,
        'Payment ' || payment_id || ' has the amount ' || amount_text || ', beyond the 10 digits '
        || 'before the point the migration carries: check it in Bizstim (a typo?).' as reason
    from payments
    where amount is null and {{ is_readable('amount_text') }}

    union all

    select
        payment_id,
        'all' as destination,
        'invalid_date' as reason_code,
        'Payment ' || payment_id || ' has '
        || coalesce('the date "' || {{ visible_text('payment_date_text') }} || '"', 'no date')
        || ', which is not a calendar date (YYYY-MM-DD): correct it in Bizstim.' as reason
    from payments
    where payment_date is null

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

    union all

    select
        payment_id,
        'all' as destination,
        'foreign_currency' as reason_code,
        'Payment ' || payment_id || ' is in ' || currency_code || ', not in the account currency '
        || '{{ var("account_currency") }} every migrated payment is written in: convert it, or '
        || 'record it by hand.' as reason
    from payments
    where currency_accepted and currency_code <> '{{ var("account_currency") }}'

    union all

    {{ ambiguous_id_reasons('payments', 'Payment') }}
)

select
    'payments' as object,
    payment_id as source_id,
    destination,
    reason_code,
    reason
from reasons
