"""``gitprompts.openai``: OpenAI chat models that pin their prompts (as ``mlflow.openai``).

``log_model(model, task, name=..., prompts=..., messages=..., **openai_kwargs)``
stores the model name, the task, the messages and the request parameters as
JSON (never an API key: the client reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` where the model is loaded). A message may be a registry
prompt (a ``PromptVersion`` or ``"prompts:/name@alias"``), pinned with the
model; ``model`` may also be the path of a script that builds its own
``openai.OpenAI()`` client and calls ``gitprompts.set_model``. The flavor
itself lives in ``gitprompts.models.flavors.openai``. Needs the ``openai``
extra: ``pip install 'gitprompts[openai]'``.

>>> info = gitprompts.openai.log_model(                                  # doctest: +SKIP
...     "gpt-4o-mini", "chat.completions", name="model",
...     messages="prompts:/support-chat@production", temperature=0.1)
>>> gitprompts.openai.load_model(info.model_uri).predict({"question": "Hi"})  # doctest: +SKIP
['Hello! How can I help?']
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gitprompts.models.api import load_raw
from gitprompts.models.api import log_model as _log_model
from gitprompts.models.flavors.extras import require
from gitprompts.models.flavors.openai import EXTRA, OpenAIModel, make_spec, prompt_uris, wrap

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["OpenAIModel", "autolog", "load_model", "log_model"]


def log_model(
    model: Any,
    task: Any = "chat.completions",
    name: str = "model",
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    *,
    messages: Any = None,
    model_config: dict[str, Any] | None = None,
    **openai_kwargs: Any,
) -> ModelInfo:
    """Log an OpenAI model (as ``mlflow.openai.log_model``), its prompts pinned.

    ``model`` is a model name (``"gpt-4o-mini"``) with ``task`` (only
    ``"chat.completions"`` / ``openai.chat.completions``), ``messages`` (dicts
    with ``{variables}``, registry prompts, or one prompt URI) and request
    parameters from ``model_config`` and ``openai_kwargs``; or the path of a
    models-from-code script. Prompts named in ``messages`` are pinned as if
    given in ``prompts=``.

    >>> gitprompts.openai.log_model("gpt-4o-mini", "chat.completions",   # doctest: +SKIP
    ...     messages=[{"role": "system", "content": prompt}, {"role": "user", "content": "{q}"}])
    """
    require("openai", EXTRA, "the openai flavor")
    if isinstance(model, os.PathLike) or (isinstance(model, str) and model.endswith(".py")):
        return _log_model(model, name, prompts, code_paths, flavor="openai")
    spec = make_spec(model, task, messages, {**(model_config or {}), **openai_kwargs})
    pinned = [*(prompts or []), *prompt_uris(spec)]
    return _log_model(OpenAIModel(spec), name, pinned or None, code_paths, flavor="openai")


def load_model(model_uri: str | os.PathLike[str], strict: bool = False) -> Any:
    """The logged ``OpenAIModel`` (or a script's model behind ``predict``), prompts pinned.

    >>> gitprompts.openai.load_model("models:/3f9c2a1").predict("Hi")    # doctest: +SKIP
    """
    require("openai", EXTRA, "the openai flavor")
    model, pins, info = load_raw(model_uri, strict, flavor="openai")
    return wrap(model, pins, info)


def autolog(disable: bool = False) -> None:
    """Trace every chat completion (``openai.OpenAI().chat.completions.create``, sync and
    async) and every loaded openai model's ``predict``, as ``mlflow.openai.autolog()`` does
    (``disable=True`` stops it).

    Spans carry the GenAI attributes and the registry prompt versions used
    (for a loaded model, the pinned ones); see ``gitprompts.tracing.autolog``
    for where they go. Needs the ``tracing`` extra.

    >>> gitprompts.openai.autolog()   # doctest: +SKIP
    """
    from gitprompts import tracing

    tracing.flavor_autolog("openai", disable=disable)
