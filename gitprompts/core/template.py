"""Template variables, formatting and conversion to LangChain's single-brace format.

Templates use MLflow's syntax: ``{{ name }}`` (and dotted ``{{ user.name }}``,
filled with ``format(**{"user.name": ...})``); a template containing
``{% ... %}`` is a Jinja2 template and is rendered by a sandboxed Jinja2
environment, as MLflow does.

>>> format_text("Hi {{ name }}!", {"name": "Ada"})
'Hi Ada!'
>>> to_single_brace("Return JSON like {\\"a\\": {{ n }}}")
'Return JSON like {{"a": {n}}}'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

# MLflow's own pattern (mlflow/prompt/constants.py), so the same text has the same variables.
VARIABLE = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}")


def is_jinja(text: str) -> bool:
    """MLflow's test: control flow ``{% ... %}`` makes a template Jinja2."""
    return "{%" in text and "%}" in text


def variables(text: str) -> list[str]:
    """Variable names in order of first appearance.

    For a Jinja2 template these are the names it needs from the caller
    (loop variables and names it sets itself are not asked for).
    """
    if is_jinja(text):
        from jinja2 import meta

        try:
            found = meta.find_undeclared_variables(_environment().parse(text))
        except Exception:  # a template that does not parse has no usable variables
            return []
        # meta returns a set; keep the order in which they appear in the text.
        order = {name: text.find(name) for name in found}
        return sorted(found, key=lambda name: (order[name], name))
    return list(dict.fromkeys(VARIABLE.findall(text)))


def format_text(text: str, values: Mapping[str, Any]) -> str:
    """Replace every ``{{ var }}`` that has a value; leave the others in place.

    One pass over the text: a value that itself contains ``{{ x }}`` is
    inserted verbatim, never expanded again (MLflow substitutes key by key,
    so there a value can be rewritten by a later key).
    """
    if is_jinja(text):
        return _environment().from_string(text).render(**values)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return VARIABLE.sub(substitute, text)


def to_single_brace(text: str) -> str:
    """Convert to Python/LangChain f-string syntax: ``{{ x }}`` → ``{x}``, literal braces doubled.

    MLflow only rewrites the variables, so a template such as
    ``Answer as JSON: {"answer": {{ q }}}`` becomes
    ``{"answer": {q}}``, which LangChain then reads as a variable named
    ``"answer"``; doubling the literal braces keeps them literal.
    """
    out: list[str] = []
    position = 0
    for match in VARIABLE.finditer(text):
        out.append(_escape(text[position : match.start()]))
        out.append("{" + match.group(1) + "}")
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


def jinja_syntax_error(text: str) -> str | None:
    """The Jinja2 syntax error in ``text`` (with its line), or None when it parses."""
    from jinja2 import TemplateSyntaxError

    try:
        _environment().parse(text)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Imported on first use: most templates are not Jinja2 and import time matters.
    from jinja2.sandbox import SandboxedEnvironment

    # Configured as MLflow's PromptVersion.format configures it, so output matches.
    return SandboxedEnvironment()
