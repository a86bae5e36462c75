-- Payment history as one structured note per contact (the Payment_History
-- field group as text), when the customer chose notes over deals.
with payments as (
    select * from {{ ref('int_payments__classified') }}
    where {{ not_quarantined('quarantine__payments', 'payment_id', 'freshsales') }}
        -- empty unless the customer chose notes (var freshsales_payments_as)
        and '{{ var("freshsales_payments_as") }}' = 'notes'
)

select
    'payments:client:' || contacts.bizstim_client_id as bizstim_note_key,
    contacts.bizstim_client_id,
    'Payment_History (migrated from Bizstim, {{ var("account_currency") }})' || chr(10)
    || string_agg(
        cast(payments.payment_date as varchar) || ' | ' || payments.payment_kind || ' | '
        || cast(payments.amount as varchar) || ' | payment ' || payments.payment_id
        || coalesce(' | ' || payments.payment_note, ''),
        chr(10) order by payments.payment_date, payments.payment_id
    ) as description,
    count(*) as payment_count,
    'Contact' as targetable_type
from payments
inner join {{ ref('freshsales__contacts') }} as contacts
    on payments.client_id = contacts.bizstim_client_id
group by contacts.bizstim_client_id
