"""The ``langchain`` flavor: LangChain runnables and LangGraph compiled graphs.

Objects are stored with LangChain's own serialisation (``langchain_core.load``)
when every part of them supports it, and with cloudpickle otherwise; scripts
(models-from-code) are stored as code. ``load_model`` returns the
runnable or graph itself, whose ``invoke``/``ainvoke``/``batch``/``stream``
run with the model's prompts pinned.

Needs the ``langchain`` extra: ``pip install 'gitprompts[langchain]'``.

>>> info = gitprompts.langchain.log_model("chatbot.py", name="graph")   # doctest: +SKIP
>>> graph = gitprompts.langchain.load_model(info.model_uri)             # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import warnings
from typing import TYPE_CHECKING, Any

from gitprompts.errors import ModelError
from gitprompts.models.flavors import pyfunc
from gitprompts.models.flavors.pinning import pinned, pinned_astream, pinned_async, pinned_stream
from gitprompts.models.pins import PinSet

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo

PACKAGES: tuple[str, ...] = ("langchain-core", "langgraph", "cloudpickle")
JSON_ENTRY = "model.json"


def _serialisable(node: Any) -> bool:
    """False if LangChain's dump holds a part it could not serialise."""
    if isinstance(node, dict):
        if node.get("type") == "not_implemented":
            return False
        return all(_serialisable(v) for v in node.values())
    if isinstance(node, list):
        return all(_serialisable(v) for v in node)
    return True


def serialise(model: Any) -> tuple[str, str, dict[str, bytes]]:
    """LangChain JSON when the whole object supports it, cloudpickle otherwise."""
    from langchain_core.load import dumpd

    try:
        dumped = dumpd(model)
    except Exception:
        dumped = None
    if dumped is not None and _serialisable(dumped):
        data = json.dumps(dumped, sort_keys=True, separators=(",", ":")).encode()
        return "langchain-json", JSON_ENTRY, {JSON_ENTRY: data}
    return pyfunc.serialise(model)


def _namespaces(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ident = node.get("id")
        if node.get("lc") == 1 and isinstance(ident, list) and ident:
            found.add(str(ident[0]))
        for value in node.values():
            _namespaces(value, found)
    elif isinstance(node, list):
        for value in node:
            _namespaces(value, found)
    return found


def deserialise(loader: str, data: bytes, where: str) -> Any:
    if loader != "langchain-json":
        return pyfunc.deserialise(loader, data, where)
    try:
        from langchain_core._api.beta_decorator import LangChainBetaWarning
        from langchain_core.load import loads
    except ImportError as exc:
        raise ModelError(
            f"{where} is a LangChain model and LangChain is not installed here ({exc}): "
            "pip install 'gitprompts[langchain]'"
        ) from None

    text = data.decode()
    namespaces = sorted(_namespaces(json.loads(text), set()) - {"langchain", "langchain_core"})
    try:
        with warnings.catch_warnings():
            # loads() is marked beta; that is LangChain's notice, not the user's problem.
            warnings.simplefilter("ignore", category=LangChainBetaWarning)
            # The bytes were verified against the model's manifest; what they may
            # construct is what was logged, so every class they name is allowed.
            return loads(
                text, allowed_objects="all", valid_namespaces=namespaces, secrets_from_env=True
            )
    except Exception as exc:
        raise ModelError(f"{where}: LangChain could not load the model ({exc})") from exc


_WRAPPERS = {
    "invoke": pinned,
    "batch": pinned,
    "ainvoke": pinned_async,
    "abatch": pinned_async,
    "stream": pinned_stream,
    "astream": pinned_astream,
}


def wrap(model: Any, pins: PinSet, info: ModelInfo) -> Any:
    """The runnable itself, with its entry points running under its pins."""
    for name, wrapper in _WRAPPERS.items():
        method = getattr(model, name, None)
        if method is None:
            continue
        # object.__setattr__: pydantic-based runnables refuse plain assignment
        # of non-fields, but an instance attribute shadows the class method.
        # Slotted objects cannot take one and keep import-time pins only.
        with contextlib.suppress(AttributeError, TypeError):
            object.__setattr__(model, name, wrapper(method, pins))
    return model
