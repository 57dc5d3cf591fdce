"""The active model: MLflow's ``set_active_model``, so prompts loaded for it are linked to it.

While a model is active, every ``load_prompt`` (with ``link_to_model``, the
default) links the version it returns to that model, as ``load_prompt(...,
model_id=...)`` does: ``search_models(prompt=...)`` then finds the model.
gitprompts names a model by its content, so the active model is one that was
logged already, given by ``model_id`` (a unique prefix works); MLflow's
``name=`` (which creates an empty model on its server) is refused with what
to write instead.

>>> clear_active_model()
>>> get_active_model_id() is None
True
"""

from __future__ import annotations

from typing import Any

from gitprompts.errors import UnsupportedArgumentError
from gitprompts.models import current, sources

__all__ = ["ActiveModel", "clear_active_model", "get_active_model_id", "set_active_model"]

_active = current.model  # the active model id, or nothing


class ActiveModel:
    """What ``set_active_model`` returns; a ``with`` block restores the previous one on exit."""

    def __init__(self, model_id: str, previous: str | None) -> None:
        self.model_id = model_id
        self._previous = previous

    def __enter__(self) -> ActiveModel:
        return self

    def __exit__(self, *exc: Any) -> None:
        _active[:] = [] if self._previous is None else [self._previous]

    def __repr__(self) -> str:
        return f"<ActiveModel: model_id={self.model_id!r}>"


def set_active_model(*, name: str | None = None, model_id: str | None = None) -> ActiveModel:
    """Make ``model_id`` the active model (``models:/<id>`` of a logged model).

    >>> import gitprompts
    >>> info = gitprompts.pyfunc.log_model(len, name="counter")
    >>> with set_active_model(model_id=info.model_id):
    ...     get_active_model_id() == info.model_id
    True
    """
    if model_id is None:
        raise UnsupportedArgumentError(
            "set_active_model(name=...)",
            name,
            "gitprompts names a model by its content: log it first, then "
            "set_active_model(model_id=info.model_id)",
        )
    located = sources.locate(f"models:/{model_id}")
    previous = get_active_model_id()
    _active[:] = [located.model_id]
    return ActiveModel(located.model_id, previous)


def get_active_model_id() -> str | None:
    """The active model's id, or None."""
    return _active[0] if _active else None


def clear_active_model() -> None:
    """No model is active from now on."""
    _active.clear()
