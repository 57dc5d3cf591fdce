"""Template variables, formatting and conversion to LangChain's single-brace format.

Templates use MLflow's syntax: ``{{ name }}`` (and dotted ``{{ user.name }}``,
filled with ``format(**{"user.name": ...})``); a template containing
``{% ... %}`` is a Jinja2 template and is rendered by a sandboxed Jinja2
environment, as MLflow does, with limits on steps, time and size
(``gitprompts.core.sandbox``).

>>> format_text("Hi {{ name }}!", {"name": "Ada"})
'Hi Ada!'
>>> to_single_brace("Return JSON like {\\"a\\": {{ n }}}")
'Return JSON like {{"a": {n}}}'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
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
        from gitprompts.core import sandbox

        return sandbox.render(text, values)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return VARIABLE.sub(substitute, text)


def render_scope(texts: list[str]) -> AbstractContextManager[None]:
    """A block in which the Jinja2 ``texts`` render within one budget of steps and time.

    Nothing is imported for texts that are not Jinja2 (most are not).
    """
    if not any(is_jinja(text) for text in texts):
        return nullcontext()
    from gitprompts.core import sandbox

    return sandbox.bounded()


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


# Jinja2 parses and compiles by recursion, and Python refuses code nested
# deeper than 20 loops or 100 indents: a template nesting blocks 17 deep or
# brackets 33 deep is refused while it is checked, not when it is used. The
# tag count bounds the time the check takes (1 MiB of tags, 45,000 of them,
# takes 5 s to parse).
MAX_BLOCK_DEPTH = 16
MAX_BRACKET_DEPTH = 32
MAX_TAGS = 10_000
_OPENERS = frozenset({"for", "if", "macro", "call", "filter", "block", "with", "autoescape"})
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def jinja_syntax_error(text: str) -> str | None:
    """The Jinja2 syntax error in ``text`` (with its line), or None when it parses.

    >>> jinja_syntax_error("{% if a %}yes")
    "line 1: Unexpected end of template. Jinja was looking for the following tags: 'elif' or \
'else' or 'endif'. The innermost block that needs to be closed is 'if'."
    >>> jinja_syntax_error("{% if a %}" * 17 + "{% endif %}" * 17)
    'line 1: blocks nested deeper than 16'
    """
    from jinja2 import TemplateSyntaxError

    tags = text.count("{%") + text.count("{{")
    if tags > MAX_TAGS:
        return f"more than {MAX_TAGS:,} tags ('{{%' or '{{{{')"
    try:
        problem = _nesting_problem(text)
        if problem is None:
            _environment().parse(text)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    except RecursionError:  # nested past what the checks above can see (a chain of 'not')
        return "nested too deeply to parse"
    return problem


def _nesting_problem(text: str) -> str | None:
    """How ``text`` nests too deeply for Jinja2 or Python, from its tokens (no recursion)."""
    blocks = brackets = 0
    tag: str | None = ""  # None: the next name is a block tag's
    assigns = False
    for line, kind, value in _environment().lex(text):
        if kind == "block_begin":
            tag, assigns = None, False
        elif kind == "name" and tag is None:
            tag = value
        elif kind == "operator" and value == "=":
            assigns = True
        elif kind == "block_end":
            if tag in _OPENERS or (tag == "set" and not assigns):
                blocks += 1
                if blocks > MAX_BLOCK_DEPTH:
                    return f"line {line}: blocks nested deeper than {MAX_BLOCK_DEPTH}"
            elif tag is not None and tag.startswith("end"):
                blocks -= 1
            tag = ""
        elif kind == "operator" and value in _BRACKETS:
            brackets += _BRACKETS[value]
            if brackets > MAX_BRACKET_DEPTH:
                return f"line {line}: brackets nested deeper than {MAX_BRACKET_DEPTH}"
    return None


def _environment() -> jinja2.Environment:
    from gitprompts.core import sandbox

    return sandbox.environment()
