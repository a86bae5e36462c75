{#- Schemas are named as design.md says (staging, freshsales, quarantine, …),
    not prefixed with the target schema, so analysts find them by name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
