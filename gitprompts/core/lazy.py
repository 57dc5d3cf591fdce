"""Lazy public names (PEP 562): a package imports what it re-exports on first use.

``import gitprompts`` -- and with it ``gitprompts --help`` -- must not pay for
YAML, msgspec or libgit2, so the packages that re-export a public API name
each attribute's home module in a table and import it when first asked.

>>> import types
>>> pkg = types.ModuleType("pkg")
>>> pkg.__getattr__, pkg.__dir__ = exports(pkg.__dict__, {"dedent": "textwrap", "shlex": "shlex"})
>>> pkg.dedent("  x")
'x'
>>> pkg.shlex.quote("a b")
"'a b'"
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(
    namespace: dict[str, Any], table: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a module whose ``namespace`` re-exports ``table``.

    ``table`` maps each public name to the module that defines it (relative
    names resolve against the package); a name that is the last part of its
    module path is the module itself. The value is cached in ``namespace``,
    so each name costs one import, once.
    """
    package = namespace.get("__package__") or namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        imported = importlib.import_module(module, package)
        is_module = module.rpartition(".")[2] == name
        value = imported if is_module else getattr(imported, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *table})

    return __getattr__, __dir__
