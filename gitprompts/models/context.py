"""``PythonModel`` and ``PythonModelContext``, as in ``mlflow.pyfunc``.

Subclass ``PythonModel`` and implement ``predict``; ``load_model`` calls
``load_context(context)`` once, then each ``predict`` is called in whichever
of MLflow's two forms the subclass defines: ``predict(self, context,
model_input, params=None)`` or the newer ``predict(self, model_input,
params=None)``. ``context.artifacts`` maps each name given in
``log_model(artifacts={name: path})`` to a local copy of that file or
directory (verified against the manifest, private to this process), and
``context.model_config`` is the ``model_config`` given to ``log_model``,
or the one given to ``load_model``, which replaces it.

>>> class Echo(PythonModel):
...     def load_context(self, context):
...         self.prefix = context.model_config["prefix"]
...     def predict(self, context, model_input, params=None):
...         return [self.prefix + text for text in model_input]
>>> model = Echo()
>>> context = PythonModelContext(artifacts={}, model_config={"prefix": "> "})
>>> model.load_context(context)
>>> call_predict(model, context, ["hi"], None)
['> hi']
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["PythonModel", "PythonModelContext"]


class PythonModelContext:
    """What ``load_context`` and ``predict`` receive: ``artifacts`` and ``model_config``."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None) -> None:
        self._artifacts = dict(artifacts)
        self._model_config = dict(model_config or {})

    @property
    def artifacts(self) -> dict[str, str]:
        """Artifact name -> absolute local path of its verified copy."""
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any]:
        return self._model_config

    def __repr__(self) -> str:
        return f"<PythonModelContext: artifacts={sorted(self._artifacts)}>"


class PythonModel:
    """Base class of a custom pyfunc model (``mlflow.pyfunc.PythonModel``)."""

    def load_context(self, context: PythonModelContext) -> None:
        """Called once by ``load_model``, before the first ``predict``; read artifacts here."""

    def predict(self, context: PythonModelContext, model_input: Any, params: Any = None) -> Any:
        """Return the model's output for ``model_input`` (override this)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement predict()")


def _accepts(method: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def _with_context(method: Callable[..., Any]) -> bool:
    """True for MLflow's older form, ``predict(self, context, model_input, ...)``."""
    try:
        parameters = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return False
    return bool(parameters) and parameters[0] == "context"


def call_predict(
    model: Any,
    context: PythonModelContext,
    data: Any,
    params: dict[str, Any] | None,
    method: str = "predict",
) -> Any:
    """Call ``model.<method>`` in the form its subclass defines (MLflow checks the same way)."""
    bound = getattr(model, method)
    args = (context, data) if _with_context(bound) else (data,)
    if params is not None and _accepts(bound, "params"):
        return bound(*args, params=params)
    return bound(*args)
