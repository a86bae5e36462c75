{#- Custom fields (`custom_<id>`) appear as columns when the data has them;
    staging keeps them together as one JSON object, so a new custom field
    needs no model change (the field map proposes where it goes). A custom
    field the confirmed field map leaves out (var custom_field_targets names it
    with a null destination) is not in the object. -#}
{% macro custom_fields_json(relation) -%}
    {%- set targets = var('custom_field_targets', {}) -%}
    {%- set custom = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- set source_field = relation.identifier ~ '.' ~ column.name -%}
            {%- if column.name.startswith('custom_')
                and not (source_field in targets and targets[source_field] is none) -%}
                {%- do custom.append(column.name) -%}
            {%- endif -%}
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
