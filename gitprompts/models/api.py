"""Logged models: ``log_model``, ``load_model``, ``save_model`` and the prompt links.

A logged model is a manifest (see ``manifest``) plus content-addressed files
(see ``store``); its id is the manifest's sha256. Logging pins every prompt the
model uses, by content; loading verifies every hash before anything runs,
then runs the model with those pins answering ``load_prompt``.

>>> with gitprompts.start_run(run_name="summarizer-model"):          # doctest: +SKIP
...     info = gitprompts.log_model(chain, name="model",
...                                 prompts=["prompts:/summarization-prompt/2"])
>>> chain = gitprompts.load_model(info.model_uri)                    # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.times import now_iso
from gitprompts.core.uri import parse_prompt_uri, resolve_ref
from gitprompts.core.urls import is_url
from gitprompts.core.version import __version__
from gitprompts.errors import (
    GitPromptsError,
    IntegrityError,
    InvalidInputError,
    InvalidModelError,
    ManifestError,
    ModelNotFoundError,
    PromptNotFoundError,
)
from gitprompts.models import flavors, importer, pins, runs, scripts
from gitprompts.models import options as model_options
from gitprompts.models import sources as modelstore
from gitprompts.models.context import PythonModelContext, configured
from gitprompts.models.flavors import pyfunc as pyfunc_flavor
from gitprompts.models.info import ModelInfo, describe
from gitprompts.models.manifest import FileEntry, Manifest, PromptEntry
from gitprompts.models.scripts import set_model
from gitprompts.models.store import Store, sha256
from gitprompts.models.stores import transfers
from gitprompts.remote.location import get_registry, registry_location

__all__ = [
    "ModelInfo",
    "get_model_info",
    "load_model",
    "log_model",
    "save_model",
    "search_models",
    "set_model",
]


def _package_versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        if name not in _versions:
            try:
                _versions[name] = version(name)
            except PackageNotFoundError:
                _versions[name] = ""
        if _versions[name]:
            found[name] = _versions[name]
    return found


_versions: dict[str, str] = {}


# -- logging -----------------------------------------------------------------


def _explicit_prompts(prompts: object) -> list[tuple[str, PromptVersion]]:
    if prompts is None:
        return []
    if isinstance(prompts, (str, PromptVersion)) or not isinstance(prompts, (list, tuple)):
        raise InvalidInputError(
            f"prompts must be a list of prompt URIs or PromptVersion objects, not {prompts!r}"
        )
    found = []
    for item in prompts:
        if isinstance(item, PromptVersion):
            found.append((item.uri, get_registry().get(item.name, item.version)))
            if item.blob_id is not None and found[-1][1].blob_id != item.blob_id:
                raise InvalidInputError(
                    f"prompts entry {item!r} does not match {item.uri} in the registry "
                    f"(blob {item.blob_id} there is {found[-1][1].blob_id})"
                )
        elif isinstance(item, str):
            ref = parse_prompt_uri(item) if "/" in item or "@" in item else resolve_ref(item)
            found.append((item, get_registry().resolve(ref)))
        else:
            raise InvalidInputError(
                f"prompts entry {item!r} is neither a prompt URI such as 'prompts:/name/2' "
                "nor a PromptVersion"
            )
    return found


def _pin(
    loads: list[tuple[str, PromptVersion, str]],
) -> tuple[list[PromptEntry], dict[tuple[str, int], bytes]]:
    entries: dict[tuple[str, str, int], PromptEntry] = {}
    copies: dict[tuple[str, int], bytes] = {}
    for written, version, source in loads:
        key = (written, version.name, version.version)
        if key in entries and entries[key].source == "explicit":
            continue
        if (version.name, version.version) not in copies:
            _, copies[(version.name, version.version)] = get_registry().prompt_file(
                version.name, version.version
            )
        data = copies[(version.name, version.version)]
        assert version.commit_id is not None and version.blob_id is not None
        entries[key] = PromptEntry(
            uri=written,
            name=version.name,
            version=version.version,
            commit_id=version.commit_id,
            blob_id=version.blob_id,
            sha256=sha256(data),
            source="explicit" if source == "explicit" else "auto",
        )
    return list(entries.values()), copies


def _code_files(script: Path, code_paths: object) -> dict[str, bytes]:
    files = {f"code/{script.name}": script.read_bytes()}
    if code_paths is None:
        return files
    if isinstance(code_paths, (str, os.PathLike)) or not isinstance(code_paths, (list, tuple)):
        raise InvalidInputError(f"code_paths must be a list of paths, not {code_paths!r}")
    for item in code_paths:
        path = Path(item)
        if path.is_file():
            files[f"code/{path.name}"] = path.read_bytes()
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and "__pycache__" not in found.parts:
                    rel = found.relative_to(path.parent).as_posix()
                    files[f"code/{rel}"] = found.read_bytes()
        else:
            raise InvalidInputError(f"code_paths entry {os.fspath(item)!r} does not exist")
    return files


def log_model(
    model: Any,
    name: str | None = "model",
    prompts: list[str | PromptVersion] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    *,
    flavor: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    run_id: str | None = None,
    **options: Any,
) -> ModelInfo:
    """Log ``model`` with its prompts pinned; returns its ``ModelInfo``.

    ``model`` is an object (a callable, an object with ``predict``, a
    ``gitprompts.pyfunc.PythonModel``, a LangChain runnable or LangGraph
    graph) or the path of a script that calls ``gitprompts.set_model(model)``
    (models-from-code: every prompt the script loads is pinned automatically).
    ``prompts=`` adds URIs or ``PromptVersion`` objects; aliases are resolved
    now and the manifest keeps both what was written and what it resolved to.
    Outside ``start_run`` a run is opened for this model alone; ``params`` and
    ``tags`` are recorded on the run under ``name``. MLflow's ``artifacts``,
    ``signature``, ``input_example``, ``pip_requirements``,
    ``extra_pip_requirements``, ``conda_env``, ``metadata`` and
    ``model_config`` are kept with the model (see ``options``).

    >>> info = gitprompts.log_model("chatbot.py", name="graph")    # doctest: +SKIP
    >>> info.prompt_uris                                            # doctest: +SKIP
    ['prompts:/chat-prompt/1']
    """
    name = modelstore.check_name("model" if name is None else name)
    store = Store()
    # Found before anything is written: a refused call leaves nothing behind.
    run = runs.active_run() if run_id is None else runs.get_run(run_id, store=store)
    params, tags = runs.as_strings(params, "params"), runs.as_strings(tags, "tags")
    manifest, files, copies = _build(model, prompts, code_paths, flavor, options)
    model_id, manifest = modelstore.write(store, manifest, files, copies)
    if run is None:
        run = runs.record_run_of_one(name, model_id, params, tags, store)
    else:
        runs.record_model(run, name, model_id, params=params, tags=tags)
    transfers.share_logged(store, model_id, run.run_id)  # uploaded (if shared) before linked
    _link(manifest, model_id)
    located = modelstore.Located(f"models:/{model_id}", manifest, model_id, store=store)
    return describe(located, copies, name=name, run_id=run.run_id)


def save_local(
    model: Any,
    path: str | os.PathLike[str],
    code_paths: list[str | os.PathLike[str]] | None = None,
    *,
    flavor: str | None = None,
    prompts: list[str | PromptVersion] | None = None,
    **options: Any,
) -> Path:
    """Save ``model`` as a self-contained directory at ``path`` (MLflow's flavor ``save_model``).

    Nothing goes to the artifact store or a run; ``load_model(path)`` loads it.
    """
    target = Path(path).expanduser().absolute()
    manifest, files, copies = _build(model, prompts, code_paths, flavor, options)
    modelstore.write_directory(target, manifest, files, copies)
    return target


def _build(
    model: Any,
    prompts: object,
    code_paths: Any,
    flavor: str | None,
    options: dict[str, Any],
) -> tuple[Manifest, dict[str, bytes], dict[tuple[str, int], bytes]]:
    """The model's manifest, its files and its pinned prompt copies."""
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise InvalidInputError(
            f"log_model got unexpected argument(s) {', '.join(unknown)}; "
            f"known options: {', '.join(sorted(OPTIONS))}"
        )
    explicit = _explicit_prompts(prompts)
    auto: list[tuple[str, PromptVersion]] = []
    if isinstance(model, (str, os.PathLike)):
        script = Path(model)
        if not script.is_file():
            raise InvalidModelError(os.fspath(model), "no such script file")
        files = _code_files(script, code_paths)
        source = files[f"code/{script.name}"]
        sys_path = sorted(
            {str(script.parent.absolute())}
            | {str(Path(p).absolute().parent) for p in code_paths or []}
        )
        config = model_options.read_config(options.get("model_config"))
        with pins.recording() as recorder, configured(config):
            obj = scripts.run(
                script.absolute(), source, f"gitprompts_logging_{script.stem}", sys_path
            )
        sys.modules.pop(f"gitprompts_logging_{script.stem}", None)
        auto = recorder.loads
        flavor = flavor or flavors.detect(obj)
        loader, entry = "code", f"code/{script.name}"
    else:
        if code_paths is not None:
            raise InvalidInputError("code_paths= is only for models logged from a script path")
        flavor = flavor or flavors.detect(model)
        loader, entry, files = flavors.get(flavor).serialise(model)
        obj = model
    module = flavors.get(flavor)
    packages = _package_versions(module.PACKAGES)
    extra_files, fields = model_options.fields(packages, model=obj, **options)
    files = {**files, **extra_files}
    entries, copies = _pin(
        [(w, v, "explicit") for w, v in explicit] + [(w, v, "auto") for w, v in auto]
    )
    manifest = Manifest(
        flavor=flavor,
        loader=loader,
        entry=entry,
        files=[FileEntry(path=p, sha256=sha256(d), size=len(d)) for p, d in files.items()],
        prompts=entries,
        python=platform.python_version(),
        packages={"gitprompts": __version__, **packages},
        created_at=now_iso(),
        **fields,
    )
    return manifest, files, copies


# MLflow's model options (see models.options.fields); models.facade routes the facades' by it.
OPTIONS = frozenset(
    {
        "artifacts",
        "signature",
        "input_example",
        "pip_requirements",
        "extra_pip_requirements",
        "conda_env",
        "metadata",
        "model_config",
    }
)


def _link(manifest: Manifest, model_id: str) -> None:
    if not manifest.prompts:
        return
    get_registry().link_model([p.commit_id for p in manifest.prompts], model_id)


# -- loading -----------------------------------------------------------------


def load_raw(
    model_uri: str | os.PathLike[str], strict: bool = False, flavor: str | None = None
) -> tuple[Any, pins.PinSet, ModelInfo]:
    """The model object as logged, its pins, and its info (every hash verified first)."""
    obj, pinset, info, _ = load_parts(model_uri, strict, flavor)
    return obj, pinset, info


def load_parts(
    model_uri: str | os.PathLike[str],
    strict: bool = False,
    flavor: str | None = None,
    *,
    model_config: Any = None,
    suppress_warnings: bool = False,
    dst_path: str | os.PathLike[str] | None = None,
) -> tuple[Any, pins.PinSet, ModelInfo, PythonModelContext]:
    """``load_raw`` with MLflow's load arguments, and the context a ``PythonModel`` gets.

    A model with ``load_context`` (a ``PythonModel``) has it called here,
    with its prompts pinned, before anything else runs it.
    """
    located = modelstore.locate(model_uri)
    manifest = located.manifest
    if flavor is not None and flavor != "pyfunc" and flavor != manifest.flavor:
        raise InvalidInputError(
            f"{model_uri} was logged with flavor {manifest.flavor!r}, not {flavor!r}: "
            f"load it with gitprompts.{manifest.flavor}.load_model or gitprompts.load_model"
        )
    files, copies = located.read_all()
    if dst_path is not None:
        _download(located, files, copies, dst_path)
    if not suppress_warnings:
        model_options.warn_requirements(manifest, str(model_uri), located.model_id)
    pinset = pins.PinSet(located.model_id, manifest.prompts, copies, strict=strict)
    info = describe(located, copies)
    if manifest.entry not in files:
        raise ManifestError(str(model_uri), f"entry {manifest.entry!r} is not among its files")
    context = model_options.context(manifest, located.model_id, files, model_config)
    with pins.activate(pinset):
        if manifest.loader == "code":
            # Imported from the verified bytes (the private copy on disk is
            # for __file__, tracebacks and the pins' frame lookup), by the
            # model's own code only, with sys.path untouched: see importer.
            root = importer.install(located.model_id, manifest.entry, files)
            pins.install(str(root), pinset)
            script = root / manifest.entry
            with configured(context.model_config or None):
                obj = scripts.run(
                    script,
                    files[manifest.entry],
                    f"gitprompts_model_{located.model_id[:12]}_{script.stem}",
                )
        else:
            obj = flavors.get(manifest.flavor).deserialise(
                manifest.loader, files[manifest.entry], str(model_uri)
            )
        if callable(getattr(obj, "load_context", None)):
            obj.load_context(context)
    return obj, pinset, info, context


def _download(
    located: modelstore.Located,
    files: dict[str, bytes],
    copies: dict[tuple[str, int], bytes],
    dst_path: str | os.PathLike[str],
) -> None:
    """``dst_path`` as MLflow takes it: an existing directory that receives a copy of the model."""
    root = Path(dst_path).expanduser()
    if not root.is_dir():
        raise InvalidInputError(
            f"dst_path={os.fspath(dst_path)!r} is not an existing directory (as in MLflow, "
            "the directory the model is copied into must exist)"
        )
    target = root / located.model_id[:12]
    if not (target / "manifest.json").is_file():
        modelstore.write_directory(target, located.manifest, files, copies)


def load_model(
    model_uri: str | os.PathLike[str],
    suppress_warnings: bool = False,
    dst_path: str | os.PathLike[str] | None = None,
    model_config: Any = None,
    *,
    strict: bool = False,
) -> Any:
    """Load a logged model with its prompts pinned; the flavor decides what comes back.

    ``model_uri`` is ``models:/<id>``, ``runs:/<run_id>/<name>`` or a
    directory written by ``save_model``. Every file and pinned prompt is
    verified first. Every ``load_prompt`` the model's code makes (at import
    or at call time, by number, alias or ``@latest``) returns the pinned
    version; a prompt it did not pin comes from the registry with an
    ``UnpinnedPromptWarning`` (``strict=True``: ``UnpinnedPromptError``).
    MLflow's arguments: ``model_config`` replaces the logged one in the
    model's context, ``dst_path`` (an existing directory) receives a copy of
    the model, and ``suppress_warnings=True`` hides the
    ``RequirementsMismatchWarning``.

    Loading runs the model's code (its script and modules, or its pickle):
    load only models you trust. A script's modules are imported from the
    verified bytes only, by the model's own code only (see ``importer``).

    >>> graph = gitprompts.load_model(info.model_uri)               # doctest: +SKIP
    >>> graph.invoke({"messages": [{"role": "user", "content": "Hi"}]})  # doctest: +SKIP
    """
    obj, pinset, info, context = load_parts(
        model_uri,
        strict,
        model_config=model_config,
        suppress_warnings=suppress_warnings,
        dst_path=dst_path,
    )
    if info.flavor == "pyfunc":  # the flavor whose models take a PythonModelContext
        return pyfunc_flavor.wrap(obj, pinset, info, context)
    return flavors.get(info.flavor).wrap(obj, pinset, info)


def get_model_info(model_uri: str | os.PathLike[str]) -> ModelInfo:
    """The model's manifest and pinned prompts, without loading it.

    >>> [p.uri for p in gitprompts.get_model_info(info.model_uri).prompts]  # doctest: +SKIP
    ['prompts:/summarization-prompt/2']
    """
    info = describe(modelstore.locate(model_uri))
    return replace(info, renumbered=_renumbered(info))


def _renumbered(info: ModelInfo) -> dict[str, int]:
    """Current numbers of pinned versions that a pull renumbered (read from the registry)."""
    location = registry_location()
    if not is_url(location) and not os.path.exists(os.path.join(location, "HEAD")):
        return {}  # no registry here (never create one just to look)
    found: dict[str, int] = {}
    try:
        registry = get_registry()
        for pin in info.manifest.prompts:
            now = registry.current_number(pin.name, pin.version, pin.blob_id)
            if now is not None and now != pin.version:
                found[pin.resolved_uri] = now
    except GitPromptsError:
        return {}  # no registry here: the pinned copies are all there is
    return found


def save_model(model_uri: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Export a logged model as a self-contained directory (files, manifest, pinned prompts).

    ``load_model(path)`` loads it anywhere, with no registry and an empty
    ``GITPROMPTS_HOME``.

    >>> gitprompts.save_model(info.model_uri, "export/summarizer")    # doctest: +SKIP
    """
    target = Path(path).expanduser().absolute()
    modelstore.export(modelstore.locate(model_uri), target)
    return target


def search_models(prompt: str | None = None) -> list[ModelInfo]:
    """Models logged with ``prompt``: ``name/2``, ``prompts:/name/2``, or any version of ``name``.

    Read from the git notes on the versions' commits; models that are not in
    this machine's artifact store are left out. With no ``prompt``: every
    model in the artifact store.

    >>> gitprompts.search_models(prompt="summarization-prompt")  # doctest: +SKIP
    """
    if prompt is None:
        store = Store()
        transfers.fetch_manifests(store)  # a shared store's models are listed too
        every = []
        for path in sorted((store.root / "models").glob("*.json")):
            try:
                every.append(describe(modelstore.locate(f"models:/{path.stem}", store)))
            except GitPromptsError:
                continue  # a damaged model is reported by verify_model, not listed
        return sorted(every, key=lambda m: (m.created_at, m.model_id))
    if not isinstance(prompt, str):
        raise InvalidInputError(f"prompt must be 'name', 'name/N' or 'name@alias', not {prompt!r}")
    registry = get_registry()
    if "/" in prompt.removeprefix("prompts:/") or "@" in prompt:
        version = registry.resolve(parse_prompt_uri(prompt)).version
        links = registry.linked_models(parse_prompt_uri(prompt).name, version)
    else:
        name = resolve_ref(prompt).name
        links = registry.linked_models(name)
        if not links and registry.latest_version(name) == 0:
            raise PromptNotFoundError(name)
    store = Store()
    found: dict[str, ModelInfo] = {}
    for ids in links.values():
        for model_id in ids:
            if model_id in found:
                continue
            try:
                found[model_id] = describe(modelstore.locate(f"models:/{model_id}", store))
            except ModelNotFoundError:
                continue
    return sorted(found.values(), key=lambda m: (m.created_at, m.model_id))


def verify_model(
    model_uri: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None
) -> list[str]:
    """Re-hash every file and pinned prompt of a model; one line per problem ([] when intact).

    ``progress(done, total)`` is called after each item (the CLI draws a bar with it).
    This checks integrity, not intent: a model logged by anyone verifies if
    its bytes are the ones its manifest lists.

    >>> gitprompts.verify_model("models:/3f2a...")  # doctest: +SKIP
    []
    """
    located = modelstore.locate(model_uri)
    items: list[Callable[[], object]] = [
        functools.partial(located.read_file, entry) for entry in located.manifest.files
    ]
    items += [functools.partial(located.read_prompt, entry) for entry in located.manifest.prompts]
    problems = []
    for done, check in enumerate(items, 1):
        try:
            check()
        except IntegrityError as exc:
            problems.append(str(exc))
        if progress is not None:
            progress(done, len(items))
    return problems
