"""``gitprompts.dspy``: DSPy programs that pin their prompts (as ``mlflow.dspy``).

``log_model(dspy_model, name=..., prompts=...)`` saves a program with DSPy's
own ``save`` (an optimized program's compiled state included), or stores a
script that builds one from registry prompts (models-from-code, prompts
captured). The flavor itself lives in ``gitprompts.models.flavors.dspy``.
Needs the ``dspy`` extra: ``pip install 'gitprompts[dspy]'``.

>>> qa = dspy.Predict(dspy.Signature("question -> answer",                 # doctest: +SKIP
...                   gitprompts.load_prompt("qa-instructions/2").template))
>>> info = gitprompts.dspy.log_model(qa, name="qa", prompts=["qa-instructions/2"])  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gitprompts.models.api import load_raw
from gitprompts.models.api import log_model as _log_model
from gitprompts.models.flavors.dspy import EXTRA, FEATURE, wrap
from gitprompts.models.flavors.extras import require

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["autolog", "load_model", "log_model"]


def log_model(
    dspy_model: Any,
    name: str = "model",
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
) -> ModelInfo:
    """Log a DSPy module or program (or a script that builds one), its prompts pinned.

    >>> gitprompts.dspy.log_model("qa_program.py", name="qa")   # doctest: +SKIP
    """
    require("dspy", EXTRA, FEATURE)
    return _log_model(dspy_model, name, prompts, code_paths, flavor="dspy")


def load_model(model_uri: str | os.PathLike[str], strict: bool = False) -> Any:
    """The program, whose calls (``__call__``, ``acall``) see the pinned prompts.

    >>> program = gitprompts.dspy.load_model(info.model_uri)   # doctest: +SKIP
    >>> program(question="What is a tag?").answer              # doctest: +SKIP
    """
    require("dspy", EXTRA, FEATURE)
    model, pins, info = load_raw(model_uri, strict, flavor="dspy")
    return wrap(model, pins, info)


def autolog(disable: bool = False) -> None:
    """Trace every DSPy module call (``forward``) and LM call, as ``mlflow.dspy.autolog()``
    does (``disable=True`` stops it).

    Spans carry the GenAI attributes and the registry prompt versions used
    (for a loaded model, the pinned ones); see ``gitprompts.tracing.autolog``
    for where they go. Needs the ``tracing`` extra.

    >>> gitprompts.dspy.autolog()   # doctest: +SKIP
    """
    from gitprompts import tracing

    tracing.flavor_autolog("dspy", disable=disable)
