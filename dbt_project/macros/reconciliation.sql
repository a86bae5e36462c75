{#- One reconciliation row: how many records of an object were extracted,
    are ready in a mart, and were excluded by a rule (quarantined ones are
    counted from the quarantine models by the caller). -#}
{% macro reconciliation_row(object, extracted, ready, excluded='0', rule=none) -%}
    select
        '{{ object }}' as object,
        ({{ extracted }}) as extracted,
        ({{ ready }}) as ready,
        ({{ excluded }}) as excluded_by_rule,
        {% if rule %}'{{ rule }}'{% else %}cast(null as varchar){% endif %} as exclusion_rule
{%- endmacro %}

{% macro count_of(model, where='true') -%}
    select count(*) from {{ ref(model) }} where {{ where }}
{%- endmacro %}
