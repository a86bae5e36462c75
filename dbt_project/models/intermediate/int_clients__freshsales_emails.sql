-- Freshsales keeps every email address (primary or additional) on one contact
-- only, case-insensitively: a second contact with the address is refused.
-- Bizstim families share a parent's address across siblings, so each address
-- goes to the client with the lowest Bizstim id that holds it (among all
-- clients, so ownership does not move when a quarantined client is released);
-- the other clients load without it and keep it in cf_shared_emails.
-- Only the few shared addresses are regrouped; every other client keeps its
-- list as it is (this runs on every client of a large account).
with clients as (
    select
        client_id,
        valid_emails
    from {{ ref('stg_bizstim__clients') }}
),

addresses as (
    select
        client_id,
        -- numeric ids compare as numbers, any other id still in a fixed order
        lpad(client_id, 20, '0') as client_order,
        unnest(valid_emails) as email
    from clients
    where len(valid_emails) > 0
),

shared as (
    select
        email,
        min(client_order) as owner_order
    from addresses
    group by email
    having count(distinct client_id) > 1
),

lost as (
    -- addresses a client holds but another client owns
    select
        addresses.client_id,
        list(distinct addresses.email) as lost_emails
    from addresses
    inner join shared on addresses.email = shared.email
    where addresses.client_order <> shared.owner_order
    group by addresses.client_id
),

with_lost as (
    select
        clients.client_id,
        clients.valid_emails,
        coalesce(lost.lost_emails, []) as lost_emails
    from clients
    left join lost on clients.client_id = lost.client_id
),

kept as (
    select
        client_id,
        list_sort(lost_emails) as shared_emails,
        case
            when len(lost_emails) = 0 then valid_emails
            else list_filter(valid_emails, lambda e: not list_contains(lost_emails, e))
        end as own_emails
    from with_lost
)

select
    client_id,
    own_emails[1] as email,
    -- an address repeated in one client's own list is still one address
    list_filter(own_emails[2:], lambda e: e <> own_emails[1]) as other_emails,
    shared_emails
from kept
