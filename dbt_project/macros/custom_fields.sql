{#- Custom fields (`custom_<id>`) appear as columns when the data has them;
    staging keeps them together as one JSON object, so a new custom field
    needs no model change (the field map proposes where it goes). A custom
    field the confirmed field map leaves out (var custom_field_targets names it
    with a null destination) is not in the object. -#}
{% macro custom_fields_json(relation) -%}
    {%- set targets = var('custom_field_targets', {}) -%}
    {%- set custom = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- set source_field = relation.identifier ~ '.' ~ column.name -%}
            {%- if column.name.startswith('custom_')
                and not (source_field in targets and targets[source_field] is none) -%}
                {%- do custom.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if custom -%}
        json_object(
            {%- for name in custom %}
            '{{ name }}', nullif(trim({{ adapter.quote(name) }}), ''){{ "," if not loop.last }}
            {%- endfor %}
        )
    {%- else -%}
        json('{}')
    {%- endif -%}
{%- endmacro %}

{#- The custom fields the confirmed field map re-points to a destination field
    of their own (var custom_field_targets: {'clients.custom_7':
    'contacts.cf_school'}), as one JSON object {destination field: value} for
    `destination_object` (Freshsales contacts; Dynamics contact, whose target
    names carry the publisher prefix, dropped here: the loader adds the
    customer's). The loader sends each key as a custom field of its own. -#}
{% macro custom_field_values(custom_fields, destination_object) -%}
    {%- set prefix = var('dynamics_publisher_prefix') -%}
    {%- set pairs = [] -%}
    {%- for source_field, target in var('custom_field_targets', {}).items() -%}
        {%- if target and target.startswith(destination_object ~ '.') -%}
            {%- set field = target.split('.', 1)[1] -%}
            {%- if destination_object == 'contact' and field.startswith(prefix) -%}
                {%- set field = field[prefix | length:] -%}
            {%- endif -%}
            {%- set key = source_field.split('.', 1)[1] -%}
            {%- if key.startswith('custom_fields.') -%}
                {%- set key = key.split('.', 1)[1] -%}
            {%- endif -%}
            {%- do pairs.append((field, key)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if pairs -%}
        json_object(
            {%- for field, key in pairs %}
            '{{ field }}', json_extract_string({{ custom_fields }}, '$."{{ key }}"')
            {{- "," if not loop.last }}
            {%- endfor %}
        )
    {%- else -%}
        json('{}')
    {%- endif -%}
{%- endmacro %}
