"""Field definitions per object (standard and custom) and value checking.

`GET /api/settings/<contacts|deals|sales_accounts|products>/fields` lists them:
`{"fields": [{"id", "name", "label", "type", "required", "visible", "default",
"unique", "position", "base_model", "choices": [{"id", "value", "position"}]}]}`
(observed shape: name/label/type/required/choices with {id, value}). Custom
fields exist only once the admin creates them (`define`, the control
surface's twin of the admin UI); a write naming an unknown `cf_…` is a 400.
Choice fields (dropdown, radio, multiselect) take one of their choices,
given as the choice's value or id; the admin adds choices (`add_choices`).
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sandbox.freshsales import settings
from sandbox.freshsales.entities import ENTITIES, WITH_FIELDS, Attr
from sandbox.freshsales.errors import Problems

_EMAIL = re.compile(settings.EMAIL_PATTERN)
_NAME = re.compile(r"^cf_[a-z0-9_]{1,60}$")
_MODEL = {"contacts": "Contact", "sales_accounts": "SalesAccount", "deals": "Deal", "products": "Product"}


@dataclass
class FieldDef:
    id: int
    entity: str
    name: str
    label: str
    type: str
    required: bool = False
    custom: bool = False
    unique: bool = False
    position: int = 0
    choices: list[dict[str, Any]] = field(default_factory=list)

    def api(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "label": self.label, "type": self.type,
            "required": self.required, "visible": True, "default": not self.custom, "unique": self.unique,
            "position": self.position, "base_model": _MODEL.get(self.entity, self.entity),
            "choices": [dict(c) for c in self.choices],
        }


class FieldRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._ids = itertools.count(settings.ID_BASE - 1_000_000)
            self._choice_ids = itertools.count(settings.ID_BASE - 500_000)
            self._fields: dict[str, dict[str, FieldDef]] = {}
            self._custom: dict[str, tuple[FieldDef, ...]] = {}
            self._unique: dict[str, tuple[FieldDef, ...]] = {}
            for name in WITH_FIELDS:
                entity = ENTITIES[name]
                table: dict[str, FieldDef] = {}
                for position, attr in enumerate(entity.attrs, 1):
                    required = attr.name in entity.required_all
                    table[attr.name] = FieldDef(next(self._ids), name, attr.name, attr.label,
                                                _api_type(attr), required, position=position)
                self._fields[name] = table
            category = self._fields["products"][settings.PRODUCT_CATEGORY_FIELD]
            category.choices = self._new_choices(category, settings.PRODUCT_CATEGORY_CHOICES)

    # --- reads ------------------------------------------------------------------

    def list(self, entity: str) -> list[dict[str, Any]]:
        with self._lock:
            return [f.api() for f in self._table(entity).values()]

    def get(self, entity: str, name: str) -> FieldDef | None:
        table = self._fields.get(entity)
        return None if table is None else table.get(name)

    def custom(self, entity: str) -> tuple[FieldDef, ...]:
        """The object's custom fields in definition order (read on every record shown: cached)."""
        return self._custom.get(entity, ())

    def unique_custom(self, entity: str) -> tuple[FieldDef, ...]:
        return self._unique.get(entity, ())

    def _refresh(self, entity: str) -> None:
        fields = tuple(f for f in self._fields[entity].values() if f.custom)
        self._custom[entity] = fields  # replaced whole: readers never see a half-built tuple
        self._unique[entity] = tuple(f for f in fields if f.unique)

    # --- the admin's changes -----------------------------------------------------------

    def define(self, entity: str, name: str | None = None, label: str | None = None, type: str = "text",
               choices: list[Any] | None = None, unique: bool = False, required: bool = False) -> dict[str, Any]:
        """Create a custom field as the admin UI does; idempotent for the same name and type
        (new choices are added, nothing is removed)."""
        if entity not in WITH_FIELDS:
            raise ValueError(f"{entity!r} takes no custom fields; use one of {', '.join(WITH_FIELDS)}")
        if type not in settings.CUSTOM_FIELD_TYPES:
            raise ValueError(f"unknown field type {type!r}; use one of {', '.join(settings.CUSTOM_FIELD_TYPES)}")
        if not name and not label:
            raise ValueError("a field needs a name (cf_…) or a label")
        name = _cf_name(name or str(label))
        if not _NAME.match(name):
            raise ValueError(f"a custom field name is cf_ and 1-60 lower-case letters, digits or _: {name!r}")
        if type in settings.CHOICE_TYPES and not choices:
            raise ValueError(f"a {type} field needs choices")
        if type not in settings.CHOICE_TYPES and choices:
            raise ValueError(f"a {type} field takes no choices")
        with self._lock:
            table = self._table(entity)
            existing = table.get(name)
            if existing is not None:
                if existing.type != type or existing.unique != bool(unique):
                    raise ValueError(f"{entity} already has {name} as a {existing.type} field"
                                     f"{' (unique)' if existing.unique else ''}")
                existing.choices += self._new_choices(existing, choices or ())
                return existing.api()
            fdef = FieldDef(next(self._ids), entity, name, label or _label(name), type, bool(required),
                            custom=True, unique=bool(unique), position=len(table) + 1)
            fdef.choices = self._new_choices(fdef, choices or ())
            table[name] = fdef
            self._refresh(entity)
            return fdef.api()

    def add_choices(self, entity: str, name: str, choices: list[Any]) -> dict[str, Any]:
        """Add choices to a choice field (the product category included); existing ones stay."""
        with self._lock:
            fdef = self._table(entity).get(name)
            if fdef is None:
                raise KeyError(f"{entity} has no field {name!r}")
            if fdef.type not in settings.CHOICE_TYPES:
                raise ValueError(f"{entity}.{name} is a {fdef.type} field, not a choice field")
            fdef.choices += self._new_choices(fdef, choices)
            return fdef.api()

    def _new_choices(self, fdef: FieldDef, values: Any) -> list[dict[str, Any]]:
        known = {c["value"] for c in fdef.choices}
        added = []
        for value in values:
            text = str(value).strip()
            if not text:
                raise ValueError("a choice needs a value")
            if text in known:
                continue
            known.add(text)
            added.append({"id": next(self._choice_ids), "value": text,
                          "position": len(fdef.choices) + len(added) + 1})
        return added

    def _table(self, entity: str) -> dict[str, FieldDef]:
        table = self._fields.get(entity)
        if table is None:
            raise KeyError(f"no field settings for {entity!r}; known: {', '.join(WITH_FIELDS)}")
        return table


# --- values -------------------------------------------------------------------------


def check_value(kind: str, label: str, value: Any, problems: Problems,
                choices: list[dict[str, Any]] | None = None) -> Any:
    """`value` as stored for a field of type `kind`; a problem is recorded when it cannot be."""
    if value is None:
        return None
    bad = settings.MESSAGE_INVALID_VALUE.format(value=value, label=label)
    if kind in ("text", "url", "textarea", "email"):
        if isinstance(value, (dict, list, bool)):
            problems.add(bad)
            return None
        text = str(value) if not isinstance(value, str) else value
        limit = settings.LONG_TEXT_MAX_CHARS if kind == "textarea" else settings.TEXT_MAX_CHARS
        if len(text) > limit:
            problems.add(settings.MESSAGE_TOO_LONG.format(label=label, limit=limit))
            return None
        if kind == "email" and text and not _EMAIL.match(text.strip()):
            problems.add(settings.MESSAGE_INVALID_EMAIL.format(email=text))
            return None
        return text.strip() if kind == "email" else text
    if kind == "number":
        number = _number(value)
        if number is None:
            problems.add(bad)
        return number
    if kind == "checkbox":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")  # form fields (uploads) send text
        problems.add(bad)
        return None
    if kind == "date":
        parsed = _date(value)
        if parsed is None:
            problems.add(bad)
        return parsed
    if kind == "datetime":
        parsed = _datetime(value)
        if parsed is None:
            problems.add(bad)
        return parsed
    if kind in ("dropdown", "radio"):
        return _choice(label, value, choices or [], problems)
    if kind == "multiselect_dropdown":
        items = value if isinstance(value, list) else str(value).split(";")
        picked = [_choice(label, item, choices or [], problems) for item in items if str(item).strip()]
        return [p for p in picked if p is not None]
    problems.add(bad)
    return None


def _choice(label: str, value: Any, choices: list[dict[str, Any]], problems: Problems) -> str | None:
    text = str(value).strip()
    for choice in choices:
        if choice["value"] == text or str(choice["id"]) == text:
            return choice["value"]
    problems.add(settings.MESSAGE_INVALID_CHOICE.format(
        value=value, label=label, choices=", ".join(c["value"] for c in choices) or "(none yet)"))
    return None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return number if number == number and abs(number) != float("inf") else None
    return None


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat() if len(text) == 10 else \
            datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


def _datetime(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.isoformat()


def _api_type(attr: Attr) -> str:
    """How the settings list shows a standard attribute's type (ids are dropdowns of a selector)."""
    return {"id": "dropdown", "email": "text"}.get(attr.type, attr.type)


def _cf_name(text: str) -> str:
    text = text.strip()
    if text.startswith(settings.CUSTOM_FIELD_PREFIX):
        return text
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return settings.CUSTOM_FIELD_PREFIX + slug


def _label(name: str) -> str:
    return name[len(settings.CUSTOM_FIELD_PREFIX):].replace("_", " ").capitalize()
