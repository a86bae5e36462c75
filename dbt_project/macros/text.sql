{#- Bizstim sends every value as a string, "" when empty. A value of
    whitespace only is empty too: tabs, newlines and Unicode spaces (no-break,
    ideographic, zero-width, a BOM) included, which trim() alone leaves. -#}

{#- The characters trimmed from both ends of a value. -#}
{% macro blank_codes() -%}
    {{ return([32, 9, 10, 11, 12, 13, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198,
               8199, 8200, 8201, 8202, 8203, 8232, 8233, 8239, 8287, 12288, 65279]) }}
{%- endmacro %}

{#- ... as the argument of trim(x, characters) -#}
{% macro blank_characters() -%}
    ({%- for code in blank_codes() %}chr({{ code }}){{ " || " if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- ... as a regular expression class (RE2: \x{2028}) -#}
{% macro blank_class() -%}
    [{%- for code in blank_codes() %}\x{ {{- '%04X' % code -}} }{% endfor -%}]
{%- endmacro %}

{#- Text as a person means it: control characters (NUL, BEL, ESC, backspace …;
    tab, newline and carriage return stay) removed, blanks trimmed, empty as null.
    The trim is a regular expression rather than trim(x, chr(32) || …): the same
    result (checked on 20,000 random strings of blanks and controls), and a tenth
    of the SQL in every model that cleans a column. -#}
{% macro clean_text(column) -%}
    nullif(regexp_replace(regexp_replace({{ column }}, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '', 'g'),
        '^{{ blank_class() }}+|{{ blank_class() }}+$', '', 'g'), '')
{%- endmacro %}

{#- The parsers clean their input first; `clean=false` for a column a CTE has
    cleaned already (clean_text is long: the compiled SQL, and sqlfluff's time
    on it, grows with every copy). -#}
{% macro to_number(column, data_type='decimal(12, 2)', clean=true) -%}
    try_cast({{ clean_text(column) if clean else column }} as {{ data_type }})
{%- endmacro %}

{% macro to_date(column, clean=true) -%}
    try_cast({{ clean_text(column) if clean else column }} as date)
{%- endmacro %}

{#- "HH:MM" or "HH:MM:SS" as minutes after midnight: hours 00-23 and minutes
    and seconds 00-59, or 24:00 (a valid end); anything else is null. -#}
{% macro to_minutes(column, clean=true) -%}
    {%- set value = clean_text(column) if clean else column -%}
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
