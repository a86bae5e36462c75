{#- A predicate: the id is not held in quarantine for this destination. -#}
{% macro not_quarantined(quarantine_model, id_column, destination) -%}
    {{ id_column }} not in (
        select source_id from {{ ref(quarantine_model) }}
        where destination in ('all', '{{ destination }}')
    )
{%- endmacro %}
