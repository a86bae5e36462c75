{#- The model's grain: no two rows share the values of `combination_of_columns`
    (a list of column names). Nulls count as values (two rows alike but for a
    null are duplicates). Each failing row is one duplicated combination. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "unique_combination_of_columns on " ~ model ~ ": combination_of_columns must be a "
        ~ "non-empty list of column names, got " ~ combination_of_columns) }}
{%- endif -%}
{%- set columns = combination_of_columns | join(', ') %}
select
    {{ columns }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ columns }}
having count(*) > 1
{% endtest %}
