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
        -- decoded by the value maps user_type and user_status
        {{ decoded_value('user_type', 'users') }} as user_type,
        {{ decoded_value('status', 'users') }} as user_status
    from source
)

select
    *,
    coalesce({{ is_valid_email('email') }}, false) as email_is_valid
from renamed
