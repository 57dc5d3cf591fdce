"""``gitprompts.langchain``: LangChain runnables and LangGraph graphs (as ``mlflow.langchain``).

Every function takes every argument ``mlflow.langchain``'s does (see
``gitprompts.models.arguments`` for those answered differently).
``load_model`` returns the runnable or graph itself, whose
``invoke``/``ainvoke``/``batch``/``stream`` run with the model's prompts
pinned (``gitprompts.pyfunc.load_model`` gives it behind ``predict``, with
its signature enforced). The flavor itself lives in
``gitprompts.models.flavors.langchain``. Needs the ``langchain`` extra:
``pip install 'gitprompts[langchain]'``.

>>> info = gitprompts.langchain.log_model("chatbot.py", name="graph")   # doctest: +SKIP
>>> graph = gitprompts.langchain.load_model(info.model_uri)             # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitprompts.models import facade
from gitprompts.models.flavors.langchain import wrap

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.info import ModelInfo

__all__ = ["autolog", "load_model", "log_model", "save_model"]


def log_model(
    lc_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    loader_fn: Any = None,
    persist_dir: Any = None,
    run_id: str | None = None,
    model_config: Any = None,
    streamable: bool | None = None,
    resources: Any = None,
    prompts: list[str | PromptVersion] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
) -> ModelInfo:
    """``mlflow.langchain.log_model``: log a runnable, graph or script, its prompts pinned.

    ``run_id`` logs into that (earlier) run instead of the active one.

    >>> with gitprompts.start_run(run_name="summarizer-model"):      # doctest: +SKIP
    ...     gitprompts.langchain.log_model(chain, name="model",
    ...                                    prompts=["prompts:/summarization-prompt/2"])
    """
    given = locals()
    return facade.log("langchain", given.pop("lc_model"), given)


def save_model(
    lc_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    mlflow_model: Any = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    loader_fn: Any = None,
    persist_dir: Any = None,
    model_config: Any = None,
    streamable: bool | None = None,
    *,
    prompts: list[str | PromptVersion] | None = None,
) -> Path:
    """``mlflow.langchain.save_model``: write the model as a directory at ``path``.

    >>> gitprompts.langchain.save_model(chain, "export/chain")   # doctest: +SKIP
    """
    given = locals()
    return facade.save("langchain", given.pop("lc_model"), given)


def load_model(
    model_uri: str | os.PathLike[str],
    dst_path: str | os.PathLike[str] | None = None,
    *,
    suppress_warnings: bool = False,
    model_config: Any = None,
    strict: bool = False,
) -> Any:
    """The logged runnable or graph, whose ``invoke`` sees the pinned prompts.

    >>> graph = gitprompts.langchain.load_model(model_info.model_uri)  # doctest: +SKIP
    """
    model, pins, info, _ = facade.load("langchain", locals())
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
