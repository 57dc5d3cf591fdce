"""``gitprompts.llama_index``: LlamaIndex models that pin their prompts (as ``mlflow.llama_index``).

``log_model(index, name=..., engine_type=..., model_config=..., prompts=...)``
stores an index with LlamaIndex's own persistence; a setting in
``model_config`` may name a registry prompt (``"text_qa_template":
"prompts:/qa@production"``), pinned with the model. Engines and workflows
are logged from a script (models-from-code). ``prompt_template(prompt)``
turns a registry prompt into a LlamaIndex template, literal braces kept.
The flavor itself lives in ``gitprompts.models.flavors.llama_index``. Needs
the ``llama-index`` extra: ``pip install 'gitprompts[llama-index]'``.

>>> info = gitprompts.llama_index.log_model(  # doctest: +SKIP
...     index, name="index", engine_type="query",
...     model_config={"text_qa_template": "prompts:/qa@production"})
>>> gitprompts.pyfunc.load_model(info.model_uri).predict("What is a tag?")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gitprompts.errors import InvalidInputError
from gitprompts.models.api import load_raw
from gitprompts.models.api import log_model as _log_model
from gitprompts.models.flavors.extras import require
from gitprompts.models.flavors.llama_index import (
    EXTRA,
    FEATURE,
    IndexModel,
    prompt_template,
    wrap,
)

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["autolog", "load_model", "log_model", "prompt_template"]


def log_model(
    llama_index_model: Any,
    name: str = "model",
    engine_type: str | None = None,
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    model_config: dict[str, Any] | None = None,
) -> ModelInfo:
    """Log an index (or a script building an engine or workflow), its prompts pinned.

    ``engine_type`` (``query``, ``chat``, ``retriever``) and ``model_config``
    (``as_query_engine`` settings, prompt references allowed) say how
    ``predict`` uses the index.

    >>> gitprompts.llama_index.log_model("engine.py", name="engine")  # doctest: +SKIP
    """
    require("llama_index.core", EXTRA, FEATURE)
    if isinstance(llama_index_model, (str, os.PathLike)):
        if engine_type is not None or model_config is not None:
            raise InvalidInputError(
                "engine_type= and model_config= are for an index object; a script builds "
                "its engine or workflow itself and passes it to gitprompts.set_model(...)"
            )
        return _log_model(llama_index_model, name, prompts, code_paths, flavor="llama_index")
    spec = IndexModel(llama_index_model, engine_type, model_config)
    pinned = [*(prompts or []), *spec.templates.values()]
    return _log_model(spec, name, pinned or None, code_paths, flavor="llama_index")


def load_model(model_uri: str | os.PathLike[str], strict: bool = False) -> Any:
    """The index (or the script's engine or workflow), with its prompts pinned.

    >>> index = gitprompts.llama_index.load_model(info.model_uri)   # doctest: +SKIP
    >>> index.as_query_engine().query("What is a tag?")            # doctest: +SKIP
    """
    require("llama_index.core", EXTRA, FEATURE)
    model, pins, info = load_raw(model_uri, strict, flavor="llama_index")
    return wrap(model, pins, info)


def autolog(disable: bool = False) -> None:
    """Trace LlamaIndex's query, retrieval and LLM steps and every loaded model's
    ``predict``, as ``mlflow.llama_index.autolog()`` does (``disable=True`` stops it).

    Spans carry the GenAI attributes and the registry prompt versions used
    (for a loaded model, the pinned ones); see ``gitprompts.tracing.autolog``
    for where they go. Needs the ``tracing`` extra.

    >>> gitprompts.llama_index.autolog()   # doctest: +SKIP
    """
    from gitprompts import tracing

    tracing.flavor_autolog("llama_index", disable=disable)
