with source as (
    select * from {{ source('bizstim', 'users') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as user_id,
        -- strings
        {{ clean_text('username') }} as username,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('user_type') }} as user_type,
        {{ clean_text('status') }} as user_status
    from source
)

select
    *,
    coalesce({{ is_valid_email('email') }}, false) as email_is_valid
from renamed
