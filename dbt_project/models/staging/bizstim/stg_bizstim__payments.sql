with source as (
    select * from {{ source('bizstim', 'payments') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as payment_id,
        {{ clean_text('client_id') }} as client_id,
        {{ clean_text('qb_payment_id') }} as quickbooks_payment_id,
        -- strings
        {{ clean_text('revenue_note') }} as payment_note,
        {{ clean_text('revenue_credit') }} as revenue_credit_code,
        case {{ clean_text('revenue_credit') }}
            when '0' then 'regular'
            when '1' then 'credit'
            when '2' then 'debit'
            when '3' then 'package'
        end as payment_kind,
        -- numerics (no currency field: the account's currency applies)
        {{ to_number('revenue_amount') }} as amount,
        {{ to_number('revenue_tax') }} as tax,
        '{{ var("account_currency") }}' as currency_code,
        -- dates
        {{ to_date('revenue_date') }} as payment_date
    from source
)

select * from renamed
