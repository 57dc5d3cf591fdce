"""A model config given as a file: YAML (or JSON, which YAML reads), read once here.

``log_model(model_config=...)``/``load_model(model_config=...)`` and
``ModelConfig(development_config=...)`` take a path as well as a dict; both
read it with this function, so both refuse an unreadable file the same way.

>>> read_yaml("no-such-config.yaml", "model_config")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.InvalidInputError: model_config='no-such-config.yaml' is not a readable YAML ...
"""

from __future__ import annotations

import os
from pathlib import Path

from gitprompts.errors import InvalidInputError


def read_yaml(value: str | os.PathLike[str], argument: str) -> object:
    """The YAML/JSON document at ``value`` (``argument`` names it in the error)."""
    import yaml  # lazily: only a config given as a path needs it

    path = Path(value)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInputError(
            f"{argument}={os.fspath(path)!r} is not a readable YAML or JSON file ({exc})"
        ) from None
