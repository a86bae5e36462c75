"""The proposal: for every source field, the destination field it lands in,
the transform, a confidence and the evidence; value maps for the picklists and
status flags; and the fields with no home, as custom-field candidates with a
suggested type.

What the dbt project declares is not guessed (bizstim_migrate/mapping/declared.py):
a field a mart contract names in its lineage is proposed as the contract says
(destination, transform, key / field / lookup), and a field the sources declare
(a join key, a lookup input, a ledger key, a deliverable, left out) as they say;
both have the level "declared", with the name similarity, type fit and value
profile as a check. The rest is measured: custom fields found in the data and
columns a real account has that the sandbox lacks. Evidence is combined as
independent signals (noisy-or), weighed by type compatibility:

    confidence = (1 - (1 - name)(1 - values)) x type_fit

- name: rapidfuzz similarity of the names in words (abbreviations expanded,
  packed Dataverse names split, `cf_`/`bizstim`/publisher prefixes dropped),
  cubed and scaled to 0.8, so only a close name counts for much;
- values: when the value profile matches what the destination field holds:
  0.6 for e-mails in an e-mail field or phone numbers in a phone field, less
  (0.25-0.35) for numbers, dates and times, which many fields hold;
- type_fit: 1 compatible (or converted by a value map), 0.5-0.95 convertible,
  0.2-0.4 a poor fit (e.g. values that are not e-mails for an e-mail field).

A measured field is not migrated until a model carries it: its best candidate
is the suggested destination (with the column to add), and under NO_HOME_BELOW
it has no home and is listed as a custom-field candidate with a suggested type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bizstim_migrate.mapping import rules
from bizstim_migrate.mapping.catalog import Catalog, DestField
from bizstim_migrate.mapping.declared import Declarations, Declared, ValueDomain
from bizstim_migrate.mapping.names import semantic, similarity, source_words, words
from bizstim_migrate.mapping.profile import FREE_NAMES, ColumnProfile
from bizstim_migrate.mapping.source import SourceSchema, is_custom_field

NAME_WEIGHT = 0.8
VALUES_WEIGHT = 0.6
NO_HOME_BELOW = 0.5
HIGH, MEDIUM = 0.85, 0.65
DECLARED = "declared"  # the level of a field the project declares

TYPE_FAMILIES = {
    "text": "text", "textarea": "text", "String": "text", "Memo": "text", "url": "text",
    "number": "number", "Integer": "number", "BigInt": "number", "Decimal": "number",
    "Money": "number", "Double": "number",
    "date": "date", "DateTime": "date", "datetime": "date",
    "checkbox": "bool", "Boolean": "bool",
    "dropdown": "choice", "radio": "choice", "multiselect": "choice", "Picklist": "choice",
    "State": "choice", "Status": "choice",
    "Lookup": "lookup", "Owner": "lookup", "Customer": "lookup", "Uniqueidentifier": "lookup",
    "file": "file",
}
# source kind -> destination type family -> fit
TYPE_FIT = {
    "text": {"text": 1.0, "choice": 0.7, "lookup": 0.5, "file": 0.6},
    "long_text": {"text": 1.0, "file": 0.5},
    "email": {"text": 1.0, "lookup": 0.8},
    "phone": {"text": 1.0, "number": 0.4},
    "integer": {"number": 1.0, "text": 0.95, "choice": 0.8, "lookup": 0.9, "bool": 0.4},
    "decimal": {"number": 1.0, "text": 0.8},
    "date": {"date": 1.0, "text": 0.8},
    "datetime": {"date": 1.0, "text": 0.8, "file": 0.5},
    "time": {"text": 1.0, "number": 0.8, "date": 0.8},
    "flag": {"bool": 1.0, "choice": 0.9, "text": 0.8, "number": 0.8},
    "picklist": {"choice": 1.0, "text": 1.0, "bool": 0.8, "number": 0.8, "lookup": 0.8,
                 "file": 0.6},
    "empty": {},
}
KIND_WORDS = {
    "text": "text", "long_text": "long text", "email": "e-mails", "phone": "phone numbers",
    "integer": "whole numbers", "decimal": "numbers", "date": "dates", "datetime": "timestamps",
    "time": "times of day", "flag": "a 0/1 flag", "picklist": "a few repeated values",
    "empty": "no values",
}
# what a destination semantic accepts from the value profile
SEMANTIC_KINDS = {
    "email": {"email"}, "phone": {"phone"}, "date": {"date", "datetime"},
    "money": {"decimal", "integer"}, "time": {"time"}, "integer": {"integer", "picklist", "time"},
}


@dataclass
class Scored:
    dest: DestField
    confidence: float
    fit: float
    evidence: list[str]
    transform: str


@dataclass
class Proposal:
    """A source field's proposal, as the map file holds it."""

    source: str
    destination: str | None
    role: str
    transform: str
    confidence: float
    evidence: list[str]
    alternatives: list[str] = field(default_factory=list)
    no_home: bool = False
    declared: bool = False
    suggested: str | None = None  # a measured field's best destination (no model carries it)

    @property
    def level(self) -> str:
        return DECLARED if self.declared else level(self.confidence)

    def as_entry(self) -> dict:
        entry = {"source": self.source, "destination": self.destination, "role": self.role,
                 "transform": self.transform, "confidence": round(self.confidence, 2),
                 "level": self.level, "evidence": self.evidence}
        if self.suggested:
            entry["suggested_destination"] = self.suggested
        if self.alternatives:
            entry["alternatives"] = self.alternatives
        return entry


def level(confidence: float) -> str:
    return "high" if confidence >= HIGH else "medium" if confidence >= MEDIUM else "low"


# --- scoring --------------------------------------------------------------------------------

def name_similarity(source: str, dest: DestField, prefix: str = "") -> float:
    return similarity(source, [words(dest.name, prefix)] + ([dest.label.lower()]
                                                            if dest.label else []))


def type_fit(kind: str, dest: DestField) -> tuple[float, str]:
    family = TYPE_FAMILIES.get(dest.type, "text")
    if kind == "empty":
        return 0.6, f"type: no values to judge → {dest.type}"
    fit = TYPE_FIT.get(kind, {}).get(family, 0.3)
    verdict = "compatible" if fit >= 1 else "convertible" if fit >= 0.5 else "a poor fit"
    return fit, f"type: {KIND_WORDS.get(kind, kind)} → {dest.type}: {verdict}"


def default_transform(kind: str, dest: DestField) -> str:
    family = TYPE_FAMILIES.get(dest.type, "text")
    if family == "number":
        return "parse a number ('' → null)"
    if family == "date":
        return "parse YYYY-MM-DD ('' → null)"
    if family == "bool":
        return "'1' → true, '0' → false"
    if family == "choice":
        return "value map (see value_maps)"
    if kind == "long_text" and dest.type in ("text", "String"):
        return "trimmed; truncated past the field's length"
    return "trimmed; '' → null"


def score(source: str, profile: ColumnProfile | None, dest: DestField, catalog: Catalog,
          value_mapped: bool = False) -> Scored:
    """The measured evidence that `source` belongs in `dest`."""
    table, column = source.split(".", 1)
    kind = profile.kind if profile else "empty"
    evidence = []
    similar = name_similarity(source_words(table, column), dest, catalog.prefix)
    name_signal = NAME_WEIGHT * (similar / 100) ** 3
    evidence.append(f"name: {source_words(table, column)!r} ~ "
                    f"{words(dest.name, catalog.prefix) or dest.name!r} "
                    f"{similar:.0f}/100 (rapidfuzz)")
    fit, fit_text = type_fit(kind, dest)
    if value_mapped and fit < 1:
        fit = 1.0  # the value map is the conversion
        fit_text = f"type: {KIND_WORDS.get(kind, kind)} → {dest.type}: through the value map"
    evidence.append(fit_text)
    values_signal = 0.0
    meaning = semantic(dest.name, dest.label)
    if profile is not None:
        text = profile.evidence()
        if meaning and kind in SEMANTIC_KINDS.get(meaning, set()):
            values_signal = rules.SEMANTIC_WEIGHTS.get(meaning, VALUES_WEIGHT)
            text += f" (fits {'an' if meaning[0] in 'aeiou' else 'a'} {meaning} field)"
        elif meaning in ("email", "phone") and kind not in SEMANTIC_KINDS[meaning]:
            fit = min(fit, 0.4)
            text += f" (not what a {meaning} field holds)"
        evidence.append(f"values: {text}")
    evidence.append(f"destination: {dest.describe()}")
    confidence = (1 - (1 - name_signal) * (1 - values_signal)) * fit
    return Scored(dest, min(confidence, 0.99), fit, evidence, default_transform(kind, dest))


def _declared_proposal(declared: Declared, profile: ColumnProfile | None,
                       catalog: Catalog) -> Proposal:
    evidence = [declared.evidence()]
    if declared.destination is None:
        evidence[0] += f": a {declared.role.replace('_', ' ')}, no destination field of its own"
        if profile is not None:
            evidence.append(f"values: {profile.evidence()}")
        return Proposal(declared.source, None, declared.role, declared.transform, 1.0,
                        evidence, declared=True)
    obj, name = declared.destination.split(".", 1)
    dest = catalog.get(declared.destination) or DestField(obj, name, "text", "standard")
    measured = score(declared.source, profile, dest, catalog,
                     value_mapped=declared.transform.startswith("value map"))
    evidence += measured.evidence
    if declared.also:
        evidence.append("also reaches " + ", ".join(declared.also))
    if measured.fit < 0.5:
        evidence.append(f"check: the values are a poor fit for {dest.ref}")
    return Proposal(declared.source, declared.destination, declared.role, declared.transform,
                    1.0, evidence, declared=True)


def propose_field(source: str, profile: ColumnProfile | None, targets: tuple[str, ...],
                  catalog: Catalog) -> Proposal:
    declarations = catalog.declarations
    declared = declarations.find(source) if declarations is not None else None
    if declared is not None:
        return _declared_proposal(declared, profile, catalog)
    scored = sorted((score(source, profile, dest, catalog) for dest in catalog.of(targets)),
                    key=lambda s: s.confidence, reverse=True)
    if not scored:
        return Proposal(source, None, rules.FIELD, "", 0.0,
                        ["no destination object for this source object"], no_home=True)
    best = scored[0]
    if best.confidence < NO_HOME_BELOW:
        evidence = [f"no destination field scores {NO_HOME_BELOW} or more (best "
                    f"{best.dest.ref}: {best.confidence:.2f})"]
        if profile is not None:
            evidence.append(f"values: {profile.evidence()}")
        return Proposal(source, None, rules.FIELD, "", best.confidence, evidence,
                        alternatives=[f"{s.dest.ref} ({s.confidence:.2f})" for s in scored[:3]
                                      if s.confidence >= 0.2], no_home=True)
    alternatives = [f"{s.dest.ref} ({s.confidence:.2f})" for s in scored[1:3]
                    if s.confidence >= 0.4]
    marts = declarations.marts_of(best.dest.obj) if declarations is not None else []
    where = " or ".join(marts) or f"the mart of {best.dest.obj}"
    evidence = best.evidence + [
        f"no model carries {source}: to send it to {best.dest.ref}, add a column to {where} "
        f"(meta field: {best.dest.name}, source: [{source}]); until then it is not migrated"]
    return Proposal(source, None, rules.FIELD, "", best.confidence, evidence, alternatives,
                    suggested=best.dest.ref)


# --- custom-field candidates ------------------------------------------------------------------

FRESHSALES_TYPES = {"text": "text", "long_text": "textarea", "email": "text", "phone": "text",
                    "integer": "number", "decimal": "number", "date": "date",
                    "datetime": "date", "time": "text", "flag": "checkbox",
                    "picklist": "dropdown", "empty": "text"}
DYNAMICS_TYPES = {"text": "String", "long_text": "Memo", "email": "String (format: email)",
                  "phone": "String (format: phone)", "integer": "Integer",
                  "decimal": "Decimal", "date": "DateTime (date only)", "datetime": "DateTime",
                  "time": "String", "flag": "Boolean", "picklist": "Picklist",
                  "empty": "String"}
CUSTOM_TYPES = {"freshsales": set(FRESHSALES_TYPES.values()) | {"paragraph"},
                "dynamics": set(DYNAMICS_TYPES.values()) | {"Money"}}


def custom_home(destination: str, targets: tuple[str, ...]) -> str | None:
    """The object a custom field of this source object goes on (the route's
    first object that takes custom fields)."""
    return next((t for t in targets if t in rules.CUSTOMIZABLE[destination]), None)


def suggested_name(source: str, destination: str, prefix: str) -> str:
    """The custom field the tool suggests for a source field (without its object)."""
    label = source.split(".", 1)[1].rpartition(".")[2]  # a JSON object's key is named by it
    if destination == "freshsales":
        return rules.FRESHSALES_CUSTOM_PREFIX + re.sub(r"_+", "_", re.sub(
            r"[^a-z0-9_]", "_", f"bizstim_{label}".lower()))[:57].rstrip("_")
    return prefix + re.sub(r"[^a-z0-9]", "", f"bizstim{label}".lower())


def custom_candidate(source: str, profile: ColumnProfile | None, targets: tuple[str, ...],
                     catalog: Catalog, today: str) -> dict:
    column = source.split(".", 1)[1]
    kind = profile.kind if profile else "empty"
    home = custom_home(catalog.destination, targets)
    if kind in ("integer", "picklist") and FREE_NAMES.search(column):
        kind = "text"  # an id, a code or a postal code: digits, not a quantity
    if catalog.destination == "freshsales":
        suggested_type = FRESHSALES_TYPES[kind]
    else:
        suggested_type = DYNAMICS_TYPES[kind]
        if kind == "decimal" and re.search(r"wage|cost|amount|price", column):
            suggested_type = "Money"
    name = suggested_name(source, catalog.destination, catalog.prefix)
    candidate = {
        "source": source,
        "object": home,
        "suggested_field": f"{home}.{name}" if home else None,
        "suggested_type": suggested_type,
        "custom_field": is_custom_field(column),
        "values": profile.evidence() if profile else "not profiled",
        "today": today,
    }
    if home is None:
        candidate["note"] = ("the destination object takes no custom fields through the API: "
                             "a column of a reference spreadsheet for the admin")
    if kind in ("picklist", "flag") and profile is not None and profile.top_values:
        candidate["choices"] = [value for value, _ in profile.top_values]
    return candidate


# --- value maps -----------------------------------------------------------------------------

def propose_value_map(domain: ValueDomain, counts: list[tuple[str | None, int]],
                      catalog: Catalog) -> dict:
    """Each value found in the data -> a value the models understand; what
    cannot be placed is listed as unmapped."""
    known = dict(domain.values)
    keys_lower = {k.lower(): k for k in known}
    values: dict[str, str | None] = dict(known)
    evidence = []
    unmapped = []
    found = {}
    for value, count in counts:
        found["(empty)" if value is None else value] = count
        if value is None or value in known:
            continue
        synonym = domain.synonyms.get(value) or domain.synonyms.get(value.lower())
        if synonym is None and value.lower() in keys_lower:
            synonym = keys_lower[value.lower()]
        if synonym is not None and synonym in known:
            values[value] = known[synonym]
            evidence.append(f"{value!r} ({count}) → {known[synonym]!r}: synonym of {synonym!r}")
            continue
        match = process.extractOne(value, list(known), scorer=fuzz.WRatio, score_cutoff=88)
        if match is not None:
            values[value] = known[match[0]]
            evidence.append(f"{value!r} ({count}) → {known[match[0]]!r}: spelled like "
                            f"{match[0]!r} ({match[1]:.0f}/100, rapidfuzz)")
            continue
        unmapped.append(value)
        evidence.append(f"{value!r} ({count}): no value ({domain.otherwise_text}; give it one "
                        "here)")
    dest = catalog.get(domain.target) if domain.target else None
    if dest is not None and dest.choices:
        outside = sorted({v for v in values.values() if v is not None} - set(dest.choices))
        if outside:
            evidence.append(f"not choices of {dest.ref} yet: {', '.join(outside)}")
    absent = [k for k in known if k not in found]
    if absent:
        evidence.append("known values absent from the data: " + ", ".join(absent))
    entry = {
        "source": domain.source,
        "destination": domain.target,
        "normalise": domain.normalise_text,
        **({"note": domain.note} if domain.note else {}),
        "applied_in_dbt": (f"{domain.staging} (declared in the column's value_map meta in "
                           "_bizstim__sources.yml; the confirmed values through the dbt var "
                           "bizstim_value_maps)" if domain.staging else
                           "no: no staging model decodes it"),
        "understood": domain.understood,
        "otherwise": domain.otherwise_text,
        "values": values,
        "found": found,
        "unmapped": unmapped,
    }
    if evidence:
        entry["evidence"] = evidence
    return entry


# --- the whole proposal -----------------------------------------------------------------------

def json_object_transform(transform: str, destination: str | None) -> str:
    """The transform of a column holding a JSON object whose keys are fields."""
    return ("a JSON object: " + transform if destination else
            "a JSON object: its keys are proposed one by one")


def build(schema: SourceSchema, profiles: dict[str, ColumnProfile], catalog: Catalog,
          value_counts: dict[str, list[tuple[str | None, int]]]) -> dict:
    """The proposal as a document (without header and confirmation)."""
    declarations = catalog.declarations
    if declarations is None:
        declarations = catalog.declarations = Declarations(catalog.destination, catalog.prefix)
    routes = declarations.routes()
    not_migrated_tables = declarations.not_migrated()
    order = {table: index for index, table in enumerate(declarations.table_order())}
    objects, candidates, not_migrated = [], [], []
    for table, columns in sorted(schema.tables.items(),
                                 key=lambda item: (order.get(item[0], len(order)), item[0])):
        route = routes.get(table)
        if route is None:
            reason = not_migrated_tables.get(
                table, "no mapping row covers this Bizstim object (new in this account): "
                       "decide where it goes")
            not_migrated.append({"source": table, "reason": reason, "columns": list(columns)})
            continue
        entries = []
        for column in columns:
            source = f"{table}.{column}"
            proposal = propose_field(source, profiles.get(source), route.targets, catalog)
            if any(other.startswith(column + ".") for other in columns):
                # a JSON object whose keys are listed (and proposed) one by one
                proposal.transform = json_object_transform(proposal.transform,
                                                           proposal.destination)
                entries.append(proposal.as_entry())
                continue
            if proposal.no_home or is_custom_field(column):
                today = (f"kept in {proposal.destination} (one JSON key)"
                         if proposal.destination else "not migrated (no destination field)")
                candidates.append(custom_candidate(source, profiles.get(source), route.targets,
                                                   catalog, today))
            entries.append(proposal.as_entry())
        objects.append({"source": table, "destination": ", ".join(route.targets),
                        "mapping_row": route.mapping_row, "fields": entries})
    value_maps = {}
    columns = set(schema.columns())
    for domain in declarations.value_domains():
        if domain.source in columns:
            value_maps[domain.name] = propose_value_map(
                domain, value_counts.get(domain.name, []), catalog)
    return {"objects": objects, "value_maps": value_maps,
            "custom_field_candidates": candidates, "not_migrated": not_migrated}
