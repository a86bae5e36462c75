-- Dynamics 365 system users: the loader's preflight stores them in
-- dynamics_meta.systemusers; before the first preflight the shipped seed
-- stands in (source_or_seed). Ids as text, text cleaned, emails lower-cased:
-- owners resolve to these users by email, ignoring case.
with source as (
    select * from {{ source_or_seed('dynamics_meta', 'systemusers', 'dynamics_systemusers') }}
)

select
    {{ clean_text('cast(systemuserid as varchar)') }} as dynamics_systemuser_id,
    {{ clean_text('fullname') }} as full_name,
    lower({{ clean_text('internalemailaddress') }}) as email,
    -- a user listed without the flag is taken as enabled
    coalesce(cast(isdisabled as boolean), false) as is_disabled
from source
