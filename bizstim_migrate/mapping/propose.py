"""The proposal: for every source field, the destination field it should
land in, the transform, a confidence and the evidence; value maps for the
picklists and status flags; and the fields with no home, as custom-field
candidates with a suggested type.

Evidence is combined as independent signals (noisy-or) and then weighed by
type compatibility:

    confidence = (1 - (1 - synonym)(1 - name)(1 - values)) x type_fit

- synonym: 0.85 when the synonym table (the mapping the dbt models implement)
  names this destination field for this source field;
- name: rapidfuzz similarity of the names in words (abbreviations expanded,
  `cf_`/`bizstim`/publisher prefixes dropped), cubed and scaled to 0.8, so only
  a close name counts for much;
- values: when the value profile matches what the destination field holds:
  0.6 for e-mails in an e-mail field or phone numbers in a phone field, less
  (0.25-0.35) for numbers, dates and times, which many fields hold;
- type_fit: 1 compatible (or converted by a value map), 0.5-0.95 convertible,
  0.2-0.4 a poor fit (e.g. values that are not e-mails for an e-mail field).

A field whose best candidate scores under NO_HOME_BELOW has no home: it is
listed as a custom-field candidate with a suggested type.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bizstim_migrate.mapping import rules
from bizstim_migrate.mapping.catalog import Catalog, DestField
from bizstim_migrate.mapping.profile import FREE_NAMES, ColumnProfile
from bizstim_migrate.mapping.source import SourceSchema, is_custom_field

SYNONYM_WEIGHT = 0.85
NAME_WEIGHT = 0.8
VALUES_WEIGHT = 0.6
NO_HOME_BELOW = 0.5
HIGH, MEDIUM = 0.85, 0.65

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
    dest: DestField | None
    confidence: float
    evidence: list[str]
    transform: str
    role: str


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

    @property
    def level(self) -> str:
        return level(self.confidence)

    def as_entry(self) -> dict:
        entry = {"source": self.source, "destination": self.destination, "role": self.role,
                 "transform": self.transform, "confidence": round(self.confidence, 2),
                 "level": self.level, "evidence": self.evidence}
        if self.alternatives:
            entry["alternatives"] = self.alternatives
        return entry


def level(confidence: float) -> str:
    return "high" if confidence >= HIGH else "medium" if confidence >= MEDIUM else "low"


# --- names ----------------------------------------------------------------------------------

def words(name: str, prefix: str = "") -> str:
    """A field name in words: snake_case and camelCase split, Bizstim's
    abbreviations expanded, prefixes that carry no meaning dropped."""
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", name) if t]
    expanded = []
    for token in tokens:
        if token in rules.NOISE_WORDS and token != "id":
            continue
        expanded.extend(rules.ABBREVIATIONS.get(token, token).split())
    return " ".join(expanded)


def source_words(table: str, column: str) -> str:
    text = words(column)
    if column == "id" or text == "id":  # clients.id reads "client id"
        return f"{singular(table)} id"
    return text


def singular(table: str) -> str:
    table = table.removesuffix("_names")
    return table[:-1] if table.endswith("s") else table


def name_similarity(source: str, dest: DestField, prefix: str = "") -> float:
    candidates = [words(dest.name, prefix)] + ([dest.label.lower()] if dest.label else [])
    best = 0.0
    for text in candidates:
        if not text or not source:
            continue
        best = max(best, (fuzz.token_sort_ratio(source, text)
                          + fuzz.token_set_ratio(source, text)) / 2)
    return best


def semantic(dest: DestField) -> str | None:
    tokens = set(re.split(r"[^a-z0-9]+", f"{dest.name} {dest.label}".lower()))
    for names, meaning in rules.FIELD_SEMANTICS:
        if tokens & names:
            return meaning
    return None


# --- scoring --------------------------------------------------------------------------------

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


def find_known(destination: str, source: str) -> rules.Known | None:
    for known in rules.KNOWN[destination]:
        if fnmatch.fnmatchcase(source, known.source):
            return known
    return None


def score(source: str, profile: ColumnProfile | None, dest: DestField, catalog: Catalog,
          known: rules.Known | None) -> Scored:
    table, column = source.split(".", 1)
    kind = profile.kind if profile else "empty"
    evidence = []
    synonym = 0.0
    if known is not None and known.target and catalog.resolve(known.target) == dest.ref:
        synonym = SYNONYM_WEIGHT
        evidence.append(f"synonym table: {source} → {dest.ref} (the mapping the dbt models "
                        "implement)")
    similarity = name_similarity(source_words(table, column), dest, catalog.prefix)
    name_signal = NAME_WEIGHT * (similarity / 100) ** 3
    evidence.append(f"name: {source_words(table, column)!r} ~ "
                    f"{words(dest.name, catalog.prefix) or dest.name!r} "
                    f"{similarity:.0f}/100 (rapidfuzz)")
    fit, fit_text = type_fit(kind, dest)
    if synonym and known is not None and known.transform.startswith("value map") and fit < 1:
        fit = 1.0  # the value map is the conversion
        fit_text = f"type: {KIND_WORDS.get(kind, kind)} → {dest.type}: through the value map"
    evidence.append(fit_text)
    values_signal = 0.0
    meaning = semantic(dest)
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
    confidence = (1 - (1 - synonym) * (1 - name_signal) * (1 - values_signal)) * fit
    transform = (known.transform if synonym else default_transform(kind, dest))
    role = known.role if synonym and known is not None else rules.FIELD
    return Scored(dest, min(confidence, 0.99), evidence, transform, role)


def propose_field(source: str, profile: ColumnProfile | None, targets: tuple[str, ...],
                  catalog: Catalog) -> Proposal:
    known = find_known(catalog.destination, source)
    if known is not None and known.target is None:
        # a join key or a deliberate omission: no destination field of its own
        evidence = [f"synonym table: {source} is a {known.role.replace('_', ' ')} "
                    "(the dbt models' mapping)"]
        if profile is not None:
            evidence.append(f"values: {profile.evidence()}")
        return Proposal(source, None, known.role, known.transform, 0.95, evidence)
    scored = [score(source, profile, dest, catalog, known) for dest in catalog.of(targets)]
    if known is not None and known.target:
        # a synonym target outside this route's objects (or a catalogue gap): still a candidate
        ref = catalog.resolve(known.target)
        if all(s.dest.ref != ref for s in scored):
            obj, name = ref.split(".", 1)
            dest = catalog.get(ref) or DestField(obj, name, "text", "standard")
            scored.append(score(source, profile, dest, catalog, known))
    scored.sort(key=lambda s: s.confidence, reverse=True)
    if not scored:
        return Proposal(source, None, rules.FIELD, "", 0.0,
                        ["no destination object for this source object"], no_home=True)
    best = scored[0]
    alternatives = [f"{s.dest.ref} ({s.confidence:.2f})" for s in scored[1:3]
                    if s.confidence >= 0.4]
    if best.confidence < NO_HOME_BELOW:
        evidence = [f"no destination field scores {NO_HOME_BELOW} or more (best "
                    f"{best.dest.ref}: {best.confidence:.2f})"]
        if profile is not None:
            evidence.append(f"values: {profile.evidence()}")
        return Proposal(source, None, rules.FIELD, "", best.confidence, evidence,
                        alternatives=[f"{s.dest.ref} ({s.confidence:.2f})" for s in scored[:3]
                                      if s.confidence >= 0.2], no_home=True)
    transform = best.transform
    twin = catalog.get(f"lead.{best.dest.name}")
    if best.dest.obj == "contact" and twin is not None and "lead" in targets:
        # Dynamics: a client that is not sales-qualified is a lead, with the same columns
        transform += f" (lead.{best.dest.name} when the client is a lead)"
        alternatives = [a for a in alternatives if not a.startswith(twin.ref + " ")]
    return Proposal(source, best.dest.ref, best.role, transform, best.confidence,
                    best.evidence, alternatives)


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
# objects that take custom fields through the API
CUSTOMIZABLE = {"freshsales": set(rules.FRESHSALES_METADATA_ENTITIES),
                "dynamics": set(rules.DYNAMICS_METADATA_TABLES) | {"product", "opportunity"}}


def custom_candidate(source: str, profile: ColumnProfile | None, targets: tuple[str, ...],
                     catalog: Catalog, today: str) -> dict:
    table, column = source.split(".", 1)
    kind = profile.kind if profile else "empty"
    home = next((t for t in targets if t in CUSTOMIZABLE[catalog.destination]), None)
    if kind in ("integer", "picklist") and FREE_NAMES.search(column):
        kind = "text"  # an id, a code or a postal code: digits, not a quantity
    label = column.rpartition(".")[2]  # a key of a JSON object is named by the key
    if catalog.destination == "freshsales":
        suggested_type = FRESHSALES_TYPES[kind]
        name = "cf_" + re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_",
                                                 f"bizstim_{label}".lower()))[:57].rstrip("_")
    else:
        suggested_type = DYNAMICS_TYPES[kind]
        if kind == "decimal" and re.search(r"wage|cost|amount|price", column):
            suggested_type = "Money"
        name = catalog.prefix + re.sub(r"[^a-z0-9]", "", f"bizstim{label}".lower())
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

def propose_value_map(domain: rules.ValueDomain, counts: list[tuple[str | None, int]],
                      catalog: Catalog) -> dict:
    """Each value found in the data -> a destination value; what cannot be
    placed is listed as unmapped (the models keep it as it is)."""
    known = {str(k): v for k, v in domain.values.items()}
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
        evidence.append(f"{value!r} ({count}): no destination value (the models keep it as "
                        "it is; give it one here)")
    target = catalog.resolve(domain.target)
    dest = catalog.get(target)
    if dest is not None and dest.choices:
        outside = sorted({v for v in values.values() if v is not None} - set(dest.choices))
        if outside:
            evidence.append(f"not choices of {dest.ref} yet: {', '.join(outside)}")
    absent = [k for k in known if k not in found]
    if absent:
        evidence.append("known values absent from the data: " + ", ".join(absent))
    entry = {
        "source": domain.source,
        "destination": target,
        "normalise": domain.normalise,
        **({"note": domain.note} if domain.note else {}),
        "applied_in_dbt": (f"{domain.applied_in_dbt} (dbt var bizstim_value_maps)"
                           if domain.applied_in_dbt else
                           "no: the models apply this rule as written (documented here)"),
        "values": values,
        "found": found,
        "unmapped": unmapped,
    }
    if evidence:
        entry["evidence"] = evidence
    return entry


# --- the whole proposal -----------------------------------------------------------------------

def build(schema: SourceSchema, profiles: dict[str, ColumnProfile], catalog: Catalog,
          value_counts: dict[str, list[tuple[str | None, int]]]) -> dict:
    """The proposal as a document (without header and confirmation)."""
    routes = {route.source: route for route in rules.ROUTES[catalog.destination]}
    objects, candidates, not_migrated = [], [], []
    for table, columns in sorted(schema.tables.items(), key=_route_order(catalog)):
        route = routes.get(table)
        if route is None:
            reason = rules.NOT_MIGRATED.get(
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
                proposal.transform = ("a JSON object: " + proposal.transform
                                      if proposal.destination else
                                      "a JSON object: its keys are proposed one by one")
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
    for domain in rules.value_domains(catalog.destination):
        if domain.source.split(".")[0] in schema.tables and domain.source in _columns(schema):
            value_maps[domain.name] = propose_value_map(
                domain, value_counts.get(domain.name, []), catalog)
    return {"objects": objects, "value_maps": value_maps,
            "custom_field_candidates": candidates, "not_migrated": not_migrated}


def _columns(schema: SourceSchema) -> set[str]:
    return set(schema.columns())


def _route_order(catalog: Catalog):
    order = {route.source: index for index, route in enumerate(rules.ROUTES[catalog.destination])}
    return lambda item: (order.get(item[0], len(order)), item[0])
