"""The Jinja2 sandbox that prompt templates render in, bounded in steps, time and size.

MLflow renders ``{% ... %}`` templates in Jinja2's ``SandboxedEnvironment``,
which keeps a template away from Python's internals but not from running
forever or filling memory: two nested ``range(10**5)`` loops run for hours,
``{{ "x" * 10**10 }}`` asks for 10 GB, and ``[a, a]`` nested ten deep
prints as a thousand copies of ``a``. A template comes from git, so from
anyone who can push; here every render is bounded:

- at most MAX_STEPS steps (loop iterations, calls, filters, operators);
- at most MAX_SECONDS of time, checked at every step;
- no string, list or output longer than MAX_LENGTH (characters or items),
  checked before the operations that could make one in a single step
  (``*``, ``+``, ``~``, ``%``, ``join``, ``replace``, ``center``, format
  widths, turning a structure into text) and after every other;
- integers of at most MAX_INT_BITS bits.

A template past a limit raises TemplateRenderError naming it; so does a
template that fails in any other way (``1 / 0``, an unsafe attribute).

>>> render("{% for n in names %}{{ n }} {% endfor %}", {"names": ["Ada", "Alan"]})
'Ada Alan '
>>> render("{% for a in range(10**5) %}{% for b in range(10**5) %}{% endfor %}{% endfor %}", {})
Traceback (most recent call last):
...
gitprompts.errors.TemplateRenderError: cannot render '{% for a in range(10**5) %}...': it took ...
"""

from __future__ import annotations

import functools
import inspect
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context, Macro, markup_join
from jinja2.sandbox import SandboxedEnvironment

from gitprompts.errors import GitPromptsError, TemplateRenderError

__all__ = [
    "MAX_INT_BITS",
    "MAX_LENGTH",
    "MAX_SECONDS",
    "MAX_STEPS",
    "bounded",
    "environment",
    "render",
]

# A loop iteration of a template costs about 0.3 us here, so a million steps
# is well under a second; a prompt's template needs a few hundred.
MAX_STEPS = 1_000_000
# The backstop for steps that are each slow (a filter over a long string).
MAX_SECONDS = 5.0
# 8 Mi characters is about 2 million tokens, past any model's context.
MAX_LENGTH = 1 << 23
MAX_INT_BITS = 4096
# A macro call costs about 5 us, some fifteen loop iterations: it counts as 10
# steps, so a macro calling itself twice per call stops within a second.
_MACRO_STEPS = 10


class _LimitReached(Exception):
    """A render went past a limit (internal: ``render`` turns it into TemplateRenderError)."""


@dataclass
class _Budget:
    steps: int
    deadline: float


_budget: ContextVar[_Budget | None] = ContextVar("gitprompts_render_budget", default=None)


def _step(count: int = 1) -> _Budget | None:
    """Spend ``count`` steps of the current render; None outside a render (nothing is bounded)."""
    budget = _budget.get()
    if budget is None:
        return None
    budget.steps -= count
    if budget.steps < 0:
        raise _LimitReached(
            f"it took more than {MAX_STEPS:,} steps (loop iterations, calls, filters and "
            "operators); a prompt template may take at most that many"
        )
    if time.monotonic() > budget.deadline:
        raise _LimitReached(f"it ran for more than {MAX_SECONDS:g} seconds")
    return budget


def _fits(length: int, what: str) -> None:
    if length > MAX_LENGTH:
        raise _LimitReached(
            f"{what} would make {length:,} characters or items; the limit is {MAX_LENGTH:,}"
        )


def _checked(value: Any) -> Any:
    """``value``, once it is known to be within MAX_LENGTH and MAX_INT_BITS."""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        _fits(len(value), f"a {type(value).__name__}")
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _LimitReached(
            f"an integer of {value.bit_length():,} bits (the limit is {MAX_INT_BITS})"
        )
    return value


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _text_length(value: Any, lengths: dict[int, int] | None = None) -> int:
    """About how long ``str(value)`` is, without building it.

    A structure can hold one list many times (``[a, a]``), and its text
    repeats it each time: ten such levels are 1,024 copies. Each structure is
    measured once (by id, in ``lengths``) and the count stops past MAX_LENGTH,
    so this walks at most some millions of items.
    """
    if isinstance(value, (str, bytes)):
        return len(value)
    if not isinstance(value, _CONTAINERS):
        return 8
    if lengths is None:
        lengths = {}
    key = id(value)
    if key in lengths:
        return lengths[key]
    lengths[key] = 5  # a structure inside itself prints as '[...]'
    total = 2
    items: Iterable[Any] = (
        (part for pair in value.items() for part in pair) if isinstance(value, dict) else value
    )
    for item in items:
        total += _text_length(item, lengths) + 2
        if total > MAX_LENGTH:
            break
    lengths[key] = total
    return total


def _as_text(value: Any, what: str) -> None:
    """Refuse turning ``value`` into text when the text would be over MAX_LENGTH."""
    if isinstance(value, _CONTAINERS):
        _fits(_text_length(value), what)


# -- operators -------------------------------------------------------------------------

_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def _check_printf(fmt: str, values: Any) -> None:
    """Refuse ``fmt % values`` (also the ``format`` filter) when its result would be too long."""
    args = (
        list(values.values())
        if isinstance(values, Mapping)
        else list(values)
        if isinstance(values, tuple)
        else [values]
    )
    specs = 0
    total = len(fmt)
    for match in _PRINTF.finditer(fmt):
        specs += 1
        for number in match.groups():
            if number == "*":
                total += max((a for a in args if isinstance(a, int)), default=0)
            elif number:
                total += int(number) if len(number) <= 9 else MAX_LENGTH + 1
    lengths: dict[int, int] = {}
    longest = max((_text_length(a, lengths) for a in args), default=0)
    _fits(total + specs * longest, "'%' formatting")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    sized = (str, bytes, list, tuple)
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, sized) and isinstance(times, int):
                _fits(len(sequence) * max(times, 0), "'*'")
        both_int = isinstance(left, int) and isinstance(right, int)
        if both_int and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _LimitReached(f"'*' would make an integer over {MAX_INT_BITS} bits")
    elif operator == "**":
        grows = isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1
        if grows and (right > MAX_INT_BITS or right * left.bit_length() > MAX_INT_BITS):
            raise _LimitReached(f"'**' would make an integer over {MAX_INT_BITS} bits")
    elif operator == "+":
        if isinstance(left, sized) and isinstance(right, sized):
            _fits(len(left) + len(right), "'+'")
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


# -- filters, globals and methods whose output can be far longer than their input ----


def _bind(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Bind a filter's arguments to its parameter names (``value``, ``width``...).

    A filter with an async variant is a wrapper that takes jinja2's context
    first and drops it, while its signature is the plain function's.
    """
    plain = getattr(func, "__wrapped__", None)
    if plain is not None and getattr(plain, "jinja_pass_arg", None) is None:
        args = args[1:]
    bound = inspect.signature(func).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _check_center(a: Mapping[str, Any]) -> None:
    _fits(_int(a["width"]), "center")


def _check_indent(a: Mapping[str, Any]) -> None:
    text, width = a["s"], a["width"]
    if isinstance(text, str):
        indent = len(width) if isinstance(width, str) else _int(width)
        _fits(len(text) + (text.count("\n") + 1) * indent, "indent")


def _check_replace(a: Mapping[str, Any]) -> None:
    text, old, new, count = a["s"], a["old"], a["new"], a["count"]
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        _fits(len(text) + times * max(len(new) - len(old), 0), "replace")


def _check_wordwrap(a: Mapping[str, Any]) -> None:
    text, wrap = a["s"], a["wrapstring"]
    if isinstance(text, str) and isinstance(wrap, str):
        _fits(len(text) * (1 + len(wrap)), "wordwrap")


def _check_batch(a: Mapping[str, Any]) -> None:
    _fits(_int(a["linecount"]), "batch")


def _check_slice(a: Mapping[str, Any]) -> None:
    _fits(_int(a["slices"]), "slice")
    _step(_int(a["slices"]))  # it loops once per slice


def _check_tojson(a: Mapping[str, Any]) -> None:
    indent = a["indent"]
    width = len(indent) if isinstance(indent, str) else _int(indent)
    if width > 64:
        raise _LimitReached(f"tojson indent of {width} (at most 64)")


def _check_format(a: Mapping[str, Any]) -> None:
    if isinstance(a["value"], str):
        _check_printf(a["value"], a["kwargs"] or a["args"])


def _check_lipsum(a: Mapping[str, Any]) -> None:
    _fits(_int(a["n"]) * max(_int(a["min"]), _int(a["max"])) * 12, "lipsum")


_AMPLIFIERS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "center": _check_center,
    "indent": _check_indent,
    "replace": _check_replace,
    "wordwrap": _check_wordwrap,
    "batch": _check_batch,
    "slice": _check_slice,
    "tojson": _check_tojson,
    "format": _check_format,
}
# Filters that turn their value into text (str(), escape, JSON...).
_TEXT_FILTERS = frozenset(
    {
        *("capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower"),
        *("pprint", "replace", "safe", "string", "striptags", "title", "tojson", "trim"),
        *("truncate", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"),
    }
)


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    amplifier = _AMPLIFIERS.get(name)
    # The value a filter works on comes after what jinja2 passes first.
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if _step() is not None:
            value = args[offset] if len(args) > offset else None
            if name == "join":
                items = list(value) if isinstance(value, Iterable) else value
                args = (*args[:offset], items, *args[offset + 1 :])
                _check_join(items, _bind(func, args, kwargs).arguments)
            elif name in _TEXT_FILTERS:
                _as_text(value, f"the {name} filter")
            if amplifier is not None:
                amplifier(_bind(func, args, kwargs).arguments)
        return _checked(func(*args, **kwargs))

    return bounded


def _check_join(items: Any, a: Mapping[str, Any]) -> None:
    if isinstance(items, list) and a["attribute"] is None:
        separator = a["d"] if isinstance(a["d"], str) else ""
        lengths: dict[int, int] = {}
        length = sum(_text_length(item, lengths) for item in items)
        _fits(length + len(separator) * max(len(items) - 1, 0), "join")


def _check_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Pre-check a call of a method of a built-in value: what it would make."""
    wrapped = getattr(method, "__wrapped__", method)  # str.format comes wrapped by jinja2
    receiver = getattr(wrapped, "__self__", None)
    if not isinstance(receiver, (str, bytes, int)):
        return
    name = getattr(wrapped, "__name__", "")
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
    if name in _SIZED_BY_NUMBER and any(n > MAX_LENGTH for n in numbers):
        raise _LimitReached(f"{name}() was given a number over {MAX_LENGTH:,}")
    if not isinstance(receiver, (str, bytes)):
        return
    lengths: dict[int, int] = {}
    if name == "expandtabs":
        tabs = receiver.count("\t") if isinstance(receiver, str) else receiver.count(b"\t")
        _fits(len(receiver) + tabs * max(numbers, default=8), name)
    elif name == "replace" and isinstance(receiver, str) and len(args) >= 2:
        _check_replace({"s": receiver, "old": args[0], "new": args[1], "count": -1})
    elif name == "join" and args and isinstance(args[0], (list, tuple)):
        text = sum(_text_length(item, lengths) for item in args[0])
        _fits(text + len(receiver) * len(args[0]), name)
    elif name in ("format", "format_map") and isinstance(receiver, str):
        widths = sum(int(w) if len(w) <= 9 else MAX_LENGTH for w in re.findall(r"\d+", receiver))
        longest = max((_text_length(a, lengths) for a in _format_args(args, kwargs)), default=0)
        _fits(len(receiver) + widths + receiver.count("{") * longest, name)
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((_text_length(v, lengths) for v in args[0].values()), default=1)
        _fits(len(receiver) * max(longest, 1), name)


# Methods of str, bytes and int whose result is as long as a number they are given.
_SIZED_BY_NUMBER = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "to_bytes"})


def _format_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    values = [*args, *kwargs.values()]
    if len(args) == 1 and isinstance(args[0], Mapping):  # format_map
        values += list(args[0].values())
    return values


# -- the environment ---------------------------------------------------------------------


class _CodeGenerator(CodeGenerator):
    """jinja2's compiler, with every loop counted and every ``~`` checked."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        # for x in environment.gitprompts_counted(ITER): jinja2 forbids new node
        # types, but a call of an environment attribute is one of its own.
        counted = nodes.EnvironmentAttribute("gitprompts_counted", lineno=node.lineno)
        if not (isinstance(node.iter, nodes.Call) and node.iter.node == counted):
            node.iter = nodes.Call(counted, [node.iter], [], None, None, lineno=node.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.gitprompts_concat(context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(SandboxedEnvironment):
    """MLflow's sandbox (defaults unchanged), with the limits of this module."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        # optimized=False: jinja2 would otherwise run filters on constants while
        # compiling, outside any budget ("x"|center(999999999) is 1 GB).
        super().__init__(optimized=False, finalize=_finalize)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        lipsum: Callable[..., Any] = self.globals["lipsum"]  # type: ignore[assignment]
        self.globals["lipsum"] = functools.wraps(lipsum)(
            lambda *a, **k: _checked_call(lipsum, _check_lipsum, a, k)
        )

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _step()
        _check_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if _step(_MACRO_STEPS if isinstance(obj, Macro) else 1) is not None:
            _check_method(obj, args, kwargs)
        result = super().call(context, obj, *args, **kwargs)
        receiver = getattr(obj, "__self__", None)
        if isinstance(receiver, _CONTAINERS):  # list.extend and the like grow their list
            _checked(receiver)
        return _checked(result)

    def gitprompts_counted(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _step()
            yield item

    def gitprompts_concat(self, context: Context, parts: tuple[Any, ...]) -> str:
        _step()
        lengths: dict[int, int] = {}
        _fits(sum(_text_length(p, lengths) for p in parts), "'~'")
        if context.eval_ctx.autoescape:
            return str(_checked(markup_join(parts)))
        return _checked("".join(map(str, parts)))  # type: ignore[no-any-return]


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` passes here before it becomes text."""
    _as_text(value, "printing a structure")
    return value


def _checked_call(
    func: Callable[..., Any],
    check: Callable[[Mapping[str, Any]], None],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    if _step() is not None:
        check(_bind(func, args, kwargs).arguments)
    return _checked(func(*args, **kwargs))


@functools.lru_cache(maxsize=1)
def environment() -> BoundedEnvironment:
    """The one environment every template is parsed and rendered with."""
    return BoundedEnvironment()


def _compiled(text: str) -> Template:
    """The compiled template; small ones are kept, as a prompt is formatted many times."""
    if len(text) <= _CACHED_LENGTH:
        return _compiled_small(text)
    return environment().from_string(text)


# Compiling is slow (0.7 s for a 17 kB template, here) and its code small
# (0.26 MB for that one): up to 64 templates of up to 32 kB are kept.
_CACHED_LENGTH = 32 << 10
_compiled_small = functools.lru_cache(maxsize=64)(lambda text: environment().from_string(text))


@contextmanager
def bounded() -> Iterator[None]:
    """One budget for every render inside the block (a chat prompt's messages share one).

    >>> with bounded():
    ...     render("{% if x %}a{% endif %}", {"x": 1}) + render("{% if x %}b{% endif %}", {})
    'a'
    """
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(MAX_STEPS, time.monotonic() + MAX_SECONDS))
    try:
        yield
    finally:
        _budget.reset(token)


def render(text: str, values: Mapping[str, Any]) -> str:
    """``text`` rendered with ``values``, within the limits; TemplateRenderError otherwise."""
    try:
        with bounded():
            budget = _budget.get()
            assert budget is not None
            # Compiling runs inside the budget (jinja2 evaluates constant
            # expressions while compiling) but off the clock: it takes as long
            # as the template is large, which decode bounds.
            started = time.monotonic()
            template = _compiled(text)
            budget.deadline += time.monotonic() - started
            chunks: list[str] = []
            length = 0
            for chunk in template.generate(**values):
                length += len(chunk)
                _fits(length, "the output")
                chunks.append(chunk)
            return "".join(chunks)
    except _LimitReached as exc:
        raise TemplateRenderError(text, str(exc)) from None
    except GitPromptsError:
        raise
    except RecursionError:
        raise TemplateRenderError(text, "macros or blocks call themselves too deeply") from None
    except Exception as exc:  # a template failing in any other way is the template's fault
        raise TemplateRenderError(text, f"{type(exc).__name__}: {exc}") from exc
