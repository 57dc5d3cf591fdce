"""MLflow arguments that gitprompts accepts but answers differently: the one table of them.

Every mirrored function takes every argument its MLflow counterpart takes
(``tests/test_mlflow_parity.py`` keeps that true), so MLflow code never
stops on a ``TypeError``. An argument that needs MLflow's server (a model
registry, Databricks resources, uv) is accepted and answered once per
process with an ``UnsupportedArgumentWarning`` saying what gitprompts does
instead; one whose meaning gitprompts cannot honour (a loader module, a
model id to log into) is refused with an ``UnsupportedArgumentError`` that
says what to write instead. The README's "Where gitprompts differs from
MLflow" lists the same arguments.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     check("pyfunc.log_model", {"resources": ["endpoint"]})
...     check("pyfunc.log_model", {"resources": ["endpoint"]})   # said once only
>>> [str(w.message)[:40] for w in caught]
['resources= is ignored by gitprompts: Dat']
>>> check("pyfunc.log_model", {"loader_module": "my_loader"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.UnsupportedArgumentError: loader_module='my_loader' is not supported here: ...
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping

from gitprompts.errors import (
    InvalidInputError,
    UnsupportedArgumentError,
    UnsupportedArgumentWarning,
)

_REGISTRY = (
    "gitprompts has no model registry: the model is addressed by its content, "
    "models:/<id> (and runs:/<run_id>/<name>), which get_model_info and load_model take"
)

# Accepted, ignored, and said once per process: what gitprompts does instead.
IGNORED: dict[str, str] = {
    "registered_model_name": _REGISTRY,
    "await_registration_for": _REGISTRY,
    "resources": "Databricks serving resources need Databricks; nothing is recorded",
    "auth_policy": "Databricks auth policies need Databricks; nothing is recorded",
    "uv_project_path": (
        "requirements come from pip_requirements/extra_pip_requirements/conda_env "
        "(give `uv export --format requirements-txt` output as pip_requirements)"
    ),
    "uv_groups": "see uv_project_path: pass pip_requirements instead",
    "uv_extras": "see uv_project_path: pass pip_requirements instead",
    "model_type": "MLflow uses it for evaluation, which gitprompts does not do; not recorded",
    "step": "gitprompts records no metrics, so a model is not tied to a metric step",
    "infer_code_paths": (
        "code_paths are not inferred; a script's own modules must be listed in code_paths"
    ),
    "log_system_metrics": "gitprompts collects no system metrics",
}

# Refused whenever given: what to write instead.
REFUSED: dict[str, str] = {
    "loader_module": (
        "give python_model= (a gitprompts.pyfunc.PythonModel, a callable or a script path) "
        "instead of a loader module"
    ),
    "data_path": "pass files as artifacts={'name': path} to a python_model instead",
    "mlflow_model": "a gitprompts model is described by its manifest; leave it out",
    "loader_fn": (
        "log the retriever from code: a script that builds it and calls "
        "gitprompts.models.set_model(chain)"
    ),
    "persist_dir": "log the retriever from code (see loader_fn), its index in code_paths",
    "model_id": (
        "a model id here is the sha256 of the model's manifest, so a model cannot be logged "
        "into an existing id; leave it out"
    ),
    "kwargs": "unknown keyword arguments are not passed on to a flavor here",
}

# Values that mean "not given" beyond None (MLflow's own defaults).
_DEFAULTS: dict[str, object] = {"await_registration_for": 300, "step": 0}
# A falsy value of these says "off", which is what gitprompts does anyway.
_FLAGS = {"infer_code_paths", "log_system_metrics"}

_warned: set[str] = set()
_lock = threading.Lock()


def _given(name: str, value: object) -> bool:
    if value is None or (name in _DEFAULTS and value == _DEFAULTS[name]):
        return False
    if name in _FLAGS:
        return bool(value)
    return not (name == "kwargs" and isinstance(value, Mapping) and not value)


def check(function: str, arguments: Mapping[str, object], stacklevel: int = 3) -> None:
    """Refuse or warn about the MLflow-only ``arguments`` that were given to ``function``.

    ``arguments`` maps names to the values the caller passed (None means not
    given). Refusals come first, so a refused call warns about nothing.
    ``stacklevel`` counts from here to the caller's line (3: check <- facade <- caller).
    """
    for name, value in arguments.items():
        if name in REFUSED and _given(name, value):
            shown = value if name != "kwargs" else sorted(value)  # type: ignore[call-overload]
            raise UnsupportedArgumentError(
                name if name != "kwargs" else f"{function}(**kwargs)", shown, REFUSED[name]
            )
    for name, value in arguments.items():
        if name in IGNORED and _given(name, value):
            with _lock:
                if name in _warned:
                    continue
                _warned.add(name)
            warnings.warn(UnsupportedArgumentWarning(name, IGNORED[name]), stacklevel=stacklevel)


def model_name(name: str | None, artifact_path: str | None) -> str:
    """``name``, or MLflow's deprecated ``artifact_path`` for it; ``"model"`` if neither."""
    if name is not None and artifact_path is not None:
        raise InvalidInputError(
            f"give name={name!r} or artifact_path={artifact_path!r}, not both "
            "(artifact_path is MLflow's deprecated name for name)"
        )
    return name if name is not None else artifact_path if artifact_path is not None else "model"
