"""The ``pyfunc`` flavor: any callable, or any object with ``predict``, serialised with cloudpickle.

``load_model`` returns a ``PyFuncModel`` whose ``predict`` runs the model
with its prompts pinned (as ``mlflow.pyfunc.load_model`` does, it also
loads models of other flavors behind the same ``predict``).

>>> info = gitprompts.pyfunc.log_model(lambda q: q.upper(), name="shout")  # doctest: +SKIP
>>> gitprompts.pyfunc.load_model(info.model_uri).predict("hi")          # doctest: +SKIP
'HI'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitprompts.errors import InvalidModelError, ModelError
from gitprompts.models.pins import PinSet, activate

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
    """A loaded model behind ``predict``, run with its prompts pinned."""

    def __init__(self, model: Any, pins: PinSet, info: ModelInfo) -> None:
        self._model = model
        self._pins = pins
        self.metadata = info

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Run the model on ``data``; every ``load_prompt`` it makes is answered from its pins."""
        with activate(self._pins):
            model = self._model
            if callable(getattr(model, "predict", None)):
                if params is None:
                    return model.predict(data)
                return model.predict(data, params=params)
            flavor_predict = _flavor_predict(self.metadata.flavor)
            if flavor_predict is not None:  # objects whose entry point is not predict/invoke
                return flavor_predict(model, data, params)
            if callable(getattr(model, "invoke", None)):
                return model.invoke(data)
            return model(data)

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


def wrap(model: Any, pins: PinSet, info: ModelInfo) -> PyFuncModel:
    return PyFuncModel(model, pins, info)
