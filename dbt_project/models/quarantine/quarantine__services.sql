-- Services that cannot load as they are: their group (package) does not exist
-- in Bizstim, so neither the product category (Freshsales) nor the service
-- group column and bundle CSV (Dynamics) can point at it; or their cost is
-- not an amount the migration reads exactly (a product without its price
-- would load silently wrong); or their name is longer than the destination's
-- product name takes (a product name is what people pick it by: it is not cut).
with services as (
    select * from {{ ref('int_services__with_group') }}
),

costs as (
    select
        {{ clean_text('id') }} as service_id,
        {{ clean_text('name') }} as service_name,
        {{ clean_text('service_cost') }} as cost_text
    from {{ source('bizstim', 'services') }}
),

reasons as (
    select
        service_id,
        'all' as destination,
        'missing_service_group' as reason_code,
        'Service ' || service_id || ' (' || coalesce(service_name, 'no name') || ') belongs to group '
        || service_group_id || ', which does not exist in Bizstim: move the service to an existing '
        || 'group (or clear its group), then extract again.' as reason
    from services
    where service_group_id is not null and not group_exists

    union all

    select
        service_id,
        'all' as destination,
        'invalid_amount' as reason_code,
        'Service ' || service_id || ' (' || coalesce(service_name, 'no name') || ') costs "'
        || {{ visible_text('cost_text') }} || '", which is not an amount the migration reads '
        || 'exactly (digits, a dot and at most two decimals; no thousands separator, underscore '
        || 'or exponent): correct the price in Bizstim.' as reason
    from costs
    where cost_text is not null and not {{ is_readable('cost_text') }}

    {% for destination, max_chars in [
        ('freshsales', built_text_max_chars('freshsales_text_max_chars')),
        ('dynamics', built_text_max_chars('dynamics_product_name_max_chars'))] %}
        union all

        select
            service_id,
            '{{ destination }}' as destination,
            'value_too_long' as reason_code,
            'Service ' || service_id || ' has a name of ' || length(service_name)
            || ' characters, more than the {{ max_chars }} a {{ destination | capitalize }} product '
            || 'name takes: shorten it in Bizstim.' as reason
        from services
        where length(service_name) > {{ max_chars }}
    {% endfor %}

    union all

    {{ ambiguous_id_reasons('services', 'Service') }}
)

select
    'services' as object,
    service_id as source_id,
    destination,
    reason_code,
    reason
from reasons
