{#- Bizstim sends every value as a string, "" when empty. A value of
    whitespace only is empty too: tabs, newlines and Unicode spaces (no-break,
    ideographic, zero-width, a BOM) included, which trim() alone leaves. -#}

{#- The characters trimmed from both ends of a value. -#}
{% macro blank_characters() -%}
    {%- set codes = [32, 9, 10, 11, 12, 13, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198,
                     8199, 8200, 8201, 8202, 8203, 8232, 8233, 8239, 8287, 12288, 65279] -%}
    ({%- for code in codes %}chr({{ code }}){{ " || " if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- Text as a person means it: control characters (NUL, BEL, ESC, backspace …;
    tab, newline and carriage return stay) removed, blanks trimmed, empty as null. -#}
{% macro clean_text(column) -%}
    nullif(trim(regexp_replace({{ column }}, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '', 'g'),
        {{ blank_characters() }}), '')
{%- endmacro %}

{% macro to_number(column, data_type='decimal(12, 2)') -%}
    try_cast({{ clean_text(column) }} as {{ data_type }})
{%- endmacro %}

{% macro to_date(column) -%}
    try_cast({{ clean_text(column) }} as date)
{%- endmacro %}

{#- "HH:MM" or "HH:MM:SS" as minutes after midnight: hours 00-23 and minutes
    and seconds 00-59, or 24:00 (a valid end); anything else is null. -#}
{% macro to_minutes(column) -%}
    {%- set value = clean_text(column) -%}
    case
        when regexp_full_match({{ value }}, '([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?|24:00(:00)?')
            then cast(split_part({{ value }}, ':', 1) as integer) * 60
            + cast(split_part({{ value }}, ':', 2) as integer)
    end
{%- endmacro %}

{#- a comma-separated list as a list of trimmed, non-empty items -#}
{% macro split_list(column, lower=false) -%}
    {%- set item = "trim(x, " ~ blank_characters() ~ ")" -%}
    list_filter(
        list_transform(
            string_split(coalesce({{ column }}, ''), ','),
            lambda x: {% if lower %}lower({{ item }}){% else %}{{ item }}{% endif %}
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
