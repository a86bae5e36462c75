-- Services that cannot load as they are: their group (package) does not exist
-- in Bizstim, so neither the product category (Freshsales) nor the service
-- group column and bundle CSV (Dynamics) can point at it.
with services as (
    select * from {{ ref('int_services__with_group') }}
)

select
    'services' as object,
    service_id as source_id,
    'all' as destination,
    'missing_service_group' as reason_code,
    'Service ' || service_id || ' (' || coalesce(service_name, 'no name') || ') belongs to group '
    || service_group_id || ', which does not exist in Bizstim: move the service to an existing '
    || 'group (or clear its group), then extract again.' as reason
from services
where service_group_id is not null and not group_exists
