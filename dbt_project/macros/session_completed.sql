{#- Whether a session counts as completed in the destination (var
    session_completed_when): confirmed and ended (the field map's rule), ended,
    or confirmed. "Ended" is judged at build time. -#}
{% macro session_completed(sessions) -%}
    {%- set rule = var('session_completed_when') -%}
    {%- set ended = sessions ~ '.ends_at <= current_timestamp' -%}
    {%- set confirmed = sessions ~ '.is_confirmed' -%}
    {%- if rule == 'confirmed_and_ended' -%}
        coalesce({{ confirmed }} and {{ ended }}, false)
    {%- elif rule == 'ended' -%}
        coalesce({{ ended }}, false)
    {%- elif rule == 'confirmed' -%}
        coalesce({{ confirmed }}, false)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var session_completed_when must be confirmed_and_ended, ended or confirmed, not "
            ~ rule) }}
    {%- endif -%}
{%- endmacro %}
