{#- Every value fits the destination field it is written to (the API refuses
    longer text): at most `max_chars` characters. -#}
{% test max_length(model, column_name, max_chars) %}
select
    {{ column_name }} as too_long,
    length({{ column_name }}) as characters,
    {{ max_chars }} as max_chars
from {{ model }}
where length({{ column_name }}) > {{ max_chars }}
{% endtest %}
