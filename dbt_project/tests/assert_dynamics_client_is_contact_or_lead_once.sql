-- A client lands as a Contact or as a Lead, never both.
select contacts.bizstim_client_id
from {{ ref('dynamics__contacts') }} as contacts
inner join {{ ref('dynamics__leads') }} as leads
    on contacts.bizstim_client_id = leads.bizstim_client_id
