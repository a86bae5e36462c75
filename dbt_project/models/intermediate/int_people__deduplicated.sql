-- One row per real person behind staff, practitioner and user records.
-- 1. Records that share a user account (`users_id`) are one person: this is
--    the brief's "staff_id deduplication" (staff carry no email; their user
--    account has it).
-- 2. Then accounts that carry the same email are one person.
-- Client logins (user_type 'client') are the clients themselves, not people
-- to migrate as users. Every source id is kept in the lists.
with staff as (
    select
        'staff' as source_type,
        staff_id as source_id,
        user_id,
        first_name,
        last_name,
        cast(null as varchar) as email,
        cast(null as varchar) as user_type,
        cast(null as decimal(12, 2)) as practitioner_wage,
        cast(null as varchar) as wage_tier,
        cast(null as varchar) as record_status,
        3 as name_priority
    from {{ ref('stg_bizstim__staffs') }}
),

practitioners as (
    select
        'practitioner' as source_type,
        practitioner_id as source_id,
        user_id,
        first_name,
        last_name,
        email,
        cast(null as varchar) as user_type,
        practitioner_wage,
        wage_tier,
        practitioner_status as record_status,
        1 as name_priority
    from {{ ref('stg_bizstim__practitioners') }}
),

users as (
    select
        'user' as source_type,
        user_id as source_id,
        user_id,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        case when email_is_valid then email end as email,
        user_type,
        cast(null as decimal(12, 2)) as practitioner_wage,
        cast(null as varchar) as wage_tier,
        user_status as record_status,
        2 as name_priority
    from {{ ref('stg_bizstim__users') }}
    where coalesce(user_type, '') <> 'client'
),

records as (
    select * from staff
    union all
    select * from practitioners
    union all
    select * from users
),

by_account as (
    select
        *,
        coalesce('user:' || user_id, source_type || ':' || source_id) as account_key
    from records
),

account_emails as (
    -- a practitioner's own address first, else the user account's
    select
        account_key,
        coalesce(
            min(email) filter (where source_type = 'practitioner'),
            min(email) filter (where source_type = 'user')
        ) as email,
        count(distinct source_type || ':' || source_id) as records_in_account
    from by_account
    group by account_key
),

accounts as (
    select
        account_key,
        email,
        records_in_account,
        case
            when email is null then account_key
            else min(account_key) over (partition by email)
        end as person_key
    from account_emails
),

people as (
    select
        accounts.person_key,
        max(accounts.email) as email,
        arg_min(by_account.first_name, by_account.name_priority)
        filter (where by_account.first_name is not null) as first_name,
        arg_min(by_account.last_name, by_account.name_priority)
        filter (where by_account.last_name is not null) as last_name,
        list(distinct by_account.source_id order by by_account.source_id)
        filter (where by_account.source_type = 'staff') as staff_ids,
        list(distinct by_account.source_id order by by_account.source_id)
        filter (where by_account.source_type = 'practitioner') as practitioner_ids,
        list(distinct by_account.source_id order by by_account.source_id)
        filter (where by_account.source_type = 'user') as user_ids,
        max(by_account.practitioner_wage) as practitioner_wage,
        max(by_account.wage_tier) as wage_tier,
        bool_or(by_account.user_type = 'admin') as is_admin,
        bool_or(by_account.source_type = 'practitioner') as is_practitioner,
        bool_or(by_account.source_type = 'staff') as is_staff,
        bool_or(coalesce(by_account.record_status, 'active') in ('active', 'contactList'))
            as is_active,
        count(distinct accounts.account_key) as accounts_merged,
        count(*) as source_records
    from by_account
    inner join accounts on by_account.account_key = accounts.account_key
    group by accounts.person_key
)

select
    person_key,
    first_name,
    last_name,
    email,
    coalesce(staff_ids, []) as staff_ids,
    coalesce(practitioner_ids, []) as practitioner_ids,
    coalesce(user_ids, []) as user_ids,
    case
        when is_admin then 'admin'
        when is_practitioner then 'practitioner'
        else 'staff'
    end as bizstim_role,
    case
        when is_practitioner then 'practitioner'
        when is_admin then 'administrator'
        else 'non_practitioner_staff'
    end as staff_type,
    practitioner_wage,
    wage_tier,
    is_active,
    case
        when accounts_merged > 1 then 'email'
        when source_records > 1 then 'user_account'
        else 'single_record'
    end as merged_by,
    source_records
from people
