{#- A value map from the confirmed field map (`bizstim-migrate map confirm`):
    `transform` passes `--vars '{"bizstim_value_maps": {"<name>": {"<source value>":
    "<destination value>", ...}}}'`. Values the map names become their destination
    value (null when it says null); any other value stays as it is. Without the
    var, or without this map in it, the expression is returned unchanged. -#}
{% macro mapped_value(expression, map_name) -%}
    {%- set value_map = var('bizstim_value_maps', {}).get(map_name) -%}
    {%- if value_map -%}
        case {{ expression }}
            {%- for source_value, destination_value in value_map.items() %}
            when {{ sql_text(source_value) }} then {{ sql_text(destination_value) }}
            {%- endfor %}
            else {{ expression }}
        end
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}

{% macro sql_text(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
