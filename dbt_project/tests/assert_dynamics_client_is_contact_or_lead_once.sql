-- A client lands as a Contact or as a Lead, never both.
select bizstim_client_id
from {{ ref('dynamics__contacts') }}
where bizstim_client_id in (select bizstim_client_id from {{ ref('dynamics__leads') }})
