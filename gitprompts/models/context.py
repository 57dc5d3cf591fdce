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
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from gitprompts.errors import InvalidInputError
from gitprompts.models.config_file import read_yaml

__all__ = ["ModelConfig", "PythonModel", "PythonModelContext"]

# The model_config of the models-from-code script being run (by log_model or
# load_model), for ModelConfig() in that script.
_config: ContextVar[dict[str, Any] | None] = ContextVar("gitprompts_model_config", default=None)


@contextmanager
def configured(config: dict[str, Any] | None) -> Iterator[None]:
    """Let ``ModelConfig()`` in a script run inside this block read ``config``."""
    token = _config.set(config)
    try:
        yield
    finally:
        _config.reset(token)


class ModelConfig:
    """A models-from-code script's configuration (``mlflow.models.ModelConfig``).

    While ``log_model``/``load_model`` run the script it reads their
    ``model_config`` (the logged one, or the one given to ``load_model``);
    run by hand, it reads ``development_config`` (a dict, or a YAML/JSON file).

    >>> ModelConfig(development_config={"temperature": 0.1}).get("temperature")
    0.1
    >>> with configured({"temperature": 0.7}):
    ...     ModelConfig(development_config={"temperature": 0.1}).to_dict()
    {'temperature': 0.7}
    """

    def __init__(self, *, development_config: str | dict[str, Any] | None = None) -> None:
        self._development = development_config
        # Captured when made (at the script's import, as MLflow does), so a
        # get() at predict time still sees the config the model was loaded with.
        self._active = _config.get()

    def _read_config(self) -> dict[str, Any]:
        if self._active is not None:
            return self._active
        found: object = self._development
        if isinstance(found, (str, os.PathLike)):
            found = read_yaml(found, "development_config")
        if not isinstance(found, dict):
            raise InvalidInputError(
                "no model config: log or load the model with model_config=..., or give "
                f"ModelConfig(development_config=...) a dict or a YAML file, not {found!r}"
            )
        return found

    def get(self, key: str) -> Any:
        """The value of a top-level key; KeyError naming the config otherwise (as MLflow)."""
        config = self._read_config()
        if key in config:
            return config[key]
        raise KeyError(f"Key {key!r} not found in configuration: {config}.")

    def to_dict(self) -> dict[str, Any]:
        return dict(self._read_config())


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
