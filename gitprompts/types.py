"""``gitprompts.types``: the schema types of ``mlflow.types``, for signatures built by hand.

They live in ``gitprompts.models.signature`` (MLflow's column-based subset;
see there for what is checked); this module gives them MLflow's import path,
so ``from mlflow.types import Schema, ColSpec`` becomes
``from gitprompts.types import Schema, ColSpec``.

>>> from gitprompts.types import ColSpec, Schema
>>> Schema([ColSpec("string", "question")])
Schema([ColSpec('string', 'question')])
"""

from __future__ import annotations

from gitprompts.models.signature import ColSpec, ParamSchema, ParamSpec, Schema

__all__ = ["ColSpec", "ParamSchema", "ParamSpec", "Schema"]
