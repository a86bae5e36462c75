-- Payment history as one Freshsales deal per client (closed, with a line per
-- payment in freshsales__deal_lines). Amount = revenue payments (regular and
-- package); credits and debits are lines, not revenue.
with payments as (
    select * from {{ ref('int_payments__classified') }}
    where {{ not_quarantined('quarantine__payments', 'payment_id', 'freshsales') }}
        -- empty unless the customer chose deals (var freshsales_payments_as)
        and '{{ var("freshsales_payments_as") }}' = 'deals'
),

contacts as (
    select
        bizstim_client_id,
        first_name,
        last_name,
        owner_id
    from {{ ref('freshsales__contacts') }}
)

select
    'client:' || contacts.bizstim_client_id as bizstim_deal_key,
    contacts.bizstim_client_id,
    'client:' || contacts.bizstim_client_id as cf_bizstim_deal_key,
    {{ fit_text("'Bizstim payment history: ' || concat_ws(' ', contacts.first_name, contacts.last_name)",
                "''", built_text_max_chars('freshsales_text_max_chars')) }} as name,
    coalesce(sum(payments.amount) filter (where payments.is_revenue), 0) as amount,
    '{{ var("account_currency") }}' as currency_code,
    max(payments.payment_date) as closed_date,
    min(payments.payment_date) as cf_first_payment_date,
    count(*) as cf_payment_count,
    contacts.owner_id,
    '{{ var("freshsales_won_stage") }}' as deal_stage
from payments
inner join contacts on payments.client_id = contacts.bizstim_client_id
group by contacts.bizstim_client_id, contacts.first_name, contacts.last_name, contacts.owner_id
