"""``gitprompts.langchain``: LangChain runnables and LangGraph graphs (as ``mlflow.langchain``).

``load_model`` returns the runnable or graph itself, whose
``invoke``/``ainvoke``/``batch``/``stream`` run with the model's prompts
pinned. The flavor itself lives in ``gitprompts.models.flavors.langchain``.
Needs the ``langchain`` extra: ``pip install 'gitprompts[langchain]'``.

>>> info = gitprompts.langchain.log_model("chatbot.py", name="graph")   # doctest: +SKIP
>>> graph = gitprompts.langchain.load_model(info.model_uri)             # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gitprompts.models.api import load_raw
from gitprompts.models.api import log_model as _log_model
from gitprompts.models.flavors.langchain import wrap

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["autolog", "load_model", "log_model"]


def log_model(
    lc_model: Any,
    name: str = "model",
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
) -> ModelInfo:
    """``gitprompts.log_model`` with the langchain flavor (``lc_model`` as in MLflow).

    >>> with gitprompts.start_run(run_name="summarizer-model"):      # doctest: +SKIP
    ...     gitprompts.langchain.log_model(chain, name="model",
    ...                                    prompts=["prompts:/summarization-prompt/2"])
    """
    return _log_model(lc_model, name, prompts, code_paths, flavor="langchain")


def load_model(model_uri: str | os.PathLike[str], strict: bool = False) -> Any:
    """The logged runnable or graph, whose ``invoke`` sees the pinned prompts.

    >>> graph = gitprompts.langchain.load_model(model_info.model_uri)  # doctest: +SKIP
    """
    model, pins, info = load_raw(model_uri, strict, flavor="langchain")
    return wrap(model, pins, info)


def autolog(disable: bool = False) -> None:
    """Trace every LangChain/LangGraph call, as ``mlflow.langchain.autolog()`` does.

    Spans are OpenTelemetry's: kept in the local trace store (``gitprompts
    traces list``) and sent over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is
    set; see ``gitprompts.tracing.autolog`` for the options. Needs the
    ``tracing`` extra.

    >>> gitprompts.langchain.autolog()   # doctest: +SKIP
    """
    from gitprompts import tracing

    if not disable:
        tracing.require_langchain()
    tracing.autolog(disable=disable)
