with source as (
    select * from {{ source('bizstim', 'availability') }}
),

renamed as (
    select
        -- ids
        {{ clean_text('id') }} as availability_id,
        -- strings
        {{ clean_text('label') }} as label,
        -- dates
        {{ to_date('"start"') }} as valid_from,
        {{ to_date('"end"') }} as valid_to,
        -- weekday windows, minutes after midnight (null: the day is off)
        {{ to_minutes('m_availf') }} as monday_from,
        {{ to_minutes('m_availt') }} as monday_to,
        {{ to_minutes('t_availf') }} as tuesday_from,
        {{ to_minutes('t_availt') }} as tuesday_to,
        {{ to_minutes('w_availf') }} as wednesday_from,
        {{ to_minutes('w_availt') }} as wednesday_to,
        {{ to_minutes('r_availf') }} as thursday_from,
        {{ to_minutes('r_availt') }} as thursday_to,
        {{ to_minutes('f_availf') }} as friday_from,
        {{ to_minutes('f_availt') }} as friday_to,
        {{ to_minutes('sat_availf') }} as saturday_from,
        {{ to_minutes('sat_availt') }} as saturday_to,
        {{ to_minutes('sun_availf') }} as sunday_from,
        {{ to_minutes('sun_availt') }} as sunday_to
    from source
)

select * from renamed
