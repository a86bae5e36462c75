-- One work and one mobile number per person or client: the first valid
-- number of each kind, in E.164; the other valid numbers are kept as a list
-- (other_phones, sorted so a payload hash does not move), and the ones that
-- could not be read are kept as sent.
with numbers as (
    select * from {{ ref('int_phone_numbers__parsed') }}
),

raw_lists as (
    {% for owner_type, model in [('client', 'stg_bizstim__clients'),
                                 ('practitioner', 'stg_bizstim__practitioners'),
                                 ('staff', 'stg_bizstim__staffs')] %}
        select
            '{{ owner_type }}' as owner_type,
            {{ owner_type }}_id as owner_id,
            list_concat({{ split_list('primary_phone_raw') }}, {{ split_list('secondary_phone_raw') }})
                as work_numbers,
            {{ split_list('mobile_phones_raw') }} as mobile_numbers
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

exploded as (
    select
        owner_type,
        owner_id,
        'work' as kind,
        unnest(work_numbers) as phone_raw,
        generate_subscripts(work_numbers, 1) as position
    from raw_lists
    union all
    select
        owner_type,
        owner_id,
        'mobile' as kind,
        unnest(mobile_numbers) as phone_raw,
        generate_subscripts(mobile_numbers, 1) as position
    from raw_lists
),

normalised as (
    select
        exploded.*,
        numbers.phone_e164
    from exploded
    left join numbers on exploded.phone_raw = numbers.phone_raw
),

chosen as (
    select
        owner_type,
        owner_id,
        arg_min(phone_e164, position) filter (where kind = 'work' and phone_e164 is not null)
            as work_phone,
        arg_min(phone_e164, position) filter (where kind = 'mobile' and phone_e164 is not null)
            as mobile_phone,
        list(phone_raw order by kind, position) filter (where phone_e164 is null)
            as unreadable_phones,
        list(phone_e164) filter (where phone_e164 is not null) as readable_phones
    from normalised
    group by owner_type, owner_id
),

with_others as (
    select
        *,
        list_sort(list_distinct(list_filter(
            coalesce(readable_phones, []),
            lambda p: p is distinct from work_phone and p is distinct from mobile_phone
        ))) as other_phones
    from chosen
)

select
    raw_lists.owner_type,
    raw_lists.owner_id,
    chosen.work_phone,
    chosen.mobile_phone,
    coalesce(chosen.other_phones, []) as other_phones,
    coalesce(chosen.unreadable_phones, []) as unreadable_phones
from raw_lists
left join with_others as chosen
    on raw_lists.owner_type = chosen.owner_type and raw_lists.owner_id = chosen.owner_id
