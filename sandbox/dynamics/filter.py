"""`$filter` as the Web API reads it: a small parser and an evaluator over rows.

Supports what a loader and a preflight send: `eq ne gt ge lt le`, `and`,
`or`, `not`, parentheses, `contains` / `startswith` / `endswith`, string,
number, boolean, null, GUID and date literals, and enum literals
(`Microsoft.Dynamics.CRM.AttributeTypeCode'String'`) for metadata queries.
String comparisons go through the collation (case and accent insensitive).
An unknown property is the Web API's 400 ("Could not find a property named …").
"""

from __future__ import annotations

import re
from typing import Any, Callable

from sandbox.dynamics import errors
from sandbox.dynamics.collation import fold
from sandbox.dynamics.odata import is_guid

Node = tuple
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"contains", "startswith", "endswith"}
_TOKEN_RE = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
     |(?P<enum>[A-Za-z_][\w.]*'(?:[^']|'')*')
     |(?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-]))
     |(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
     |(?P<number>-?\d+(?:\.\d+)?(?![\w-]))
     |(?P<punct>[(),])
     |(?P<word>[A-Za-z_@$][\w.@/]*)
    )""", re.VERBOSE)


def _syntax(message: str) -> errors.ODataError:
    return errors.bad_query(f"Bad Request - Error in query syntax: {message}")


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.end() == pos:
            raise _syntax(f"unexpected character at position {pos} in '{text}'.")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def normalize_date(text: str) -> str:
    if len(text) == 10:
        return text + "T00:00:00Z"
    if text.endswith("Z") and "." in text:
        return text.split(".")[0] + "Z"
    return text


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], known: Callable[[str], bool], type_name: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.known = known
        self.type_name = type_name

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _syntax("the expression ended unexpectedly.")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text != value:
            raise _syntax(f"expected '{value}' but found '{text}'.")

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise _syntax(f"unexpected '{self.peek()[1]}'.")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek() == ("word", "or"):
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.peek() == ("word", "and"):
            self.take()
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.peek() == ("word", "not"):
            self.take()
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        if self.peek() == ("punct", "("):
            self.take()
            node = self.or_expr()
            self.expect(")")
            return node
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "word" and token[1] in _COMPARISONS:
            self.take()
            return ("cmp", token[1], left, self.operand())
        if left[0] == "func":
            return left
        raise _syntax("a comparison operator (eq, ne, gt, ge, lt, le) was expected.")

    def operand(self) -> Node:
        kind, text = self.take()
        if kind == "string":
            return ("lit", text[1:-1].replace("''", "'"))
        if kind == "enum":
            return ("lit", text[text.index("'") + 1:-1].replace("''", "'"))
        if kind == "date":
            return ("lit", normalize_date(text))
        if kind == "guid":
            return ("lit", text.lower())
        if kind == "number":
            return ("lit", float(text) if "." in text else int(text))
        if kind == "word":
            if text in ("null", "true", "false"):
                return ("lit", None if text == "null" else text == "true")
            if text in _FUNCTIONS and self.peek() == ("punct", "("):
                self.take()
                args = [self.operand()]
                while self.peek() == ("punct", ","):
                    self.take()
                    args.append(self.operand())
                self.expect(")")
                if len(args) != 2:
                    raise _syntax(f"{text} takes two arguments.")
                return ("func", text, args)
            if not self.known(text):
                raise errors.bad_query(f"Could not find a property named '{text}' on type '{self.type_name}'.")
            return ("prop", text)
        raise _syntax(f"unexpected '{text}'.")


def parse(text: str, known: Callable[[str], bool], type_name: str) -> Node:
    return _Parser(tokenize(text), known, type_name).parse()


def _value(node: Node, row: dict[str, Any]) -> Any:
    return row.get(node[1]) if node[0] == "prop" else node[1]


def comparable(value: Any) -> Any:
    # dates are stored and parsed as "YYYY-MM-DDTHH:MM:SSZ", so folded text orders them too
    return fold(value) if isinstance(value, str) else value


def evaluate(node: Node, row: dict[str, Any]) -> bool:
    op = node[0]
    if op == "and":
        return evaluate(node[1], row) and evaluate(node[2], row)
    if op == "or":
        return evaluate(node[1], row) or evaluate(node[2], row)
    if op == "not":
        return not evaluate(node[1], row)
    if op == "func":
        subject, needle = (_value(arg, row) for arg in node[2])
        if not isinstance(subject, str) or not isinstance(needle, str):
            return False
        subject, needle = fold(subject), fold(needle)
        if node[1] == "contains":
            return needle in subject
        if node[1] == "startswith":
            return subject.startswith(needle)
        return subject.endswith(needle)
    _, comparison, left, right = node
    a, b = _value(left, row), _value(right, row)
    if comparison in ("eq", "ne"):
        if isinstance(a, str) and isinstance(b, str) and is_guid(a) and is_guid(b):
            same = a.lower() == b.lower()
        else:
            same = comparable(a) == comparable(b)
        return same if comparison == "eq" else not same
    if a is None or b is None:
        return False
    a, b = comparable(a), comparable(b)
    try:
        if comparison == "gt":
            return a > b
        if comparison == "ge":
            return a >= b
        if comparison == "lt":
            return a < b
        return a <= b
    except TypeError:
        return False


def equality_terms(node: Node) -> list[tuple[str, Any]]:
    """`prop eq literal` terms that must all hold (for index lookups)."""
    if node[0] == "and":
        return equality_terms(node[1]) + equality_terms(node[2])
    if node[0] == "cmp" and node[1] == "eq":
        left, right = node[2], node[3]
        if left[0] == "lit":
            left, right = right, left
        if left[0] == "prop" and right[0] == "lit" and right[1] is not None:
            return [(left[1], right[1])]
    return []


def alternative_terms(node: Node) -> list[tuple[str, Any]]:
    """`prop eq literal` terms one of which must hold (an or-chain of them, as a
    loader sends to read many records by key), for index lookups; [] otherwise."""
    if node[0] == "or":
        left, right = alternative_terms(node[1]), alternative_terms(node[2])
        return left + right if left and right else []
    return equality_terms(node) if node[0] == "cmp" else []


def properties(node: Node) -> set[str]:
    if node[0] in ("and", "or"):
        return properties(node[1]) | properties(node[2])
    if node[0] == "not":
        return properties(node[1])
    if node[0] == "func":
        return {arg[1] for arg in node[2] if arg[0] == "prop"}
    if node[0] == "cmp":
        return {arg[1] for arg in node[2:] if arg[0] == "prop"}
    return set()
