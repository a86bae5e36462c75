-- Bizstim documents no currency on a payment: the account's currency applies
-- (var account_currency). Should the API ever send a `currency` field, its
-- value is used, so a payment in another currency is caught (quarantine)
-- rather than loaded as if it were in the account's.
{%- set currency_column = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(source('bizstim', 'payments')) -%}
        {%- if column.name == 'currency' -%}{%- do currency_column.append(column.name) -%}{%- endif -%}
    {%- endfor -%}
{%- endif %}
with source as (
    select * from {{ source('bizstim', 'payments') }}
),

renamed as (
    select
        -- ids
        {{ record_id('id') }} as payment_id,
        {{ clean_text('client_id') }} as client_id,
        {{ clean_text('qb_payment_id') }} as quickbooks_payment_id,
        -- strings
        {{ clean_text('revenue_note') }} as payment_note,
        {{ clean_text('revenue_credit') }} as revenue_credit_code,
        -- decoded by the value map payment_kind
        {{ decoded_value('revenue_credit', 'payments') }} as payment_kind,
        -- numerics; the amount as sent too, to tell unreadable from out of range
        {{ to_number('revenue_amount') }} as amount,
        {{ clean_text('revenue_amount') }} as amount_text,
        {{ to_number('revenue_tax') }} as tax,
        {% if currency_column -%}
            coalesce(upper({{ clean_text('currency') }}), '{{ var("account_currency") }}')
        {%- else -%}
            '{{ var("account_currency") }}'
        {%- endif %} as currency_code,
        -- dates
        {{ to_date('revenue_date') }} as payment_date,
        {{ clean_text('revenue_date') }} as payment_date_text
    from source
)

select * from renamed
