"""Field names in words, and how alike two names are (rapidfuzz).

Bizstim names are snake_case with abbreviations (`p_phone`, `pract_d`);
Dataverse logical names run words together (`address1_stateorprovince`), which
are split on a vocabulary of the words such names are made of.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from bizstim_migrate.mapping import rules

VOCABULARY = frozenset(rules.NAME_VOCABULARY.split())


@lru_cache(maxsize=4096)
def split_packed(token: str) -> tuple[str, ...]:
    """A token of words run together, split on the vocabulary into as few words
    as possible; digits stand alone; a run the vocabulary cannot split stays whole."""
    parts: list[str] = []
    for run in re.findall(r"[a-z]+|[0-9]+", token):
        parts.extend((run,) if run.isdigit() else _segment(run))
    return tuple(parts)


def _segment(run: str) -> tuple[str, ...]:
    best: list[tuple[str, ...] | None] = [()] + [None] * len(run)
    for end in range(1, len(run) + 1):
        for start in range(end):
            before = best[start]
            if before is not None and run[start:end] in VOCABULARY and (
                    best[end] is None or len(before) + 1 < len(best[end])):
                best[end] = before + (run[start:end],)
    return best[len(run)] or (run,)


def words(name: str, prefix: str = "") -> str:
    """A field name in words: snake_case and camelCase split, packed words
    split, Bizstim's abbreviations expanded, words that carry no meaning dropped."""
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", name) if t]
    expanded = []
    for token in tokens:
        if token in rules.NOISE_WORDS and token != "id":
            continue
        if token in rules.ABBREVIATIONS:
            expanded.extend(rules.ABBREVIATIONS[token].split())
            continue
        for part in split_packed(token):
            if part not in rules.NOISE_WORDS or part == "id":
                expanded.extend(rules.ABBREVIATIONS.get(part, part).split())
    return " ".join(expanded)


def singular(table: str) -> str:
    table = table.removesuffix("_names")
    return table[:-1] if table.endswith("s") else table


def source_words(table: str, column: str) -> str:
    text = words(column)
    if column == "id" or text == "id":  # clients.id reads "client id"
        return f"{singular(table)} id"
    return text


def similarity(source: str, texts: list[str]) -> float:
    """0-100: the best of token-sort and token-set ratios against any text."""
    best = 0.0
    for text in texts:
        if not text or not source:
            continue
        best = max(best, (fuzz.token_sort_ratio(source, text)
                          + fuzz.token_set_ratio(source, text)) / 2)
    return best


def semantic(name: str, label: str = "") -> str | None:
    """What kind of value a destination field holds, from the words of its name."""
    tokens = set(words(name).split()) | set(re.split(r"[^a-z0-9]+", label.lower()))
    for meaning, names in rules.FIELD_SEMANTICS:
        if tokens & set(names.split()):
            return meaning
    return None
