-- Ids that records reference but Bizstim answered 404 for (the extractor logs
-- them instead of failing), e.g. a client's avail_id naming a deleted schedule.
with source as (
    select * from {{ source('bizstim', '_fetch_log') }}
),

renamed as (
    select
        endpoint,
        ref as referenced_id,
        message as bizstim_message
    from source
    where status = 'not_found'
)

select * from renamed
