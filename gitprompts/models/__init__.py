"""Logged models: ``log_model``, ``load_model`` and friends, with their prompts pinned.

A logged model is a manifest (``manifest``) plus content-addressed files
(``store``); ``sources`` finds a model's verified bytes, ``pins`` answers
``load_prompt`` from them, ``scripts`` runs models-from-code and ``importer``
imports their modules from the verified bytes, ``runs`` names models, and
``flavors/`` knows how to save and load each kind of object.

A models-from-code script may call ``gitprompts.models.set_model``:

>>> import gitprompts
>>> gitprompts.models.set_model(lambda q: q)    # outside log_model: does nothing
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitprompts.core.lazy import exports

if TYPE_CHECKING:
    from gitprompts.models.active import (
        ActiveModel,
        clear_active_model,
        get_active_model_id,
        set_active_model,
    )
    from gitprompts.models.api import (
        get_model_info,
        load_model,
        log_model,
        save_model,
        search_models,
        verify_model,
    )
    from gitprompts.models.context import ModelConfig
    from gitprompts.models.info import ModelInfo
    from gitprompts.models.runs import Run, active_run, end_run, get_run, start_run
    from gitprompts.models.scripts import set_model
    from gitprompts.models.signature import (
        ColSpec,
        ModelSignature,
        ParamSchema,
        ParamSpec,
        Schema,
        infer_signature,
    )

__all__ = [
    "ActiveModel",
    "ColSpec",
    "ModelConfig",
    "ModelInfo",
    "ModelSignature",
    "ParamSchema",
    "ParamSpec",
    "Run",
    "Schema",
    "active_run",
    "clear_active_model",
    "end_run",
    "get_active_model_id",
    "get_model_info",
    "get_run",
    "infer_signature",
    "load_model",
    "log_model",
    "save_model",
    "search_models",
    "set_active_model",
    "set_model",
    "start_run",
    "verify_model",
]

__getattr__, __dir__ = exports(
    globals(),
    {
        **dict.fromkeys(
            [
                "get_model_info",
                "load_model",
                "log_model",
                "save_model",
                "search_models",
                "verify_model",
            ],
            "gitprompts.models.api",
        ),
        **dict.fromkeys(
            ["Run", "active_run", "end_run", "get_run", "start_run"], "gitprompts.models.runs"
        ),
        **dict.fromkeys(
            ["ColSpec", "ModelSignature", "ParamSchema", "ParamSpec", "Schema", "infer_signature"],
            "gitprompts.models.signature",
        ),
        "ModelInfo": "gitprompts.models.info",
        "ModelConfig": "gitprompts.models.context",
        **dict.fromkeys(
            ["ActiveModel", "clear_active_model", "get_active_model_id", "set_active_model"],
            "gitprompts.models.active",
        ),
        "set_model": "gitprompts.models.scripts",
    },
)
