{#- Custom fields (`custom_<id>`) appear as columns when the data has them;
    staging keeps them together as one JSON object, so a new custom field
    needs no model change (the field map proposes where it goes). -#}
{% macro custom_fields_json(relation) -%}
    {%- set custom = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name.startswith('custom_') -%}{%- do custom.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if custom -%}
        json_object(
            {%- for name in custom %}
            '{{ name }}', nullif(trim({{ adapter.quote(name) }}), ''){{ "," if not loop.last }}
            {%- endfor %}
        )
    {%- else -%}
        json('{}')
    {%- endif -%}
{%- endmacro %}
