"""The mapping is declared once, in the mart contracts: no Python module of the
tool names a destination field a contract declares.

What counts: every destination field name a contract declares (custom fields,
also inside longer strings such as `new_bizstimclientid`), except where the
name is also the mart column it comes from (`first_name` is both, and Python
may name mart columns). A name that is also an API fact in another role (a
table's primary key that lookups to it share, a system column, an object's
name) is listed below with that role; the list is short on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

from load.contract import contracts

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("load", "bizstim_migrate")

# name -> the role it plays in Python that is not the mapping
OTHER_ROLES = {
    "id": "every Freshsales record's own id (a deal line's `id` is also its product's id)",
    "products": "the Freshsales products object: its route, selector and ledger name",
    "transactioncurrencyid": "the currency table's primary key (lookups to it share the name)",
    "pricelevelid": "the price list table's primary key (lookups to it share the name)",
    "productid": "the product table's primary key (lookups to it share the name)",
    "uomid": "the unit table's primary key (lookups to it share the name)",
    "createdon": "Dataverse's system column: read to adopt a unit group or price list by name",
}


def declared_names() -> tuple[dict[str, str], set[str]]:
    """(destination name -> where a contract declares it, custom field names)."""
    names: dict[str, str] = {}
    custom: set[str] = set()
    for destination in ("freshsales", "dynamics"):
        for model in contracts(destination).models.values():
            # a field-map column names no field: its fields are in the data
            fields = [f for c in model.columns for f in c.fields if not f.is_field_map]
            for f in fields:
                if f.is_custom:
                    custom.add(f.field)
                if f.field and f.field != f.column:
                    names.setdefault(f.field, f"{model.name}.{f.column}")
                if f.read_as and f.read_as != f.column:
                    names.setdefault(f.read_as, f"{model.name}.{f.column} (read as)")
            if model.meta.get("field"):
                names.setdefault(model.meta["field"], model.name)
    return names, custom


def string_literals(path: Path):
    """Every string constant of a module but its docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield node.lineno, node.value


def offending(names: dict[str, str], custom: set[str], roots: list[Path]) -> list[str]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            for line, text in string_literals(path):
                if text in names and text not in OTHER_ROLES:
                    found.append(f"{path.relative_to(root.parent)}:{line} names {text!r} "
                                 f"(declared in {names[text]})")
                for name in custom:
                    if name in text:
                        found.append(f"{path.relative_to(root.parent)}:{line} names the custom "
                                     f"field {name!r} in {text[:60]!r}")
    return found


def test_no_python_module_names_a_field_the_contracts_declare():
    names, custom = declared_names()
    assert len(names) > 30 and len(custom) > 20  # the contracts were read
    assert offending(names, custom, [ROOT / r for r in SCANNED]) == []


def test_the_check_finds_a_planted_field_name(tmp_path):
    names, custom = declared_names()
    planted = tmp_path / "load"
    planted.mkdir()
    (planted / "bad.py").write_text('"""docstring naming ownerid is fine"""\n'
                                    'BODY = {"ownerid": 1, "x": f"new_bizstimclientid eq {1}"}\n')
    found = offending(names, custom, [planted])
    assert any("'ownerid'" in line for line in found)
    assert any("'bizstimclientid'" in line for line in found)
    assert not any("docstring" in line for line in found)


def test_every_other_role_is_still_a_declared_name():
    """An entry here that no contract declares any more is dead: remove it."""
    names, _ = declared_names()
    assert set(OTHER_ROLES) <= set(names)
