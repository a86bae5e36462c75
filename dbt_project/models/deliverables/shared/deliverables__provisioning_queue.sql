-- Owner / user provisioning queue: every person with no destination user to
-- own their records, per destination, with what blocks them and how many
-- clients wait. The admin provisions these users, then transform runs again.
{% for destination in ['freshsales', 'dynamics'] %}
    select
        '{{ destination }}' as destination,
        people.person_key,
        concat_ws(' ', people.first_name, people.last_name) as full_name,
        people.email,
        people.bizstim_role,
        people.staff_type,
        people.is_active as active_in_bizstim,
        owners.{{ destination }}_resolution as reason_code,
        case owners.{{ destination }}_resolution
            when 'no_email'
                then 'No email in Bizstim (practitioner record or user account): add one, '
                    || 'or provision the user and map them by hand.'
            when 'no_matching_user'
                then 'No {{ destination }} user has this email: provision one '
                    || '(active or inactive as in Bizstim).'
            when 'inactive_user' then 'The matching {{ destination }} user is inactive: reactivate it '
                || 'or accept that records go unowned.'
        end as action,
        (
            select count(*) from {{ ref('int_clients__assigned_practitioner') }} as assigned
            where assigned.owner_person_key = people.person_key
        ) as clients_waiting
    from {{ ref('int_people__deduplicated') }} as people
    inner join {{ ref('int_owners__resolved_by_email') }} as owners
        on people.person_key = owners.person_key
    where owners.{{ destination }}_resolution <> 'resolved'
    {% if not loop.last %}union all{% endif %}
{% endfor %}
