"""What the flavor facades share: MLflow's log/save/load_model arguments, routed.

A facade (``gitprompts.pyfunc``, ``gitprompts.langchain``) mirrors its MLflow
signature argument for argument and hands its arguments here as a dict
(``locals()``); ``route`` sorts them into the MLflow-only ones (checked by
``arguments.check``: refused or warned about), the model options
(``options.fields``) and the call's own (name, prompts, code paths, run).
One table, so a new facade argument that is routed nowhere fails at once
instead of being dropped silently.

>>> checked, options, own = route("langchain.save_model", {
...     "path": "out", "loader_fn": None, "signature": None, "streamable": None})
>>> sorted(checked), sorted(options), sorted(own)
(['loader_fn'], ['signature'], ['path'])
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitprompts.models import api, arguments

if TYPE_CHECKING:
    from gitprompts.models import pins
    from gitprompts.models.context import PythonModelContext
    from gitprompts.models.info import ModelInfo

# The call's own arguments, passed to models.api as they are.
_OWN = frozenset(
    {"model_uri", "path", "name", "artifact_path", "prompts", "code_paths", "params", "tags"}
    | {"run_id", "strict", "dst_path", "suppress_warnings"}
)
# Accepted and not used: predict_stream works whenever the model streams
# (README, "Where gitprompts differs from MLflow").
_UNUSED = frozenset({"streamable"})


def route(
    function: str, given: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """``given`` split into the MLflow-only arguments, the model options and the call's own."""
    checked: dict[str, Any] = {}
    options: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for key, value in given.items():
        if key in arguments.REFUSED or key in arguments.IGNORED:
            checked[key] = value
        elif key in api.OPTIONS:
            options[key] = value
        elif key in _OWN:
            own[key] = value
        elif key not in _UNUSED:
            raise TypeError(f"{function}: argument {key!r} is routed nowhere (see models.facade)")
    return checked, options, own


def log(flavor: str, model: Any, given: Mapping[str, Any]) -> ModelInfo:
    """``models.api.log_model`` for the facade ``flavor``, from its ``log_model``'s arguments."""
    checked, options, own = route(f"{flavor}.log_model", given)
    # stacklevel 4: the warning names the user's line (check <- here <- facade <- user).
    arguments.check(f"{flavor}.log_model", checked, stacklevel=4)
    return api.log_model(
        model,
        arguments.model_name(own.get("name"), own.get("artifact_path")),
        own.get("prompts"),
        own.get("code_paths"),
        flavor=flavor,
        params=own.get("params"),
        tags=own.get("tags"),
        run_id=own.get("run_id"),
        **options,
    )


def save(flavor: str, model: Any, given: Mapping[str, Any]) -> Path:
    """``models.api.save_local`` for the facade ``flavor``, from its ``save_model``'s arguments."""
    checked, options, own = route(f"{flavor}.save_model", given)
    arguments.check(f"{flavor}.save_model", checked, stacklevel=4)
    return api.save_local(
        model,
        own["path"],
        own.get("code_paths"),
        flavor=flavor,
        prompts=own.get("prompts"),
        **options,
    )


def load(
    flavor: str, given: Mapping[str, Any]
) -> tuple[Any, pins.PinSet, ModelInfo, PythonModelContext]:
    """``models.api.load_parts`` for the facade ``flavor``, from its ``load_model``'s arguments."""
    return api.load_parts(
        given["model_uri"],
        given.get("strict", False),
        flavor,
        model_config=given.get("model_config"),
        suppress_warnings=given.get("suppress_warnings", False),
        dst_path=given.get("dst_path"),
    )
