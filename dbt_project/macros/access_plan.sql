{#- The access plans (models/deliverables/*/deliverables__*_access_plan.sql and
    *_field_security.sql): a var's text as a SQL literal, the sensitive fields
    read from the contracts, and the field-level security rows built on them. -#}

{#- A var's text as a SQL literal; null when it is empty or none. -#}
{% macro access_text(value) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        cast(null as varchar)
    {%- else -%}
        '{{ value | string | trim | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- A var holding names: a list, or one text separated by ';'. -#}
{% macro access_names(value) -%}
    {%- set names = value if (value is iterable and value is not string) else (value or '').split(';') -%}
    {%- set kept = [] -%}
    {%- for name in names if (name | string | trim) != '' -%}
        {%- do kept.append(name | string | trim) -%}
    {%- endfor -%}
    {{ return(kept) }}
{%- endmacro %}

{#- ... as a SQL list of text. -#}
{% macro access_list(value) -%}
    {%- set kept = access_names(value) -%}
    {%- if kept -%}
        [{%- for name in kept %}{{ access_text(name) }}{{ ", " if not loop.last }}{% endfor -%}]
    {%- else -%}
        cast([] as varchar [])
    {%- endif -%}
{%- endmacro %}

{#- Where each sensitive Bizstim field (var access_plan_sensitive_fields, as
    `table.column` in the API's names) lands for a destination, from the
    contracts: a mart column whose meta `source` names it (its field, type,
    kind and description), else the column meta in the Bizstim sources that
    sends it to a deliverable (`migrate: deliverable`, its target), else
    nowhere. Only at execution (the graph is empty while parsing). -#}
{% macro sensitive_field_targets(destination) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for field in var('access_plan_sensitive_fields', ['practitioners.practitioner_wage']) -%}
            {%- set hits = [] -%}
            {%- for node in graph.nodes.values()
                if node.resource_type == 'model' and node.name.startswith(destination ~ '__')
                and ('/marts/' ~ destination ~ '/') in ('/' ~ node.original_file_path) -%}
                {%- for column in node.columns.values()
                    if field in ((column.meta or {}).get('source') or []) -%}
                    {%- do hits.append({
                        'bizstim_field': field,
                        'lands_in': 'field',
                        'mart': node.name,
                        'mart_column': column.name,
                        'object': access_object(node.name, destination),
                        'field': column.meta.get('field') or column.name,
                        'kind': column.meta.get('kind'),
                        'field_type': column.meta.get('type'),
                        'description': column.description | trim,
                    }) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- if not hits -%}
                {%- set table, column_name = field.split('.', 1) -%}
                {%- for source in graph.sources.values()
                    if source.source_name == 'bizstim' and source.name == table -%}
                    {%- set column = source.columns.get(column_name) -%}
                    {%- set migrate = ((column.meta or {}).get('migrate') if column else none) -%}
                    {%- set declared = migrate.get(destination) if migrate is mapping
                        else {'role': migrate, 'target': column.meta.get('target'),
                              'reason': column.meta.get('reason')} if migrate else none -%}
                    {%- if declared and declared.get('role') == 'deliverable' -%}
                        {#- target: deliverables.<deliverable>.<column> -#}
                        {%- set target = (declared.get('target') or '').split('.') -%}
                        {%- do hits.append({
                            'bizstim_field': field,
                            'lands_in': 'deliverable',
                            'mart': none,
                            'mart_column': none,
                            'object': target[1] if target | length > 2 else declared.get('target'),
                            'field': target[2] if target | length > 2 else none,
                            'kind': none,
                            'field_type': none,
                            'description': declared.get('reason'),
                        }) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
            {%- if not hits -%}
                {%- do hits.append({'bizstim_field': field, 'lands_in': 'nowhere', 'mart': none,
                    'mart_column': none, 'object': none, 'field': none, 'kind': none,
                    'field_type': none, 'description': 'not migrated to ' ~ destination}) -%}
            {%- endif -%}
            {%- do found.extend(hits) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- The destination object a mart's records are: the name after `<destination>__`
    without `_updates`, singular for Dataverse (dynamics__systemuser_updates ->
    systemuser). -#}
{% macro access_object(mart, destination) -%}
    {%- set name = mart.split('__', 1)[1] | replace('_updates', '') -%}
    {{ return(name[:-1] if destination == 'dynamics' and name.endswith('s') else name) }}
{%- endmacro %}

{#- The field-level security plan of a destination: one row per place a
    sensitive field lands (sensitive_field_targets) and per Bizstim role, plus
    `extra` (who else needs the field, e.g. the migration's own user: grantee, role
    none, can_read, can_update), saying
    who may read and update it (vars access_plan_sensitive_readers and
    access_plan_sensitive_editors: Bizstim roles). `how` is a macro giving the
    admin's step for a row, in SQL over the select's columns. -#}
{% macro field_security_plan(destination, extra=[], profile=none) -%}
    {%- set readers = access_names(var('access_plan_sensitive_readers', ['admin'])) -%}
    {%- set editors = access_names(var('access_plan_sensitive_editors', ['admin'])) -%}
    {%- set left_out = var('left_out_columns', {}) -%}
    {%- set targets = sensitive_field_targets(destination) -%}
    {%- set who = [] -%}
    {%- for role in ['admin', 'practitioner', 'staff'] -%}
        {%- do who.append({'grantee': role, 'role': role,
                           'can_read': role in readers or role in editors,
                           'can_update': role in editors}) -%}
    {%- endfor -%}
    {%- do who.extend(extra) -%}
    {%- set prefix = var('dynamics_publisher_prefix', 'new_') if destination == 'dynamics' else '' -%}
    with targets as (
        {%- for target in targets %}
            {%- set field = (prefix ~ target.field) if target.kind == 'custom' else target.field %}
            select
                {{ access_text(target.bizstim_field) }} as bizstim_field,
                {{ access_text(target.lands_in) }} as lands_in,
                {{ access_text(target.object) }} as destination_object,
                {{ access_text(field) }} as destination_field,
                {{ access_text(target.mart ~ '.' ~ target.mart_column if target.mart else none) }}
                    as mart_column,
                {{ access_text(target.field_type) }} as field_type,
                {{ 'false' if target.lands_in == 'nowhere'
                    or target.mart_column in left_out.get(target.mart, []) else 'true' }} as migrated,
                {{ access_text(target.description) }} as field_description
            {{ "union all" if not loop.last }}
        {%- endfor %}
    ),

    grantees as (
        select * from (
            values
            {%- for grantee in who %}
                ({{ access_text(grantee['grantee']) }}, {{ access_text(grantee['role']) }},
                    {{ grantee['can_read'] | lower }}, {{ grantee['can_update'] | lower }}){{ "," if not loop.last }}
            {%- endfor %}
        ) as g (grantee, bizstim_role, can_read, can_update)
    ),

    people as (
        select * from {{ ref('deliverables__access_people') }}
    )

    select
        coalesce(targets.destination_object || '.' || targets.destination_field,
            targets.destination_object, targets.bizstim_field)
            || ':' || grantees.grantee as field_security_key,
        targets.*,
        grantees.grantee,
        case when grantees.bizstim_role is not null then (
            select count(*) from people
            where list_contains(people.bizstim_roles, grantees.bizstim_role)
        ) end as people_with_role,
        grantees.can_read,
        grantees.can_update,
        {%- if profile %}
        case
            when grantees.can_update then {{ access_text(profile ~ ': read and update') }}
            when grantees.can_read then {{ access_text(profile ~ ': read only') }}
        end as field_security_profile,
        {%- endif %}
        {{ caller() }} as how_to_apply
    from targets
    cross join grantees
    order by field_security_key
{%- endmacro %}
