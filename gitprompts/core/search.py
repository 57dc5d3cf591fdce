"""MLflow-style filter strings for ``search_prompts``.

Clauses joined by ``AND``; each is ``name`` or ``tags.<key>`` (backquote keys
with odd characters: ``tags.`my key```), an operator (``=``, ``!=``,
``LIKE``, ``ILIKE``) and a quoted value. ``%`` and ``_`` are SQL wildcards.

>>> match = compile_filter("name LIKE 'summ%' AND tags.team = 'nlp'")
>>> match("summarize", {"team": "nlp"})
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from gitprompts.errors import InvalidFilterError, InvalidInputError

T = TypeVar("T")

Predicate = Callable[[str, dict[str, str]], bool]

_CLAUSE = re.compile(
    r"""\s*(?P<field>name|tags\.(?:`(?P<qkey>[^`]+)`|(?P<key>[A-Za-z0-9_.\-]+)))
        \s*(?P<op>!=|=|(?i:NOT\s+LIKE|NOT\s+ILIKE|ILIKE|LIKE))\s*
        (?:'(?P<sq>(?:[^']|'')*)'|"(?P<dq>(?:[^"]|"")*)")\s*""",
    re.X,
)
_AND = re.compile(r"\s*AND\s+", re.I)


def compile_filter(filter_string: str | None) -> Predicate:
    """Turn a filter string into ``predicate(name, tags) -> bool``."""
    if filter_string is None or not filter_string.strip():
        return lambda name, tags: True
    if not isinstance(filter_string, str):
        raise InvalidFilterError(str(filter_string), "the filter must be a string")
    tests: list[Predicate] = []
    position = 0
    text = filter_string
    while True:
        match = _CLAUSE.match(text, position)
        if match is None:
            raise InvalidFilterError(filter_string, f"cannot parse from {text[position:]!r}")
        tests.append(_clause(match))
        position = match.end()
        if position == len(text):
            break
        joiner = _AND.match(text, position)
        if joiner is None:
            raise InvalidFilterError(
                filter_string, f"expected AND before {text[position:]!r} (OR is not supported)"
            )
        position = joiner.end()
    if len(tests) == 1:
        return tests[0]  # the usual filter: no all() per prompt (a third of 10,000 checks)
    return lambda name, tags: all(test(name, tags) for test in tests)


def _clause(match: re.Match[str]) -> Predicate:
    value = match.group("sq")
    value = value.replace("''", "'") if value is not None else match.group("dq").replace('""', '"')
    op = " ".join(match.group("op").upper().split())
    key = match.group("qkey") or match.group("key")

    def field(name: str, tags: dict[str, str]) -> str | None:
        return name if key is None else tags.get(key)

    if op in ("=", "!="):
        equal = op == "="
        return lambda name, tags: (field(name, tags) == value) == equal
    pattern = _like(value, case_insensitive="ILIKE" in op)
    negate = op.startswith("NOT")

    def like(name: str, tags: dict[str, str]) -> bool:
        got = field(name, tags)
        return got is not None and (pattern.fullmatch(got) is not None) != negate

    return like


def _like(pattern: str, *, case_insensitive: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.S | (re.I if case_insensitive else 0))


# MLflow's order_by keys for prompts (registered models). A prompt's last
# update here is its latest version's creation: alias and tag moves are not counted.
_ORDER_KEYS: dict[str, Callable[[Any], Any]] = {
    "name": lambda p: p.name,
    "creation_timestamp": lambda p: p.creation_timestamp,
    "last_updated_timestamp": lambda p: p.creation_timestamp,
}
_ORDER = re.compile(r"\s*`?([A-Za-z_.]+)`?(?:\s+(ASC|DESC))?\s*", re.IGNORECASE)


def compile_order_by(order_by: list[str] | None) -> Callable[[list[T]], list[T]]:
    """A sort for MLflow's ``order_by`` clauses; ``name ASC`` breaks ties (and is the default).

    >>> from types import SimpleNamespace as P
    >>> items = [P(name="b", creation_timestamp=1), P(name="a", creation_timestamp=1)]
    >>> [p.name for p in compile_order_by(["creation_timestamp DESC"])(items)]
    ['a', 'b']
    >>> compile_order_by(["size"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: invalid order_by clause 'size': expected ...
    """
    if order_by is None:
        order_by = []
    if isinstance(order_by, str) or not isinstance(order_by, (list, tuple)):
        raise InvalidInputError(f"order_by must be a list such as ['name ASC'], not {order_by!r}")
    clauses = []
    for clause in order_by:
        match = _ORDER.fullmatch(clause) if isinstance(clause, str) else None
        if match is None or match.group(1) not in _ORDER_KEYS:
            raise InvalidInputError(
                f"invalid order_by clause {clause!r}: expected one of "
                f"{', '.join(sorted(_ORDER_KEYS))}, optionally followed by ASC or DESC"
            )
        clauses.append((_ORDER_KEYS[match.group(1)], (match.group(2) or "ASC").upper() == "DESC"))

    def sort(items: list[T]) -> list[T]:
        # Stable sorts, least significant first: the tie-break, then the clauses in reverse.
        found = sorted(items, key=_ORDER_KEYS["name"])
        for key, descending in reversed(clauses):
            found.sort(key=key, reverse=descending)
        return found

    return sort
