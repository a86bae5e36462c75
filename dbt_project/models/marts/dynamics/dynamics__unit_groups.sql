-- The unit group (uomschedule) every migrated product is sold in, with its base
-- unit: Bizstim sells sessions, and a package's session count is a product
-- column, so one group with the base unit "Session" is enough. Loaded before
-- the products, which bind to it by key.
select
    'bizstim_sessions' as bizstim_unit_group_key,
    '{{ var("dynamics_unit_group_name") }}' as name,
    'Session' as baseuomname,
    'Units for services migrated from Bizstim (one session).' as description
