{#- A field the confirmed field map leaves out (its destination set to null) is
    nulled in the marts: `transform` passes the var left_out_columns,
    {mart: [column, ...]}, and every mart runs this as a post-hook
    (dbt_project.yml), so the column's values never reach the writer and the
    tests after the build see the mart as it loads. `map confirm` decides which
    columns a map may leave out (never a key, a not_null or a lookup). -#}
{% macro null_left_out_columns() -%}
    {%- set columns = var('left_out_columns', {}).get(this.identifier) or [] -%}
    {%- if columns and execute -%}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- for column in columns if column not in existing -%}
            {{ exceptions.raise_compiler_error(
                "left_out_columns names " ~ this.identifier ~ "." ~ column ~ ", which the mart "
                ~ "does not have: run `bizstim-migrate map propose`, review and confirm again") }}
        {%- endfor -%}
        update {{ this }} set
        {%- for column in columns %}
            {{ adapter.quote(column) }} = null{{ "," if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
