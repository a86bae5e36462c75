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

{#- One parsing rule per type, used by every staging model (docs/decisions.md,
    "Bad input"). A value the rule cannot read exactly is null, never guessed:
    the quarantine models and quarantine__degraded_fields list it with its raw
    text, so nothing changes or disappears without a trace.
    - an amount (a decimal type): an optional sign, digits, and at most two
      decimals after a dot: "40.005" (rounded), "1_000", "1e3", "1,250.00"
      (a thousands separator, or a decimal comma?) and "$40" are not read;
    - a whole number (integer, bigint): an optional sign and digits;
    - a date: ISO YYYY-MM-DD, a day that exists ("2024-02-31" is not).
    The parsers clean their input first; `clean=false` for a column a CTE has
    cleaned already (clean_text is long: the compiled SQL, and sqlfluff's time
    on it, grows with every copy). -#}
{% macro amount_pattern() -%}[+-]?\d+(\.\d{1,2})?{%- endmacro %}

{% macro whole_number_pattern() -%}[+-]?\d+{%- endmacro %}

{% macro date_pattern() -%}\d{4}-\d{2}-\d{2}{%- endmacro %}

{#- true when the cleaned value is present and the type's rule reads it -#}
{% macro is_readable(value, data_type='decimal(12, 2)') -%}
    {%- if data_type == 'date' -%}
        coalesce(regexp_full_match({{ value }}, '{{ date_pattern() }}')
            and try_cast({{ value }} as date) is not null, false)
    {%- elif data_type.lower().startswith('decimal') -%}
        coalesce(regexp_full_match({{ value }}, '{{ amount_pattern() }}'), false)
    {%- else -%}
        coalesce(regexp_full_match({{ value }}, '{{ whole_number_pattern() }}'), false)
    {%- endif -%}
{%- endmacro %}

{% macro to_number(column, data_type='decimal(12, 2)', clean=true) -%}
    {%- set value = clean_text(column) if clean else column -%}
    {%- set pattern = amount_pattern() if data_type.lower().startswith('decimal')
        else whole_number_pattern() -%}
    case
        when regexp_full_match({{ value }}, '{{ pattern }}')
            then try_cast({{ value }} as {{ data_type }})
    end
{%- endmacro %}

{% macro to_date(column, clean=true) -%}
    {%- set value = clean_text(column) if clean else column -%}
    case
        when regexp_full_match({{ value }}, '{{ date_pattern() }}') then try_cast({{ value }} as date)
    end
{%- endmacro %}

{#- A raw value quoted in a reason, with what a reader cannot see made
    visible: control, format (zero-width, bidi, BOM) and blank characters
    other than the space as U+XXXX, e.g. "5\u200b" as "5U+200B". -#}
{% macro visible_text(value) -%}
    array_to_string(list_transform(string_split({{ value }}, ''), lambda c: case
        when regexp_full_match(c, '[\x00-\x1F\x7F-\x9F\x{00A0}\x{00AD}\x{1680}\x{2000}-\x{200F}\x{2028}-\x{202F}\x{205F}-\x{2064}\x{3000}\x{FEFF}]')
            then 'U+' || format('{:04X}', unicode(c))
        else c
    end), '')
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

{#- A record's id as staging keeps it: cleaned, unless another record of the
    table has the same id once cleaned (" 5 " beside "5"): then the id exactly
    as Bizstim sent it, so the records stay apart (staging's unique tests
    hold) and quarantine holds each of them (ambiguous_id), since a reference
    to "5" cannot be told to mean one or the other. -#}
{% macro record_id(column='id') -%}
    case
        when count(*) over (partition by {{ clean_text(column) }}) > 1 then {{ column }}
        else {{ clean_text(column) }}
    end
{%- endmacro %}

{#- Quarantine rows (source_id, destination, reason_code, reason) for the
    records of a raw table whose ids are the same once cleaned; `label` names
    the object in the sentence ("Payment"). -#}
{% macro ambiguous_id_reasons(table, label) -%}
    select
        source_id,
        'all' as destination,
        'ambiguous_id' as reason_code,
        '{{ label }} "' || {{ visible_text('raw_id') }} || '" has the same id as '
        || array_to_string(list_transform(list_filter(raw_ids, lambda other: other <> raw_id),
            lambda other: '"' || {{ visible_text('other') }} || '"'), ', ')
        || ' once blanks are trimmed: which one a reference means cannot be told. Correct the '
        || 'ids in Bizstim (or delete the duplicate), then extract again.' as reason
    from (
        select
            {{ record_id('id') }} as source_id,
            id as raw_id,
            list(id) over (partition by {{ clean_text('id') }}) as raw_ids,
            count(*) over (partition by {{ clean_text('id') }}) as sharing
        from {{ source('bizstim', table) }}
    ) as ids
    where sharing > 1
{%- endmacro %}
