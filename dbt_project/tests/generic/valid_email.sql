{#- Every non-null value is a syntactically valid email address. -#}
{% test valid_email(model, column_name) %}
select {{ column_name }} as invalid_email
from {{ model }}
where {{ column_name }} is not null
    and not {{ is_valid_email(column_name) }}
{% endtest %}
