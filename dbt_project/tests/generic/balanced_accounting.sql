{#- Every record is accounted for: extracted = ready + quarantined + excluded
    by rule, on every row. One row off fails the build. -#}
{% test balanced_accounting(model) %}
select
    object,
    extracted,
    ready,
    quarantined,
    excluded_by_rule,
    extracted - (ready + quarantined + excluded_by_rule) as unaccounted
from {{ model }}
where extracted <> ready + quarantined + excluded_by_rule
{% endtest %}
