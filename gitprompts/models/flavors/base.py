"""What a flavor is: the small protocol every module in ``FLAVORS`` implements.

A flavor turns a model object into files and back, and wraps a loaded model
so its entry points run with the model's prompts pinned. Logging,
manifests, hashing and pinning are the same for every flavor and live in
``gitprompts.models``; a new flavor is one module, type-checked against
``Flavor``, whose library is imported on use through ``extras.require`` (one
line naming the extra when it is missing).

Two optional functions, looked up with ``getattr``: ``owns(model)`` lets
``detect`` recognise the flavor's objects (asked only when its library is
already imported), and ``predict(model, data, params)`` is what
``PyFuncModel.predict`` calls for objects without ``predict``/``invoke``
(LlamaIndex engines and workflows, DSPy programs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo
    from gitprompts.models.pins import PinSet


class Flavor(Protocol):
    """A flavor module, seen as an object (``gitprompts.models.flavors.get(name)``)."""

    # Distributions whose versions the manifest records (what loading will need).
    PACKAGES: tuple[str, ...]

    def serialise(self, model: Any) -> tuple[str, str, dict[str, bytes]]:
        """``(loader, entry file, files)`` for ``model``; InvalidModelError if impossible."""
        ...

    def deserialise(self, loader: str, data: bytes, where: str) -> Any:
        """The object stored by ``serialise`` (``data`` is the verified entry file)."""
        ...

    def wrap(self, model: Any, pins: PinSet, info: ModelInfo) -> Any:
        """What ``load_model`` hands back: the model with its entry points pinned."""
        ...
