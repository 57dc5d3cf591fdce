"""gitprompts: a prompt registry in a bare git repository, and models that pin their prompts.

Replace ``mlflow.genai.`` with ``gitprompts.``:

>>> import gitprompts
>>> gitprompts.register_prompt("greet", "Hello {{ name }}!")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet/1").format(name="Ada")  # doctest: +SKIP
'Hello Ada!'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitprompts import errors
from gitprompts import models as _models
from gitprompts.core.lazy import exports
from gitprompts.core.version import __version__
from gitprompts.errors import GitPromptsError

if TYPE_CHECKING:
    from gitprompts import (
        config,
        dspy,
        hooks,
        langchain,
        llama_index,
        models,
        openai,
        pyfunc,
        sync,
        tracing,
        types,
    )
    from gitprompts.api import (
        delete_prompt,
        delete_prompt_alias,
        delete_prompt_model_config,
        delete_prompt_tag,
        delete_prompt_version,
        delete_prompt_version_tag,
        get_prompt_tags,
        load_prompt,
        register_prompt,
        search_prompts,
        set_prompt_alias,
        set_prompt_model_config,
        set_prompt_tag,
        set_prompt_version_tag,
    )
    from gitprompts.config import get_registry, set_registry
    from gitprompts.core.prompt import Prompt, PromptVersion
    from gitprompts.models import (
        ActiveModel,
        ColSpec,
        ModelConfig,
        ModelInfo,
        ModelSignature,
        ParamSchema,
        ParamSpec,
        Run,
        Schema,
        active_run,
        clear_active_model,
        end_run,
        get_active_model_id,
        get_model_info,
        get_run,
        infer_signature,
        load_model,
        log_model,
        save_model,
        search_models,
        set_active_model,
        set_model,
        start_run,
        verify_model,
    )
    from gitprompts.registry import Registry
    from gitprompts.sync import clone, pull, push
    from gitprompts.tracing import autolog


# Imported on first use (PEP 562): ``import gitprompts`` -- and with it
# ``gitprompts --help`` -- then pays for neither YAML, msgspec nor the registry.
_LAZY = {
    **dict.fromkeys(
        [
            "delete_prompt",
            "delete_prompt_alias",
            "delete_prompt_model_config",
            "delete_prompt_tag",
            "delete_prompt_version",
            "delete_prompt_version_tag",
            "get_prompt_tags",
            "load_prompt",
            "register_prompt",
            "search_prompts",
            "set_prompt_alias",
            "set_prompt_model_config",
            "set_prompt_tag",
            "set_prompt_version_tag",
        ],
        "gitprompts.api",
    ),
    **dict.fromkeys(["get_registry", "set_registry"], "gitprompts.config"),
    **dict.fromkeys(["Prompt", "PromptVersion"], "gitprompts.core.prompt"),
    "Registry": "gitprompts.registry",
    # The model half of the API is exactly what gitprompts.models exports.
    **dict.fromkeys(_models.__all__, "gitprompts.models"),
    **dict.fromkeys(["clone", "pull", "push"], "gitprompts.sync"),
    # One autolog for every flavor whose library is installed (tracing.FLAVORS).
    "autolog": "gitprompts.tracing",
    # Public submodules: the attribute is the module itself.
    **{
        name: f"gitprompts.{name}"
        for name in (
            "config",
            "hooks",
            "langchain",
            "models",
            "pyfunc",
            "sync",
            "openai",
            "llama_index",
            "dspy",
            "types",
            "tracing",
        )
    },
}
__getattr__, __dir__ = exports(globals(), _LAZY)

__all__ = [
    "ActiveModel",
    "ColSpec",
    "GitPromptsError",
    "ModelConfig",
    "ModelInfo",
    "ModelSignature",
    "ParamSchema",
    "ParamSpec",
    "Prompt",
    "PromptVersion",
    "Registry",
    "Run",
    "Schema",
    "__version__",
    "active_run",
    "autolog",
    "clear_active_model",
    "clone",
    "config",
    "delete_prompt",
    "delete_prompt_alias",
    "delete_prompt_model_config",
    "delete_prompt_tag",
    "delete_prompt_version",
    "delete_prompt_version_tag",
    "dspy",
    "end_run",
    "errors",
    "get_active_model_id",
    "get_model_info",
    "get_prompt_tags",
    "get_registry",
    "get_run",
    "hooks",
    "infer_signature",
    "langchain",
    "llama_index",
    "load_model",
    "load_prompt",
    "log_model",
    "models",
    "openai",
    "pull",
    "push",
    "pyfunc",
    "register_prompt",
    "save_model",
    "search_models",
    "search_prompts",
    "set_active_model",
    "set_model",
    "set_prompt_alias",
    "set_prompt_model_config",
    "set_prompt_tag",
    "set_prompt_version_tag",
    "set_registry",
    "start_run",
    "sync",
    "tracing",
    "types",
    "verify_model",
]
