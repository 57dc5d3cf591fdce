"""Bridges to other prompt registries: ``gitprompts import mlflow`` / ``export mlflow``.

A facade like ``api`` and ``sync``: it works on a ``Registry`` through its
public methods and speaks MLflow's REST API with the standard library
(MLflow itself only to open a ``sqlite:///`` or file store).

>>> from gitprompts.interop import import_mlflow      # doctest: +SKIP
>>> import_mlflow("http://127.0.0.1:5000").imported   # doctest: +SKIP
['prompts:/greet/1']
"""

from __future__ import annotations

from .mlflow_export import ExportReport, export_mlflow
from .mlflow_import import ImportReport, import_mlflow

__all__ = ["ExportReport", "ImportReport", "export_mlflow", "import_mlflow"]
