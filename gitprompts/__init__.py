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
    from . import langchain, pyfunc
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
    from .models import (
        ModelInfo,
        get_model_info,
        load_model,
        log_model,
        save_model,
        search_models,
        set_model,
        verify_model,
    )
    from .prompt import Prompt, PromptVersion
    from .registry import Registry
    from .runs import Run, active_run, start_run
    from .sync import clone, pull, push

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
    "ModelInfo": ".models",
    "get_model_info": ".models",
    "load_model": ".models",
    "log_model": ".models",
    "save_model": ".models",
    "search_models": ".models",
    "set_model": ".models",
    "verify_model": ".models",
    "clone": ".sync",
    "pull": ".sync",
    "push": ".sync",
    "Run": ".runs",
    "active_run": ".runs",
    "start_run": ".runs",
    # flavor submodules: the attribute is the module itself
    "langchain": ".langchain",
    "pyfunc": ".pyfunc",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gitprompts' has no attribute {name!r}")
    imported = importlib.import_module(module, __name__)
    value = imported if module == f".{name}" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "GitPromptsError",
    "ModelInfo",
    "Prompt",
    "PromptVersion",
    "Registry",
    "Run",
    "__version__",
    "active_run",
    "clone",
    "delete_prompt_alias",
    "delete_prompt_version",
    "delete_prompt_version_tag",
    "errors",
    "get_model_info",
    "get_registry",
    "langchain",
    "load_model",
    "load_prompt",
    "log_model",
    "pull",
    "push",
    "pyfunc",
    "register_prompt",
    "save_model",
    "search_models",
    "search_prompts",
    "set_model",
    "set_prompt_alias",
    "set_prompt_version_tag",
    "set_registry",
    "start_run",
    "verify_model",
]
