{#- A text the marts build, made to fit the destination field it is written
    to: when `head || tail` is longer than `max_chars`, the head is cut and
    ends with an ellipsis, and the tail (the part that identifies the record,
    e.g. " (Bizstim session 42)") stays whole. quarantine__degraded_fields
    lists every value cut, with its full text. -#}
{% macro fit_text(head, tail, max_chars) -%}
    case
        when length({{ head }} || {{ tail }}) > {{ max_chars }}
            then left({{ head }}, {{ max_chars }} - 1 - length({{ tail }})) || '…' || {{ tail }}
        else {{ head }} || {{ tail }}
    end
{%- endmacro %}

{#- The limits of the text fields the marts build (the destinations' API
    documentation: Freshsales text fields take 255 characters; Dataverse
    appointment subject 200, product name 100). A var of the same name
    overrides each. -#}
{% macro built_text_max_chars(name) -%}
    {%- set defaults = {
        'freshsales_text_max_chars': 255,
        'dynamics_subject_max_chars': 200,
        'dynamics_product_name_max_chars': 100,
    } -%}
    {{- var(name, defaults[name]) | int -}}
{%- endmacro %}
