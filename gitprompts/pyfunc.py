"""``gitprompts.pyfunc``: callables, objects with ``predict``, PythonModels (as ``mlflow.pyfunc``).

Every function takes every argument ``mlflow.pyfunc``'s does (see
``gitprompts.models.arguments`` for those answered differently).
``load_model`` returns a ``PyFuncModel`` whose ``predict`` checks its input
against the model's signature and runs the model with its prompts pinned;
like ``mlflow.pyfunc.load_model`` it also loads models of other flavors
behind the same ``predict``. The flavor itself lives in
``gitprompts.models.flavors.pyfunc``.

>>> info = gitprompts.pyfunc.log_model(lambda q: q.upper(), name="shout")  # doctest: +SKIP
>>> gitprompts.pyfunc.load_model(info.model_uri).predict("hi")          # doctest: +SKIP
'HI'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitprompts.errors import InvalidModelError
from gitprompts.models import facade
from gitprompts.models.context import PythonModel, PythonModelContext
from gitprompts.models.flavors.pyfunc import PyFuncModel

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = [
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "load_model",
    "log_model",
    "save_model",
]


def log_model(
    artifact_path: Any = None,
    loader_module: str | None = None,
    data_path: Any = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    infer_code_paths: bool = False,
    conda_env: Any = None,
    python_model: Any = None,
    artifacts: dict[str, str | os.PathLike[str]] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: Any = None,
    streamable: bool | None = None,
    resources: Any = None,
    auth_policy: Any = None,
    uv_project_path: Any = None,
    uv_groups: Any = None,
    uv_extras: Any = None,
    prompts: list[str | PromptVersion] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
) -> ModelInfo:
    """``mlflow.pyfunc.log_model``: log ``python_model`` (an object or a script), prompts pinned.

    Without ``python_model=``, the first argument is the model
    (``log_model(predict, name="shout")``, gitprompts' own form); with it,
    the first argument is MLflow's deprecated ``artifact_path``, used as the
    name. ``artifacts`` are bundled with the model and handed to a
    ``PythonModel`` as ``context.artifacts`` at load.

    >>> gitprompts.pyfunc.log_model(name="agent", python_model="agent.py")    # doctest: +SKIP
    """
    if python_model is None:
        python_model, artifact_path = artifact_path, None
    if python_model is None:
        raise InvalidModelError(
            None, "give the model as python_model= (an object or a script path)"
        )
    given = locals()
    return facade.log("pyfunc", given.pop("python_model"), given)


def save_model(
    path: str | os.PathLike[str],
    loader_module: str | None = None,
    data_path: Any = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    infer_code_paths: bool = False,
    conda_env: Any = None,
    mlflow_model: Any = None,
    python_model: Any = None,
    artifacts: dict[str, str | os.PathLike[str]] | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: Any = None,
    streamable: bool | None = None,
    resources: Any = None,
    auth_policy: Any = None,
    uv_project_path: Any = None,
    uv_groups: Any = None,
    uv_extras: Any = None,
    *,
    prompts: list[str | PromptVersion] | None = None,
    **kwargs: Any,
) -> Path:
    """``mlflow.pyfunc.save_model``: write the model as a directory at ``path`` (no run, no store).

    ``load_model(path)`` loads it anywhere; the directory holds its own
    manifest, files and pinned prompt copies. ``path`` must not exist or be
    an empty directory.

    >>> gitprompts.pyfunc.save_model("export/shout", python_model=Shout())   # doctest: +SKIP
    """
    if python_model is None:
        raise InvalidModelError(
            None, "give the model as python_model= (an object or a script path)"
        )
    given = locals()
    return facade.save("pyfunc", given.pop("python_model"), given)


def load_model(
    model_uri: str | os.PathLike[str],
    suppress_warnings: bool = False,
    dst_path: str | os.PathLike[str] | None = None,
    model_config: Any = None,
    *,
    strict: bool = False,
) -> PyFuncModel:
    """Load any logged model behind ``predict`` (pins active during each call).

    ``model_config`` (a dict or a YAML/JSON file) replaces the logged one in
    the model's context; ``dst_path`` (an existing directory) receives a copy
    of the model; ``suppress_warnings=True`` hides the requirements warning.

    >>> gitprompts.pyfunc.load_model("models:/<id>").predict({"q": "hi"})   # doctest: +SKIP
    """
    return PyFuncModel(*facade.load("pyfunc", locals()))
