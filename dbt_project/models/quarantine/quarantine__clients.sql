-- Clients that cannot load, one row per reason (a client may have several).
-- `destination` says where the reason applies: all, freshsales or dynamics.
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
        || array_to_string(invalid_emails, ', ') || '): correct or remove them in Bizstim.'
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
)

select
    'clients' as object,
    client_id as source_id,
    destination,
    reason_code,
    reason
from reasons
