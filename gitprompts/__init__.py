"""gitprompts: a prompt registry in a bare git repository, and models that pin their prompts.

Replace ``mlflow.genai.`` with ``gitprompts.``:

>>> import gitprompts
>>> gitprompts.register_prompt("greet", "Hello {{ name }}!")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet/1").format(name="Ada")  # doctest: +SKIP
'Hello Ada!'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import GitPromptsError

if TYPE_CHECKING:
    from .api import (
        delete_prompt_alias,
        delete_prompt_version,
        delete_prompt_version_tag,
        load_prompt,
        register_prompt,
        search_prompts,
        set_prompt_alias,
        set_prompt_version_tag,
    )
    from .config import get_registry, set_registry
    from .prompt import Prompt, PromptVersion
    from .registry import Registry

__version__ = "0.1.0"

# Imported on first use (PEP 562): ``import gitprompts`` -- and with it
# ``gitprompts --help`` -- then pays for neither YAML, msgspec nor the registry.
_LAZY = {
    "delete_prompt_alias": ".api",
    "delete_prompt_version": ".api",
    "delete_prompt_version_tag": ".api",
    "load_prompt": ".api",
    "register_prompt": ".api",
    "search_prompts": ".api",
    "set_prompt_alias": ".api",
    "set_prompt_version_tag": ".api",
    "get_registry": ".config",
    "set_registry": ".config",
    "Prompt": ".prompt",
    "PromptVersion": ".prompt",
    "Registry": ".registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gitprompts' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "GitPromptsError",
    "Prompt",
    "PromptVersion",
    "Registry",
    "__version__",
    "delete_prompt_alias",
    "delete_prompt_version",
    "delete_prompt_version_tag",
    "errors",
    "get_registry",
    "load_prompt",
    "register_prompt",
    "search_prompts",
    "set_prompt_alias",
    "set_prompt_version_tag",
    "set_registry",
]
