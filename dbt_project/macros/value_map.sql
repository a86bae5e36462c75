{#- Value maps: a status or picklist column of a Bizstim table decoded into the
    values the models understand. The decoding is declared once, as the column's
    `meta: value_map` in models/staging/bizstim/_bizstim__sources.yml (name,
    normalise, otherwise, values: today's mapping); the field map
    (`bizstim-migrate map propose`) reads the same declaration, and the map a
    person confirms replaces its values: `transform` passes
    `--vars '{"bizstim_value_maps": {"<name>": {"<source value>": "<value>", ...}}}'`.

    A value the map names becomes its value (null when the map says null); any
    other value stays as it is (otherwise: keep) or is null (otherwise: null). -#}

{#- The column's value_map meta, from the source's declaration in the graph. -#}
{% macro value_map_spec(table, column) -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.bizstim.' ~ table) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("decoded_value: no source bizstim." ~ table) }}
    {%- endif -%}
    {%- set entry = node.columns.get(column) -%}
    {%- set meta = (entry.meta or entry.config.meta) if entry is not none else {} -%}
    {%- if not meta.get('value_map') -%}
        {{ exceptions.raise_compiler_error(
            "decoded_value: bizstim." ~ table ~ "." ~ column ~ " declares no value_map in "
            ~ "models/staging/bizstim/_bizstim__sources.yml") }}
    {%- endif -%}
    {{ return(meta['value_map']) }}
{%- endmacro %}

{#- The value map that applies: the confirmed field map's, else the declared one. -#}
{% macro value_map_values(spec) -%}
    {%- set confirmed = var('bizstim_value_maps', {}).get(spec['name']) -%}
    {{ return(confirmed if confirmed is not none else spec['values']) }}
{%- endmacro %}

{#- `column` of bizstim.`table`, cleaned, normalised and decoded. -#}
{% macro decoded_value(column, table) -%}
    {%- set cleaned = clean_text(column) -%}
    {%- if not execute -%}
        {{ return(cleaned) }}
    {%- endif -%}
    {%- set spec = value_map_spec(table, column) -%}
    {%- set normalised = 'lower(' ~ cleaned ~ ')' if spec.get('normalise') == 'lower' else cleaned -%}
    {%- if spec.get('otherwise') not in ('keep', 'null', none) -%}
        {{ exceptions.raise_compiler_error(
            "decoded_value: bizstim." ~ table ~ "." ~ column ~ ": otherwise must be keep or null") }}
    {%- endif -%}
    {%- set keep = spec.get('otherwise') == 'keep' -%}
    {%- set value_map = value_map_values(spec) -%}
    {%- set otherwise = normalised if keep else 'cast(null as varchar)' -%}
    {%- if value_map -%}
        case {{ normalised }}
            {%- for source_value, destination_value in value_map.items() %}
            when {{ sql_text(source_value) }} then {{ sql_text(destination_value) }}
            {%- endfor %}
            else {{ otherwise }}
        end
    {%- else -%}
        {{ otherwise }}
    {%- endif -%}
{%- endmacro %}

{% macro sql_text(value) -%}
    {%- if value is none -%}
        cast(null as varchar)
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
