{#- Every key of the source model appears in the tested model's list column
    (a merge may combine rows; it may never lose one). -#}
{% test no_source_key_lost(model, column_name, source_model, source_key, source_filter='true') %}
select source.{{ source_key }} as lost_key
from {{ source_model }} as source
where {{ source_filter }}
    and source.{{ source_key }} not in (
        select unnest({{ column_name }}) from {{ model }}
    )
{% endtest %}
