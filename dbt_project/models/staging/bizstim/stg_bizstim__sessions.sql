with source as (
    select * from {{ source('bizstim', 'sessions') }}
),

account as (
    select coalesce(max(value), '{{ var("default_timezone") }}') as timezone
    from {{ source('bizstim', '_account') }}
    where name = 'timezone'
),

renamed as (
    select
        -- ids
        {{ record_id('source.id') }} as session_id,
        {{ clean_text('client_id') }} as client_id,
        {{ clean_text('pract_d') }} as practitioner_id,
        {{ clean_text('service_id') }} as service_id,
        {{ clean_text('location_id') }} as location_id,
        {{ clean_text('recurr_id') }} as recurrence_id,
        -- strings
        {{ clean_text('public_note') }} as public_note,
        {{ clean_text('private_note') }} as private_note,
        {{ clean_text('session_status') }} as session_status_code,
        account.timezone as account_timezone,
        -- flags
        -- confirmed when the value map session_confirmed says so
        coalesce({{ decoded_value('confirmed', 'sessions') }} = 'confirmed', false) as is_confirmed,
        coalesce({{ clean_text('multi') }} = '1', false) as is_group_session,
        -- timestamps: local wall-clock times in the account time zone, then UTC
        {{ to_date('session_date') }} as session_date,
        try_cast(nullif(trim(source.start_time), '') as time) as start_time_local,
        try_cast(nullif(trim(source.end_time), '') as time) as end_time_local
    from source
    cross join account
)

select
    *,
    timezone(account_timezone, session_date + start_time_local) as starts_at,
    timezone(account_timezone, session_date + end_time_local) as ends_at
from renamed
