"""``gitprompts.pyfunc``: any callable, or any object with ``predict`` (as ``mlflow.pyfunc``).

``load_model`` returns a ``PyFuncModel`` whose ``predict`` runs the model
with its prompts pinned; like ``mlflow.pyfunc.load_model`` it also loads
models of other flavors behind the same ``predict``. The flavor itself lives
in ``gitprompts.models.flavors.pyfunc``.

>>> info = gitprompts.pyfunc.log_model(lambda q: q.upper(), name="shout")  # doctest: +SKIP
>>> gitprompts.pyfunc.load_model(info.model_uri).predict("hi")          # doctest: +SKIP
'HI'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gitprompts.models.api import load_raw
from gitprompts.models.api import log_model as _log_model
from gitprompts.models.flavors.pyfunc import PyFuncModel

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["PyFuncModel", "load_model", "log_model"]


def log_model(
    python_model: Any,
    name: str = "model",
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
) -> ModelInfo:
    """``gitprompts.log_model`` with the pyfunc flavor.

    >>> gitprompts.pyfunc.log_model("agent.py", name="agent")    # doctest: +SKIP
    """
    return _log_model(python_model, name, prompts, code_paths, flavor="pyfunc")


def load_model(model_uri: str | os.PathLike[str], strict: bool = False) -> PyFuncModel:
    """Load any logged model behind ``predict`` (pins active during each call).

    >>> gitprompts.pyfunc.load_model("models:/<id>").predict({"q": "hi"})   # doctest: +SKIP
    """
    model, pins, info = load_raw(model_uri, strict, flavor="pyfunc")
    return PyFuncModel(model, pins, info)
