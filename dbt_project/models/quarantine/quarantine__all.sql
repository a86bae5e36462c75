-- Every quarantined row, for the report and for analysts.
{% for model in ['quarantine__clients', 'quarantine__payments', 'quarantine__sessions',
                 'quarantine__client_files', 'quarantine__client_settings',
                 'quarantine__services'] %}
    select
        object,
        source_id,
        destination,
        reason_code,
        reason
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
