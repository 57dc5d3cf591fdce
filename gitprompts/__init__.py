"""gitprompts: a prompt registry in a bare git repository, and models that pin their prompts.

Replace ``mlflow.genai.`` with ``gitprompts.``:

>>> import gitprompts
>>> gitprompts.register_prompt("greet", "Hello {{ name }}!")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet/1").format(name="Ada")  # doctest: +SKIP
'Hello Ada!'
"""

from __future__ import annotations

from . import errors
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
from .prompt import Prompt, PromptVersion
from .registry import Registry

__version__ = "0.1.0"

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
