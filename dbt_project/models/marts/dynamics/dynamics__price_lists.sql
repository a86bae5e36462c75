-- The price list (pricelevel) the service costs go on, in the account
-- currency; loaded before the price list items, which bind to it by key.
select
    'bizstim' as bizstim_price_list_key,
    '{{ var("dynamics_price_list_name") }}' as name,
    '{{ var("account_currency") }}' as currency_code,
    'Service costs migrated from Bizstim.' as description
