"""MLflow's model options: ``log_model`` arguments turned into manifest fields, and back at load.

``log_model``/``save_model`` take MLflow's ``artifacts``, ``signature``,
``input_example``, ``pip_requirements``/``extra_pip_requirements``/
``conda_env``, ``metadata`` and ``model_config``; ``fields`` turns them into
the model's extra files (artifacts, bundled under ``artifacts/<name>/`` and
content-addressed like every other file) and manifest fields. At load,
``context`` hands a ``PythonModelContext`` to the model and
``warn_requirements`` says how the running environment differs.

>>> files, fields_ = fields({}, model_config={"temperature": 0.1}, input_example={"q": "hi"})
>>> fields_["signature"].inputs, fields_["model_config"]
(Schema([ColSpec('string', 'q')]), {'temperature': 0.1})
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from pathlib import Path
from typing import Any

import msgspec

from gitprompts.core.version import __version__
from gitprompts.errors import InvalidInputError, RequirementsMismatchWarning
from gitprompts.models import importer, requirements
from gitprompts.models.config_file import read_yaml
from gitprompts.models.context import PythonModelContext
from gitprompts.models.manifest import Manifest
from gitprompts.models.signature import coerce, example_value, from_type_hints, infer_signature

_ARTIFACT = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
# An artifact folder is bundled whole; past this many files it is a data set, not a model part.
MAX_ARTIFACT_FILES = 100_000


def read_config(value: object, argument: str = "model_config") -> dict[str, Any] | None:
    """A dict of JSON values, from a dict or a YAML/JSON file; None stays None."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        value = read_yaml(value, argument)
    if not isinstance(value, dict):
        raise InvalidInputError(
            f"{argument} must be a dict (or the path of a YAML/JSON file), not {value!r}"
        )
    try:
        found: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(value))
    except (TypeError, RecursionError, msgspec.EncodeError) as exc:
        raise InvalidInputError(
            f"{argument} must hold JSON values only (strings, numbers, lists, dicts): {exc}"
        ) from None
    return found


def _bundle(artifacts: object) -> tuple[dict[str, bytes], dict[str, str]]:
    if artifacts is None:
        return {}, {}
    if not isinstance(artifacts, dict):
        raise InvalidInputError(
            f"artifacts must be a dict of name -> local path, not {artifacts!r}"
        )
    files: dict[str, bytes] = {}
    where: dict[str, str] = {}
    for name, value in artifacts.items():
        if not isinstance(name, str) or not _ARTIFACT.fullmatch(name) or name.startswith("."):
            raise InvalidInputError(
                f"artifact name {name!r}: use 1-100 letters, digits, '-', '_' and '.', "
                "not starting with '.'"
            )
        text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
        if text is not None and text.startswith("file://"):
            text = text[len("file://") :]
        path = Path(text) if text is not None and "://" not in text else None
        if path is None or not path.exists():
            raise InvalidInputError(
                f"artifacts[{name!r}] = {value!r} is not a local file or directory "
                "(remote artifact URIs are not downloaded here: fetch them first)"
            )
        if path.is_file():
            where[name] = f"artifacts/{name}/{path.name}"
            files[where[name]] = path.read_bytes()
            continue
        where[name] = f"artifacts/{name}/"
        found = [p for p in sorted(path.rglob("*")) if p.is_file()]
        if len(found) > MAX_ARTIFACT_FILES:
            raise InvalidInputError(
                f"artifacts[{name!r}]: {path} holds over {MAX_ARTIFACT_FILES} files"
            )
        for item in found:
            files[where[name] + item.relative_to(path).as_posix()] = item.read_bytes()
        if not found:
            raise InvalidInputError(f"artifacts[{name!r}]: {path} is an empty directory")
    return files, where


def default_requirements(packages: dict[str, str]) -> list[str]:
    """gitprompts and the flavor's installed packages, pinned (MLflow infers its own)."""
    return [f"gitprompts=={__version__}", *(f"{n}=={v}" for n, v in sorted(packages.items()))]


def fields(
    packages: dict[str, str],
    *,
    artifacts: object = None,
    signature: object = None,
    input_example: object = None,
    pip_requirements: object = None,
    extra_pip_requirements: object = None,
    conda_env: object = None,
    metadata: object = None,
    model_config: object = None,
    model: object = None,
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The extra files and manifest fields for MLflow's ``log_model`` options (of ``model``)."""
    files, where = _bundle(artifacts)
    reqs, env = requirements.resolve(
        pip_requirements, extra_pip_requirements, conda_env, default_requirements(packages)
    )
    example = None if input_example is None else example_value(input_example)
    sig = coerce(signature)
    if sig is None:
        # As MLflow 3: from predict's type hints first, else from the example
        # (its inputs only: MLflow also runs predict on it to type the outputs).
        sig = from_type_hints(model)
    if sig is None and example is not None:
        sig = infer_signature(input_example)
    found: dict[str, Any] = {
        "requirements": reqs,
        "conda_env": env,
        "signature": sig,
        "input_example": example,
        "metadata": read_config(metadata, "metadata"),
        "model_config": read_config(model_config, "model_config"),
        "artifacts": where,
    }
    return files, found


def context(
    manifest: Manifest, model_id: str, files: dict[str, bytes], model_config: object = None
) -> PythonModelContext:
    """The context a loaded model gets: its artifacts' private copies and its model config."""
    paths: dict[str, str] = {}
    if manifest.artifacts:
        root = importer.private_copy(model_id, files)
        for name, where in manifest.artifacts.items():
            paths[name] = str(root.joinpath(*where.rstrip("/").split("/")))
    config = read_config(model_config, "model_config")
    return PythonModelContext(paths, config if config is not None else manifest.model_config)


_warned: set[str] = set()
_lock = threading.Lock()


def warn_requirements(manifest: Manifest, model_uri: str, model_id: str) -> None:
    """RequirementsMismatchWarning, once per model per process, if the environment differs."""
    if not manifest.requirements:
        return
    with _lock:
        if model_id in _warned:
            return
        _warned.add(model_id)
    found = requirements.mismatches(manifest.requirements)
    if found:
        warnings.warn(RequirementsMismatchWarning(model_uri, found), stacklevel=4)
