with files as (
    select * from {{ source('bizstim', 'client_files') }}
),

contents as (
    select * from {{ source('bizstim', 'file_contents') }}
),

account as (
    select coalesce(max(value), '{{ var("default_timezone") }}') as timezone
    from {{ source('bizstim', '_account') }}
    where name = 'timezone'
),

renamed as (
    select
        -- ids
        {{ clean_text('files.id') }} as file_id,
        {{ clean_text('files.client_id') }} as client_id,
        -- strings
        {{ clean_text('files.file_name') }} as file_name,
        coalesce({{ clean_text('files.content_type') }}, 'application/octet-stream') as content_type,
        contents.sha256,
        contents.path as stored_path,
        -- numerics
        {{ to_number('files.size', 'bigint') }} as reported_size_bytes,
        {{ to_number('contents.size', 'bigint') }} as stored_size_bytes,
        -- timestamps: Bizstim shows them in the account time zone; UTC here
        timezone(
            account.timezone, try_cast({{ clean_text('files.uploaded') }} as timestamp)
        ) as uploaded_at
    from files
    left join contents on files.id = contents.id
    cross join account
)

select * from renamed
