"""Model flavors: a fixed table from name to module, imported on first use.

As pre-commit does for its languages: each flavor is one module that
implements ``Flavor`` (``base.py``); this table is the only list of them,
and a flavor's heavy imports (LangChain) happen only when it is used.

>>> sorted(FLAVORS)
['langchain', 'pyfunc']
>>> get("pyfunc").PACKAGES
('cloudpickle',)
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, cast

from gitprompts.errors import InvalidInputError, InvalidModelError

if TYPE_CHECKING:
    from gitprompts.models.flavors import langchain as _langchain
    from gitprompts.models.flavors import pyfunc as _pyfunc
    from gitprompts.models.flavors.base import Flavor

    # mypy checks every module of the table against the protocol here.
    _langchain_flavor: Flavor = _langchain
    _pyfunc_flavor: Flavor = _pyfunc

FLAVORS: dict[str, str] = {
    "langchain": "gitprompts.models.flavors.langchain",
    "pyfunc": "gitprompts.models.flavors.pyfunc",
}


def get(name: str) -> Flavor:
    """The flavor module called ``name``; InvalidInputError naming the known ones otherwise."""
    module = FLAVORS.get(name)
    if module is None:
        known = ", ".join(sorted(FLAVORS))
        raise InvalidInputError(f"unknown flavor {name!r}: expected one of {known}")
    return cast("Flavor", importlib.import_module(module))


def detect(model: Any) -> str:
    """``langchain`` for LangChain runnables and LangGraph graphs, else ``pyfunc``.

    LangChain is looked up in ``sys.modules``, never imported: an object can
    only be a runnable if LangChain is loaded already.

    >>> detect(len)
    'pyfunc'
    """
    runnables = sys.modules.get("langchain_core.runnables")
    if runnables is not None and isinstance(model, runnables.Runnable):
        return "langchain"
    if callable(model) or callable(getattr(model, "predict", None)):
        return "pyfunc"
    raise InvalidModelError(
        model,
        "expected a callable, an object with predict(), a LangChain runnable or a LangGraph graph, "
        "or the path of a script that calls gitprompts.set_model(...)",
    )
