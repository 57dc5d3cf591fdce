"""The ``pyfunc`` flavor: any callable, or any object with ``predict``, serialised with cloudpickle.

``load_model`` returns a ``PyFuncModel`` whose ``predict`` runs the model
with its prompts pinned (as ``mlflow.pyfunc.load_model`` does, it also
loads models of other flavors behind the same ``predict``).

>>> info = gitprompts.pyfunc.log_model(lambda q: q.upper(), name="shout")  # doctest: +SKIP
>>> gitprompts.pyfunc.load_model(info.model_uri).predict("hi")          # doctest: +SKIP
'HI'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gitprompts.errors import InvalidModelError, ModelError
from gitprompts.models.context import PythonModelContext, call_predict
from gitprompts.models.pins import PinSet, activate
from gitprompts.models.signature import enforce

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo

PACKAGES: tuple[str, ...] = ("cloudpickle",)
ENTRY = "model.pkl"


def serialise(model: Any) -> tuple[str, str, dict[str, bytes]]:
    """``("pickle", entry, files)`` for ``model``; InvalidModelError if it cannot be pickled."""
    import cloudpickle

    try:
        data: bytes = cloudpickle.dumps(model)
    except Exception as exc:
        reason = f"cloudpickle cannot serialise it ({type(exc).__name__}: {exc})"
        raise InvalidModelError(model, reason) from None
    return "pickle", ENTRY, {ENTRY: data}


def deserialise(loader: str, data: bytes, where: str) -> Any:
    import cloudpickle

    if loader != "pickle":
        raise ModelError(f"{where}: the pyfunc flavor cannot load {loader!r} models")
    try:
        return cloudpickle.loads(data)
    except Exception as exc:
        raise ModelError(
            f"{where}: unpickling failed ({type(exc).__name__}: {exc}); the model may need "
            "packages that are not installed here"
        ) from exc


class PyFuncModel:
    """A loaded model behind ``predict``, run with its prompts pinned (MLflow's ``PyFuncModel``).

    ``predict`` checks its input against the model's signature first (as
    MLflow does), then calls the model: a ``PythonModel`` in whichever of
    MLflow's two ``predict`` forms it defines, with its context; another
    object through ``predict``, ``invoke`` or a call.
    """

    def __init__(
        self,
        model: Any,
        pins: PinSet,
        info: ModelInfo,
        context: PythonModelContext | None = None,
    ) -> None:
        self._model = model
        self._pins = pins
        self._context = context or PythonModelContext({}, info.manifest.model_config)
        self.metadata = info

    @property
    def model_config(self) -> dict[str, Any]:
        """The model config in effect (the logged one, or the one given to ``load_model``)."""
        return self._context.model_config

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Run the model on ``data``; every ``load_prompt`` it makes is answered from its pins."""
        data, params = enforce(self.metadata.signature, data, params)
        with activate(self._pins):
            model = self._model
            if callable(getattr(model, "predict", None)):
                return call_predict(model, self._context, data, params)
            flavor_predict = _flavor_predict(self.metadata.flavor)
            if flavor_predict is not None:  # objects whose entry point is not predict/invoke
                return flavor_predict(model, data, params)
            if callable(getattr(model, "invoke", None)):
                return model.invoke(data)
            return model(data)

    def predict_stream(self, data: Any, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """The model's ``predict_stream`` (or LangChain ``stream``), each step under its pins."""
        data, params = enforce(self.metadata.signature, data, params)
        model = self._model
        with activate(self._pins):
            if callable(getattr(model, "predict_stream", None)):
                iterator = iter(call_predict(model, self._context, data, params, "predict_stream"))
            elif callable(getattr(model, "stream", None)):
                iterator = iter(model.stream(data))
            else:
                raise ModelError(
                    f"{self.metadata.model_uri} cannot stream: its model has no predict_stream"
                )
        while True:
            with activate(self._pins):
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    def unwrap_python_model(self) -> Any:
        """The object that was logged."""
        return self._model

    def __repr__(self) -> str:
        return f"<PyFuncModel: {self.metadata.model_uri}>"


def _flavor_predict(flavor: str) -> Any:
    """The ``predict(model, data, params)`` of a flavor that has one (LlamaIndex, DSPy)."""
    from gitprompts.models import flavors

    if flavor == "pyfunc" or flavor not in flavors.FLAVORS:
        return None
    return getattr(flavors.get(flavor), "predict", None)


def wrap(
    model: Any, pins: PinSet, info: ModelInfo, context: PythonModelContext | None = None
) -> PyFuncModel:
    """``PyFuncModel`` (``context``: what a ``PythonModel`` gets; ``load_model`` passes it)."""
    return PyFuncModel(model, pins, info, context)
