-- Clients that cannot load, one row per reason (a client may have several).
-- `destination` says where the reason applies: all, freshsales or dynamics.
-- A value longer than the destination's column takes is refused at load time:
-- such a client waits here instead (value_too_long), per destination.
-- Freshsales: 255 characters in a text field, 65,535 in a long-text one (the
-- address, the custom fields' JSON); Dynamics: the column lengths of contact
-- and lead (firstname 50, address1_city 80, ...). Vars override them.
{% set text_max = var('freshsales_text_max_chars', 255) | int %}
{% set long_text_max = var('freshsales_long_text_max_chars', 65535) | int %}
{% set max_chars = {
    'freshsales': {
        'first_name': text_max, 'last_name': text_max, 'city': text_max, 'state': text_max,
        'zipcode': text_max, 'country': text_max, 'client_status': text_max,
        'address': long_text_max, 'custom_fields': long_text_max,
    },
    'dynamics': var('dynamics_client_max_chars', {
        'first_name': 50, 'last_name': 50, 'address_line1': 250, 'address_line2': 250,
        'city': 80, 'state': 50, 'zipcode': 20, 'country': 80, 'client_status': 100,
    }),
} %}
{% set expressions = {
    'address': "concat_ws(', ', address_line1, address_line2)",
    'custom_fields': 'cast(custom_fields as varchar)',
} %}
with clients as (
    select * from {{ ref('stg_bizstim__clients') }}
),

owners as (
    select * from {{ ref('int_clients__assigned_practitioner') }}
),

freshsales_emails as (
    select * from {{ ref('int_clients__freshsales_emails') }}
),

reasons as (
    select
        client_id,
        'all' as destination,
        'no_name' as reason_code,
        'Client ' || client_id || ' has neither a first nor a last name: add a name in '
        || 'Bizstim, then extract again.' as reason
    from clients
    where first_name is null and last_name is null

    union all

    select
        client_id,
        'all' as destination,
        'invalid_email' as reason_code,
        'Client ' || client_id || ' has only invalid email addresses ('
        || array_to_string(list_transform(invalid_emails, lambda e: {{ visible_text('e') }}), ', ')
        || '): correct or remove them in Bizstim.'
            as reason
    from clients
    where len(invalid_emails) > 0 and len(valid_emails) = 0

    union all

    select
        clients.client_id,
        'freshsales' as destination,
        'no_last_name_or_email' as reason_code,
        'Client ' || clients.client_id || ' has no last name and no valid email of its own'
        || coalesce(
            ' (' || nullif(array_to_string(freshsales_emails.shared_emails, ', '), '')
            || ' belongs to another client)',
            ''
        )
        || '; Freshsales needs one of them: add a last name or an own address in Bizstim.'
            as reason
    from clients
    inner join freshsales_emails on clients.client_id = freshsales_emails.client_id
    where
        clients.last_name is null
        and freshsales_emails.email is null
        and clients.first_name is not null

    {% for destination, limits in max_chars.items() %}
        union all

        select
            client_id,
            '{{ destination }}' as destination,
            'value_too_long' as reason_code,
            'Client ' || client_id || ' has a value longer than {{ destination | capitalize }} takes ('
            || array_to_string(too_long, '; ') || '): shorten it in Bizstim.' as reason
        from (
            select
                client_id,
                list_filter([
                    {% for field, limit in limits.items() %}
                        {% set value = expressions.get(field, field) %}
                        case when length({{ value }}) > {{ limit }}
                                then '{{ field }}: ' || length({{ value }}) || ' characters, at most {{ limit }}'
                        end{{ "," if not loop.last }}
                    {% endfor %}
                ], lambda problem: problem is not null) as too_long
            from clients
        ) as lengths
        where len(too_long) > 0
    {% endfor %}

    {% if var('owner_unresolved') == 'quarantine' %}
        {% for destination in ['freshsales', 'dynamics'] %}
            union all

            select
                owners.client_id,
                '{{ destination }}' as destination,
                'owner_unresolved' as reason_code,
                'Client ' || owners.client_id || ' belongs to practitioner ' || owners.practitioner_id
                || coalesce(' (' || owners.owner_email || ')', ' (no email)')
                || ', who has no {{ destination }} user: provision one (see the provisioning queue), '
                || 'then run transform again.' as reason
            from owners
            where owners.{{ destination }}_resolution <> 'resolved'
        {% endfor %}
    {% endif %}

    union all

    {{ ambiguous_id_reasons('clients', 'Client') }}
)

select
    'clients' as object,
    client_id as source_id,
    destination,
    reason_code,
    reason
from reasons
