"""Model flavors: a fixed table from name to module, imported on first use.

As pre-commit does for its languages: each flavor is one module that
implements ``Flavor`` (``base.py``); this table is the only list of them,
and a flavor's heavy imports (LangChain) happen only when it is used.

>>> sorted(FLAVORS)
['dspy', 'langchain', 'llama_index', 'openai', 'pyfunc']
>>> get("pyfunc").PACKAGES
('cloudpickle',)
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, cast

from gitprompts.errors import InvalidInputError, InvalidModelError

if TYPE_CHECKING:
    from gitprompts.models.flavors import dspy as _dspy
    from gitprompts.models.flavors import langchain as _langchain
    from gitprompts.models.flavors import llama_index as _llama_index
    from gitprompts.models.flavors import openai as _openai
    from gitprompts.models.flavors import pyfunc as _pyfunc
    from gitprompts.models.flavors.base import Flavor

    # mypy checks every module of the table against the protocol here.
    _langchain_flavor: Flavor = _langchain
    _pyfunc_flavor: Flavor = _pyfunc
    _openai_flavor: Flavor = _openai
    _llama_index_flavor: Flavor = _llama_index
    _dspy_flavor: Flavor = _dspy

FLAVORS: dict[str, str] = {
    "langchain": "gitprompts.models.flavors.langchain",
    "pyfunc": "gitprompts.models.flavors.pyfunc",
    "openai": "gitprompts.models.flavors.openai",
    "llama_index": "gitprompts.models.flavors.llama_index",
    "dspy": "gitprompts.models.flavors.dspy",
}


def get(name: str) -> Flavor:
    """The flavor module called ``name``; InvalidInputError naming the known ones otherwise."""
    module = FLAVORS.get(name)
    if module is None:
        known = ", ".join(sorted(FLAVORS))
        raise InvalidInputError(f"unknown flavor {name!r}: expected one of {known}")
    return cast("Flavor", importlib.import_module(module))


def detect(model: Any) -> str:
    """``langchain`` for LangChain runnables and LangGraph graphs, ``llama_index`` for
    LlamaIndex indexes, engines and workflows, ``dspy`` for DSPy modules, else ``pyfunc``.

    The libraries are looked up in ``sys.modules``, never imported: an object
    can only be one of theirs if the library is loaded already.

    >>> detect(len)
    'pyfunc'
    """
    runnables = sys.modules.get("langchain_core.runnables")
    if runnables is not None and isinstance(model, runnables.Runnable):
        return "langchain"
    for flavor, library in (("llama_index", "llama_index.core"), ("dspy", "dspy")):
        if library not in sys.modules:
            continue
        module: Any = get(flavor)  # owns(): only the flavors whose objects have no common base
        if module.owns(model):
            return flavor
    if callable(model) or callable(getattr(model, "predict", None)):
        return "pyfunc"
    raise InvalidModelError(
        model,
        "expected a callable, an object with predict(), a LangChain runnable or a LangGraph graph, "
        "or the path of a script that calls gitprompts.set_model(...)",
    )
