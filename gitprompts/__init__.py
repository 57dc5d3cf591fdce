"""gitprompts: a prompt registry in a bare git repository, and models that pin their prompts.

Replace ``mlflow.genai.`` with ``gitprompts.``:

>>> import gitprompts
>>> gitprompts.register_prompt("greet", "Hello {{ name }}!")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet/1").format(name="Ada")  # doctest: +SKIP
'Hello Ada!'
"""

from __future__ import annotations

from . import errors, langchain, pyfunc
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
from .errors import GitPromptsError
from .models import (
    ModelInfo,
    get_model_info,
    load_model,
    log_model,
    save_model,
    search_models,
    set_model,
)
from .prompt import Prompt, PromptVersion
from .registry import Registry
from .runs import Run, active_run, start_run

__version__ = "0.1.0"

__all__ = [
    "GitPromptsError",
    "ModelInfo",
    "Prompt",
    "PromptVersion",
    "Registry",
    "Run",
    "__version__",
    "active_run",
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
]
