"""The ``llama_index`` flavor: indexes, engines and workflows (as ``mlflow.llama_index``).

An index is stored with LlamaIndex's own persistence (``persist`` /
``load_index_from_storage``, through an in-memory fsspec filesystem),
together with the LLM and embedding model it was used with (each as its
class and ``to_dict()``, keys left out: they come from the environment where
it is loaded) and the engine settings
(``engine_type``, ``model_config``). A setting may name a registry prompt
(``"text_qa_template": "prompts:/qa@production"``): it is pinned with the
model and becomes a LlamaIndex ``PromptTemplate`` of the pinned text. Engines
and workflows have no persistence of their own: log them from a script
(models-from-code), whose prompts are captured and pinned, and whose
``query``/``chat``/``retrieve``/``run`` (and async forms) run with them.

Needs the ``llama-index`` extra: ``pip install 'gitprompts[llama-index]'``.

>>> to_template_text('Reply as JSON {"a": {{ x }}}')  # doctest: +SKIP
'Reply as JSON {"a": {x}}'
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from gitprompts.core import template as _template
from gitprompts.core.prompt import PromptVersion
from gitprompts.core.records import RecordDecoder
from gitprompts.errors import (
    GitPromptsError,
    InvalidInputError,
    InvalidModelError,
    InvalidTemplateError,
    ModelError,
)
from gitprompts.models.flavors import bundle, pyfunc, references
from gitprompts.models.flavors.extras import require
from gitprompts.models.flavors.pinning import pin_methods
from gitprompts.models.pins import PinSet, activate, current

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo

PACKAGES: tuple[str, ...] = ("llama-index-core",)
EXTRA = "llama-index"
FEATURE = "the llama_index flavor"
ENTRY = "llama_index.bundle"
CONFIG = "gitprompts-llama-index.json"
LOADER = "llama-index-persist"
ENGINE_TYPES = ("query", "chat", "retriever")
_AS_ENGINE = {"query": "as_query_engine", "chat": "as_chat_engine", "retriever": "as_retriever"}
# The entry points of engines, retrievers and workflows that a loaded model pins.
METHODS = (
    "query",
    "aquery",
    "chat",
    "achat",
    "stream_chat",
    "astream_chat",
    "retrieve",
    "aretrieve",
    "run",
)
_SECRET_WORDS = ("api_key", "token", "secret", "password")


class Component(msgspec.Struct, frozen=True, kw_only=True):
    """An LLM or embedding model: ``module:Class`` under ``llama_index.`` and its ``to_dict()``."""

    cls: str
    data: dict[str, Any]


class Config(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = 1
    engine_type: str | None = None
    model_config: dict[str, Any] = msgspec.field(default_factory=dict)
    templates: dict[str, str] = msgspec.field(default_factory=dict)  # setting -> prompt URI
    llm: Component | None = None
    embed_model: Component | None = None


def _refused(path: str, reason: str) -> GitPromptsError:
    return ModelError(f"{path}: {reason}")


_decoder = RecordDecoder(
    Config, kind="llama_index config", schema_version=1, max_bytes=4 << 20, error=_refused
)
_encoder = msgspec.json.Encoder(order="sorted")


def to_template_text(text: str) -> str:
    """A registry template as LlamaIndex template text: ``{{ x }}`` -> ``{x}``, other braces kept.

    LlamaIndex fills ``{name}`` and leaves every other brace alone (it has no
    ``{{`` escape), so literal braces stay single here, where LangChain's
    ``to_single_brace_format()`` doubles them. A literal ``{word}`` would be
    read as a variable, so it is refused.
    """
    if _template.is_jinja(text):
        raise InvalidTemplateError(
            text, "a Jinja2 template ({% ... %}) has no LlamaIndex form; format it first"
        )
    converted = _template.VARIABLE.sub(lambda m: "{" + m.group(1) + "}", text)
    llama = require("llama_index.core.prompts.utils", EXTRA, FEATURE)
    extra = set(llama.get_template_vars(converted)) - set(_template.variables(text))
    if extra:
        raise InvalidTemplateError(
            text,
            f"LlamaIndex would read {', '.join(sorted(extra))} as variables (it has no escape "
            "for literal braces); write literal braces that do not enclose a plain name",
        )
    return converted


def prompt_template(prompt: PromptVersion) -> Any:
    """A LlamaIndex ``PromptTemplate`` (``ChatPromptTemplate`` for a chat prompt) of ``prompt``.

    >>> qa = gitprompts.llama_index.prompt_template(  # doctest: +SKIP
    ...     gitprompts.load_prompt("qa/1"))
    """
    prompts = require("llama_index.core.prompts", EXTRA, FEATURE)
    if isinstance(prompt.template, str):
        return prompts.PromptTemplate(to_template_text(prompt.template))
    llms = require("llama_index.core.llms", EXTRA, FEATURE)
    return prompts.ChatPromptTemplate(
        [
            llms.ChatMessage(role=m["role"], content=to_template_text(m["content"]))
            for m in prompt.template
        ]
    )


class IndexModel:
    """An index with the engine settings it is logged with (what the facade hands on)."""

    def __init__(
        self, index: Any, engine_type: str | None, model_config: Mapping[str, Any] | None
    ) -> None:
        if engine_type is not None and engine_type not in ENGINE_TYPES:
            raise InvalidInputError(
                f"engine_type {engine_type!r} is not one of {', '.join(ENGINE_TYPES)}"
            )
        self.index = index
        self.engine_type = engine_type
        self.model_config = dict(model_config or {})
        self.templates: dict[str, str] = {}
        for key, value in self.model_config.items():
            uri = references.uri_of(value)
            if uri is not None:
                self.templates[key] = uri
        for key in self.templates:
            del self.model_config[key]
        try:
            self.model_config = msgspec.json.decode(_encoder.encode(self.model_config))
        except (TypeError, msgspec.EncodeError) as exc:
            raise InvalidInputError(
                f"model_config must hold JSON values or prompt references ({exc})"
            ) from None


def owns(model: Any) -> bool:
    """True for LlamaIndex indexes, engines, retrievers and workflows."""
    return isinstance(model, IndexModel) or type(model).__module__.startswith("llama_index.")


def _component(obj: Any) -> Component | None:
    if obj is None:
        return None
    cls = type(obj)
    try:
        data = {k: v for k, v in obj.to_dict().items() if not any(w in k for w in _SECRET_WORDS)}
        data = msgspec.json.decode(_encoder.encode(data))
    except Exception as exc:
        raise InvalidModelError(
            obj, f"LlamaIndex cannot describe it with to_dict() ({type(exc).__name__}: {exc})"
        ) from None
    return Component(cls=f"{cls.__module__}:{cls.__qualname__}", data=data)


def _build(component: Component | None, where: str) -> Any:
    if component is None:
        return None
    module, _, name = component.cls.partition(":")
    if not module.startswith("llama_index.") or not name.isidentifier():
        raise ModelError(f"{where}: {component.cls!r} is not a LlamaIndex class")
    try:
        return getattr(importlib.import_module(module), name).from_dict(dict(component.data))
    except Exception as exc:
        raise ModelError(
            f"{where}: cannot rebuild {component.cls} ({type(exc).__name__}: {exc}); the "
            "package that defines it may be missing here"
        ) from exc


def _memory() -> tuple[Any, str]:
    """An fsspec in-memory filesystem and a fresh directory in it.

    LlamaIndex persists to and loads from any fsspec filesystem; in memory,
    logging skips writing and deleting a temporary directory (3-30 ms on a
    busy disk, measured: as much as the rest of log_model).
    """
    memory = require("fsspec.implementations.memory", EXTRA, FEATURE)
    # MemoryFileSystem's store is shared by every instance: a directory of its own.
    return memory.MemoryFileSystem(), f"/gitprompts-llama-index-{uuid.uuid4().hex}"


def serialise(model: Any) -> tuple[str, str, dict[str, bytes]]:
    """LlamaIndex's own persistence of an index (with its settings) as one bundle file."""
    core = require("llama_index.core", EXTRA, FEATURE)
    spec = model if isinstance(model, IndexModel) else IndexModel(model, None, None)
    index = spec.index
    if not isinstance(index, core.indices.base.BaseIndex):
        raise InvalidModelError(
            index,
            "LlamaIndex persists indexes only: log an engine or a workflow from a script "
            "(models-from-code) that builds it and calls gitprompts.set_model(...)",
        )
    settings = core.Settings
    config = Config(
        engine_type=spec.engine_type,
        model_config=spec.model_config,
        templates=spec.templates,
        llm=_component(settings._llm),
        embed_model=_component(getattr(index, "_embed_model", None) or settings._embed_model),
    )
    fs, root = _memory()
    try:
        index.storage_context.persist(persist_dir=root, fs=fs)
        files = {path.rsplit("/", 1)[1]: fs.cat_file(path) for path in fs.ls(root, detail=False)}
    except Exception as exc:
        reason = f"LlamaIndex could not persist it ({type(exc).__name__}: {exc})"
        raise InvalidModelError(index, reason) from exc
    finally:
        if fs.exists(root):
            fs.rm(root, recursive=True)
    files[CONFIG] = _encoder.encode(config)
    return LOADER, ENTRY, {ENTRY: bundle.pack_files(files)}


class LoadedIndex:
    """A loaded index with its stored LLM, embedding model and engine settings, prompts pinned."""

    def __init__(self, index: Any, config: Config, llm: Any, pins: PinSet | None) -> None:
        self.index = index
        self.config = config
        self.llm = llm
        self._pins = pins
        self._engine: Any = None
        self._lock = threading.Lock()

    def engine_kwargs(self, kind: str) -> dict[str, Any]:
        """What ``as_<kind>_engine`` gets: the stored LLM, and the settings for that engine."""
        found: dict[str, Any] = {} if self.llm is None or kind == "retriever" else {"llm": self.llm}
        if kind == (self.config.engine_type or "query"):
            found.update(self.config.model_config)
            with activate(self._pins):
                for key, uri in self.config.templates.items():
                    version = references.resolve(uri)
                    if key.endswith("_template"):
                        found[key] = prompt_template(version)
                    else:
                        found[key] = version.template
        return found

    def engine(self) -> Any:
        """The engine of the logged ``engine_type`` (query if none), made once."""
        with self._lock:  # predict may be called from many threads at once
            if self._engine is None:
                kind = self.config.engine_type or "query"
                make = getattr(self.index, _AS_ENGINE[kind])
                self._engine = make(**self.engine_kwargs(kind))
            return self._engine

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Query, chat with or retrieve from the index (a string, a dict or a list of them)."""
        if isinstance(data, list):
            return [self.predict(item, params) for item in data]
        with activate(self._pins):
            return call_engine(self.engine(), data)


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        for key in ("query_str", "query", "message", "input", "question"):
            if isinstance(data.get(key), str):
                return str(data[key])
    raise InvalidInputError(
        f"predict input {data!r}: give a string, or a dict with 'query_str' or 'message'"
    )


def call_engine(engine: Any, data: Any) -> Any:
    """One call of an engine, retriever or workflow, the way MLflow's pyfunc makes it."""
    if callable(getattr(engine, "query", None)):
        return str(engine.query(_text(data)))
    if callable(getattr(engine, "chat", None)):
        return str(engine.chat(_text(data)))
    if callable(getattr(engine, "retrieve", None)):
        return [node.get_content() for node in engine.retrieve(_text(data))]
    if callable(getattr(engine, "run", None)):
        kwargs = dict(data) if isinstance(data, Mapping) else {"input": data}

        async def run() -> Any:
            return await engine.run(**kwargs)

        return asyncio.run(run())
    raise InvalidInputError(f"{engine!r} has no query, chat, retrieve or run to predict with")


def predict(model: Any, data: Any, params: dict[str, Any] | None) -> Any:
    """``PyFuncModel.predict`` for this flavor's objects."""
    if isinstance(model, LoadedIndex):
        return model.predict(data, params)
    if isinstance(data, list):
        return [call_engine(model, item) for item in data]
    return call_engine(model, data)


def deserialise(loader: str, data: bytes, where: str) -> Any:
    if loader != LOADER:
        return pyfunc.deserialise(loader, data, where)
    core = require("llama_index.core", EXTRA, FEATURE)
    files = bundle.unpack(data, where)
    if CONFIG not in files:
        raise ModelError(f"{where}: the bundle has no {CONFIG}")
    config = _decoder.decode(files.pop(CONFIG), f"{where} ({CONFIG})")
    embed = _build(config.embed_model, where)
    extra = {} if embed is None else {"embed_model": embed}
    fs, root = _memory()
    try:
        for name, content in files.items():
            fs.pipe_file(f"{root}/{name}", content)
        storage = core.StorageContext.from_defaults(persist_dir=root, fs=fs)
        index = core.load_index_from_storage(storage, **extra)
    except Exception as exc:
        raise ModelError(f"{where}: LlamaIndex could not load the index ({exc})") from exc
    finally:
        if fs.exists(root):
            fs.rm(root, recursive=True)
    # Loaded under the model's pins: keep them for the templates the engine resolves.
    return LoadedIndex(index, config, _build(config.llm, where), current())


def wrap(model: Any, pins: PinSet, info: ModelInfo) -> Any:
    """The index (its ``as_*_engine`` giving the stored LLM and pinned templates), or a
    script's engine or workflow with its entry points pinned."""
    if not isinstance(model, LoadedIndex):
        return pin_methods(model, METHODS, pins)
    model._pins = pins
    index = model.index
    for kind, name in _AS_ENGINE.items():
        original = getattr(index, name)

        def make(*args: Any, _kind: str = kind, _original: Any = original, **kwargs: Any) -> Any:
            return _original(*args, **{**model.engine_kwargs(_kind), **kwargs})

        object.__setattr__(index, name, make)
    return index
