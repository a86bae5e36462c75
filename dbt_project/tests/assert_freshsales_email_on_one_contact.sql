-- Freshsales refuses a contact whose address (primary or additional) another
-- contact already has, ignoring case: every address is on one contact only.
with addresses as (
    select
        bizstim_client_id,
        unnest(list_prepend(email, other_emails)) as address
    from {{ ref('freshsales__contacts') }}
)

select
    lower(address) as address,
    count(distinct bizstim_client_id) as contacts
from addresses
where address is not null
group by lower(address)
having count(distinct bizstim_client_id) > 1
