-- Fields a record loads without, or with a shortened value: the record is not
-- quarantined, and each such field is listed here with its reason, for the
-- report and for analysts.
-- - invalid_date / invalid_amount: an optional field whose Bizstim value the
--   type's rule (macros/text.sql) cannot read exactly is empty in the
--   destination. MySQL's empty date (0000-00-00) means no date: not listed.
-- - truncated: a text the marts build is longer than the destination field
--   takes; the mart cuts it (macros/lengths.sql, fit_text) and the full text
--   is listed here.
{%- set fields = [
    ('clients', 'Client', 'start_date', 'date'),
    ('practitioners', 'Practitioner', 'hire_date', 'date'),
    ('practitioners', 'Practitioner', 'practitioner_wage', 'decimal(12, 2)'),
    ('services', 'Service', 'service_default_wage', 'decimal(12, 2)'),
    ('payments', 'Payment', 'revenue_tax', 'decimal(12, 2)'),
] %}
{%- set freshsales_max = built_text_max_chars('freshsales_text_max_chars') | int %}
{%- set subject_max = built_text_max_chars('dynamics_subject_max_chars') | int %}
with values_seen as (
    {% for table, label, field, data_type in fields %}
        select
            '{{ table }}' as object,
            '{{ label }}' as label,
            {{ clean_text('id') }} as source_id,
            '{{ field }}' as field,
            '{{ data_type }}' as data_type,
            {{ clean_text(field) }} as raw_value
        from {{ source('bizstim', table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

unreadable as (
    select
        object,
        source_id,
        'all' as destination,
        field,
        raw_value,
        case data_type when 'date' then 'invalid_date' else 'invalid_amount' end as reason_code,
        label || ' ' || coalesce(source_id, '(no id)') || ' has ' || field
        || ' "' || {{ visible_text('raw_value') }} || '", which is not '
        || case data_type
            when 'date' then 'a calendar date written YYYY-MM-DD'
            else 'an amount with digits, a dot and at most two decimals'
        end
        || ': it loads without it; correct it in Bizstim to carry it over.' as reason
    from values_seen
    where
        raw_value is not null
        and not (data_type = 'date' and raw_value = '0000-00-00')
        and not case data_type
            when 'date' then {{ is_readable('raw_value', 'date') }}
            else {{ is_readable('raw_value') }}
        end
),

-- the texts the marts build, at full length, for the records that reach them
-- (read from staging: each destination's build leaves the other's marts out)
session_titles as (
    select
        sessions.session_id,
        coalesce(services.service_name, 'Session') || ' (Bizstim session ' || sessions.session_id
        || ')' as full_text
    from {{ ref('stg_bizstim__sessions') }} as sessions
    left join {{ ref('stg_bizstim__services') }} as services
        on sessions.service_id = services.service_id
),

built as (
    {% for destination, field, max_chars in [('freshsales', 'title', freshsales_max),
                                              ('dynamics', 'subject', subject_max)] %}
        select
            'sessions' as object,
            session_id as source_id,
            '{{ destination }}' as destination,
            '{{ field }}' as field,
            full_text,
            {{ max_chars }} as max_chars
        from session_titles
        where {{ not_quarantined('quarantine__sessions', 'session_id', destination) }}

        union all
    {% endfor %}

    select
        'clients' as object,
        client_id as source_id,
        'freshsales' as destination,
        'deal name' as field,
        'Bizstim payment history: ' || concat_ws(' ', first_name, last_name) as full_text,
        {{ freshsales_max }} as max_chars
    from {{ ref('stg_bizstim__clients') }}
    where
        {{ not_quarantined('quarantine__clients', 'client_id', 'freshsales') }}
        and client_id in (
            select payments.client_id from {{ ref('stg_bizstim__payments') }} as payments
            where {{ not_quarantined('quarantine__payments', 'payments.payment_id', 'freshsales') }}
        )
),

truncated as (
    select
        object,
        source_id,
        destination,
        field,
        full_text as raw_value,
        'truncated' as reason_code,
        'The ' || field || ' built for ' || rtrim(object, 's') || ' ' || source_id || ' has '
        || length(full_text) || ' characters, more than the ' || max_chars || ' '
        || upper(destination[1]) || destination[2:] || ' takes: it loads cut short, ending in "…" '
        || '(the full text: "' || {{ visible_text('full_text') }} || '").' as reason
    from built
    where length(full_text) > max_chars
)

select * from unreadable
union all
select * from truncated
