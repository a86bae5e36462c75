-- Freshsales users (GET /api/selector/owners): the loader's preflight stores
-- them in freshsales_meta.users; before the first preflight the shipped seed
-- stands in (source_or_seed). Ids as text, text cleaned, emails lower-cased:
-- owners resolve to these users by email, ignoring case.
with source as (
    select * from {{ source_or_seed('freshsales_meta', 'users', 'freshsales_users') }}
)

select
    {{ clean_text('cast(id as varchar)') }} as freshsales_user_id,
    {{ clean_text('display_name') }} as display_name,
    lower({{ clean_text('email') }}) as email,
    -- a user listed without the flag is taken as active
    coalesce(cast(is_active as boolean), true) as is_active
from source
