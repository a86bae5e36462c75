{#- The destination's users are read by the loader's preflight into
    freshsales_meta / dynamics_meta. Before the first preflight (a fresh
    workspace, the tests) the shipped seed stands in, so the project always
    builds; the source wins as soon as it exists. Both are declared while
    parsing so the lineage shows them. Only the staging models
    (models/staging/destinations) call it; the rest of the project reads them. -#}
{% macro source_or_seed(source_name, table_name, seed_name) -%}
    {%- if not execute -%}
        {%- do source(source_name, table_name) -%}
        {{ ref(seed_name) }}
    {%- else -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema=source_name, identifier=table_name) -%}
        {%- if relation is not none -%}
            {{ source(source_name, table_name) }}
        {%- else -%}
            {{ ref(seed_name) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
