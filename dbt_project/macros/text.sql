{#- Bizstim sends every value as a string, "" when empty. -#}

{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro to_number(column, data_type='decimal(12, 2)') -%}
    try_cast(nullif(trim({{ column }}), '') as {{ data_type }})
{%- endmacro %}

{% macro to_date(column) -%}
    try_cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{#- "HH:MM" or "HH:MM:SS" (24:00 allowed) as minutes after midnight -#}
{% macro to_minutes(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '\d{1,2}:\d{2}(:\d{2})?')
            then cast(split_part(trim({{ column }}), ':', 1) as integer) * 60
            + cast(split_part(trim({{ column }}), ':', 2) as integer)
    end
{%- endmacro %}

{#- a comma-separated list as a list of trimmed, non-empty items -#}
{% macro split_list(column, lower=false) -%}
    list_filter(
        list_transform(
            string_split(coalesce({{ column }}, ''), ','),
            lambda x: {% if lower %}lower(trim(x)){% else %}trim(x){% endif %}
        ),
        lambda x: x <> ''
    )
{%- endmacro %}

{% macro is_valid_email(column) -%}
    regexp_full_match({{ column }}, '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}')
{%- endmacro %}

{% macro minutes_to_text(column) -%}
    lpad(cast({{ column }} // 60 as varchar), 2, '0') || ':' || lpad(cast({{ column }} % 60 as varchar), 2, '0')
{%- endmacro %}
