"""A model's requirements: what ``pip_requirements``/``extra_pip_requirements``/``conda_env`` say.

As MLflow does, at most one of the three is given: ``pip_requirements``
replaces the defaults, ``extra_pip_requirements`` adds to them, and a
``conda_env`` (a dict or a YAML file) is kept whole and its ``pip:`` list
becomes the requirements. Each may be a list of requirement strings or the
path of a requirements file. The defaults are gitprompts and the flavor's
packages pinned to the installed versions; MLflow infers them by loading the
model and watching its imports (2.7-3.9 s per ``log_model`` here, README),
which gitprompts does not do.

``load_model`` compares the requirements with the running environment and
warns once per model about every difference (``RequirementsMismatchWarning``),
as MLflow does.

>>> resolve(["langchain-core==1.8.3"], None, None, ["gitprompts==0.1"])
(['langchain-core==1.8.3'], None)
>>> resolve(None, ["tiktoken"], None, ["gitprompts==0.1"])
(['gitprompts==0.1', 'tiktoken'], None)
>>> for line in mismatches(["gitprompts==0.0.1", "not-installed-pkg>=1"]):  # doctest: +ELLIPSIS
...     print(line)
gitprompts (current: ..., required: gitprompts==0.0.1)
not-installed-pkg (current: uninstalled, required: not-installed-pkg>=1)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gitprompts.errors import InvalidInputError

# A requirement line is one short line; a file of them is small.
MAX_LINE = 1000
MAX_FILE_BYTES = 1 << 20


def _lines(value: object, argument: str) -> list[str]:
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        try:
            with path.open("rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InvalidInputError(
                f"{argument}={os.fspath(path)!r}: cannot read the requirements file "
                f"({exc.strerror}); give a list of requirement strings or a readable file"
            ) from None
        if len(data) > MAX_FILE_BYTES:
            raise InvalidInputError(f"{argument}: {path} is over {MAX_FILE_BYTES} bytes")
        value = [
            line.strip()
            for line in data.decode("utf-8", "replace").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(
            f"{argument} must be a list of requirement strings such as 'langchain-core>=0.3' "
            f"or the path of a requirements file, not {value!r}"
        )
    found = []
    for item in value:
        if (
            not isinstance(item, str)
            or not item.strip()
            or "\n" in item
            or len(item) > MAX_LINE
            or item.strip().startswith("-")
        ):
            raise InvalidInputError(
                f"{argument} entry {item!r} is not a requirement: expected one line such as "
                "'langchain-core>=0.3' (pip options like -r are not followed)"
            )
        found.append(item.strip())
    return found


def _conda(value: object) -> dict[str, Any]:
    if isinstance(value, (str, os.PathLike)):
        import yaml

        path = Path(value)
        try:
            text = path.read_bytes()[:MAX_FILE_BYTES].decode("utf-8", "replace")
            value = yaml.safe_load(text)
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInputError(
                f"conda_env={str(path)!r} is not a readable conda YAML file ({exc})"
            ) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidInputError(
            f"conda_env must be a dict or the path of a conda.yaml file, not {value!r}"
        )
    return value


def _conda_pip(env: dict[str, Any]) -> list[str]:
    for dep in env.get("dependencies") or []:
        if isinstance(dep, dict) and "pip" in dep:
            return _lines(dep["pip"], "conda_env pip")
    return []


def resolve(
    pip_requirements: object,
    extra_pip_requirements: object,
    conda_env: object,
    defaults: list[str],
) -> tuple[list[str], dict[str, Any] | None]:
    """``(requirements, conda_env)`` as recorded with the model (MLflow's rules)."""
    given = [
        name
        for name, value in (
            ("conda_env", conda_env),
            ("pip_requirements", pip_requirements),
            ("extra_pip_requirements", extra_pip_requirements),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise InvalidInputError(
            f"only one of conda_env, pip_requirements and extra_pip_requirements can be "
            f"given (got {', '.join(given)}), as in MLflow"
        )
    if pip_requirements is not None:
        return _lines(pip_requirements, "pip_requirements"), None
    if extra_pip_requirements is not None:
        extra = _lines(extra_pip_requirements, "extra_pip_requirements")
        return list(dict.fromkeys([*defaults, *extra])), None
    if conda_env is not None:
        env = _conda(conda_env)
        return _conda_pip(env) or list(defaults), env
    return list(defaults), None


# Installed versions, looked up once per process: importlib.metadata scans
# every sys.path entry (~1 ms per name here), and loads check the same few names.
_installed_versions: dict[str, str | None] = {}


def _installed(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    key = name.lower().replace("_", "-")
    if key not in _installed_versions:
        try:
            _installed_versions[key] = version(name)
        except PackageNotFoundError:
            _installed_versions[key] = None
    return _installed_versions[key]


def mismatches(requirements: list[str]) -> list[str]:
    """One line per requirement the running environment does not satisfy (MLflow's wording).

    A line that is not a plain ``name<specifier>`` requirement (a URL, a
    path, an option) is not checked.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    found = []
    for line in requirements:
        if len(line) > MAX_LINE:
            continue  # not one a log_model wrote (it refuses them); not worth parsing
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        current = _installed(req.name)
        if current is None:
            found.append(f"{req.name} (current: uninstalled, required: {line})")
        elif req.specifier and not req.specifier.contains(current, prereleases=True):
            found.append(f"{req.name} (current: {current}, required: {line})")
    return found
