{#- Every value of the column (each part when `separator` splits it) is one of
    the values the vars in `var_defaults` ({var name: its default}) hold: a
    text, a list, or a text of names separated by ';'. For columns a var's
    mapping fills (the access plans' proposed roles and teams); changing a var
    changes what is accepted. Each failing row is one value no var names. -#}
{% test accepted_var_values(model, column_name, var_defaults, separator=none) %}
{%- set accepted = [] -%}
{%- for name, default in var_defaults.items() -%}
    {%- do accepted.extend(access_names(var(name, default))) -%}
{%- endfor -%}
with proposed as (
    select
        {%- if separator %}
            trim(unnest(string_split({{ column_name }}, '{{ separator }}'))) as proposed_value
        {%- else %}
            {{ column_name }} as proposed_value
        {%- endif %}
    from {{ model }}
    where {{ column_name }} is not null
)

select proposed_value
from proposed
{%- if accepted %}
where proposed_value not in (
    {%- for value in accepted %}{{ access_text(value) }}{{ ", " if not loop.last }}{% endfor -%}
)
{%- endif %}
{% endtest %}
