"""MLflow's prompt REST API, so an unmodified MLflow client can use ``gitprompts serve``.

MLflow 3.x's client (``MLFLOW_TRACKING_URI=http://host:port``) keeps prompts
in its model registry: ``register_prompt``, ``load_prompt``, aliases, tags
and ``search_prompts`` become calls to these endpoints under
``/api/2.0/mlflow/`` (``store/model_registry/rest_store.py``; the tag keys
are in ``core.mlflow_wire``), recorded against MLflow 3.17.2::

    GET    registered-models/get            GET    model-versions/get
    POST   registered-models/create         POST   model-versions/create
    DELETE registered-models/delete         DELETE model-versions/delete
    GET    registered-models/search         GET    model-versions/search
    POST   registered-models/set-tag        POST   model-versions/set-tag
    DELETE registered-models/delete-tag     DELETE model-versions/delete-tag
    POST|DELETE|GET registered-models/alias POST   registered-models/get-latest-versions

Every call goes through ``Registry``, as user code does: a version lands as
a ``.prompt`` file and a tag, an alias or tag change as a commit on main,
checked by the same rules. Writes need the serve token (MLflow's client sends
``MLFLOW_TRACKING_TOKEN`` as ``Authorization: Bearer``) and are refused on a
read-only server; anything else answers MLflow's JSON error shape
(``{"error_code": ..., "message": ...}``), which its client raises as an
``MlflowException`` with that message.

A prompt MLflow creates (``registered-models/create``) has no version yet,
and a gitprompts prompt exists only with one: until its first version the
prompt and its tags live in this process only (MLflow's client creates the
first version in its next call).

>>> app = MLflowApp(Path("registry.git"), tokens=["s3cret"])   # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from gitprompts.core.mlflow_wire import (
    INTERNAL_VERSION_TAGS,
    IS_PROMPT_TAG,
    MODEL_CONFIG_TAG,
    error_json,
    tag_dict,
    tag_list,
    version_fields,
    version_json,
)
from gitprompts.core.prompt import PromptVersion
from gitprompts.core.search import compile_filter
from gitprompts.core.uri import LATEST
from gitprompts.errors import (
    GitPromptsError,
    InvalidInputError,
    NotFoundError,
    PromptVersionNotFoundError,
)
from gitprompts.registry import Registry

from .auth import check_token
from .pool import RegistryPool

log = logging.getLogger("gitprompts.serve.mlflow")

StartResponse = Callable[..., Any]
# Where MLflow's client (``/api``) and its web UI (``/ajax-api``) send registry calls.
PREFIXES = ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/")
MAX_BODY = 32 * 1024 * 1024  # a request's JSON: a 1 MiB prompt is far below this
MAX_RESULTS = 1000  # MLflow's own cap for registry searches
MAX_PENDING = 1000  # prompts created and still without a version, kept in memory
_STATUS = {
    "RESOURCE_DOES_NOT_EXIST": "404 Not Found",
    "ENDPOINT_NOT_FOUND": "404 Not Found",
    "INVALID_PARAMETER_VALUE": "400 Bad Request",
    "RESOURCE_ALREADY_EXISTS": "400 Bad Request",
    "INVALID_STATE": "400 Bad Request",
    "UNAUTHENTICATED": "401 Unauthorized",
    "PERMISSION_DENIED": "403 Forbidden",
}
# model-versions/search: what MLflow's client sends (search_prompt_versions: one prompt)
# and what ``gitprompts import mlflow`` sends (every prompt's versions, the tag alone).
_IS_PROMPT = r"tags?\.`?mlflow\.prompt\.is_prompt`?\s*=\s*'true'"
_VERSIONS_FILTER = re.compile(
    rf"^\s*(?:name\s*=\s*'(?P<name>(?:[^']|'')*)'(?:\s+AND\s+{_IS_PROMPT})?|{_IS_PROMPT})\s*$",
    re.I,
)


class MLflowError(Exception):
    """An answer in MLflow's error shape."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Pending:
    """A prompt MLflow created that has no version yet (lives in this process only)."""

    def __init__(self, tags: dict[str, str], description: str) -> None:
        self.tags = tags
        self.description = description
        self.created = int(time.time() * 1000)


Params = dict[str, Any]
Handler = Callable[["MLflowApp", Registry, Params], dict[str, Any]]
_ROUTES: dict[tuple[str, str], tuple[Handler, bool]] = {}


def _route(method: str, path: str, *, write: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES[(method, path)] = (handler, write)
        return handler

    return register


def _str(params: Params, key: str, *, required: bool = True) -> str:
    value = params.get(key)
    if isinstance(value, list):  # a query string parameter
        value = value[0] if value else None
    if value is None or value == "":
        if required:
            raise MLflowError(
                "INVALID_PARAMETER_VALUE", f"Missing value for required parameter '{key}'."
            )
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise MLflowError(
            "INVALID_PARAMETER_VALUE", f"Parameter '{key}' must be a string, got {value!r:.80}"
        )
    return str(value)


def _number(params: Params, key: str = "version") -> int:
    text = _str(params, key)
    if not text.isdigit():
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"Parameter '{key}' must be an integer version number, got {text!r:.80}",
        )
    return int(text)


def _limit(params: Params, default: int) -> int:
    text = _str(params, "max_results", required=False) or str(default)
    if not text.isdigit() or not 1 <= int(text) <= 200_000:
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"max_results must be a number from 1 to 200000, got {text!r:.80}",
        )
    return int(text)


class MLflowApp:
    """The WSGI app for MLflow's registry endpoints, over the registry at ``path``.

    >>> app = MLflowApp(Path("registry.git"), tokens=["s3cret"], read_only=False)  # doctest: +SKIP
    """

    def __init__(
        self,
        path: Path,
        *,
        tokens: Iterable[str] = (),
        read_only: bool = False,
        pool: RegistryPool | None = None,
    ) -> None:
        self.tokens = [t for t in tokens if t]
        self.read_only = read_only
        self.pool = pool or RegistryPool(path)
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()  # guards _pending

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            body = self._handle(environ)
            status = "200 OK"
        except MLflowError as exc:
            status, body = (
                _STATUS.get(exc.code, "400 Bad Request"),
                error_json(exc.code, exc.message),
            )
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def _handle(self, environ: dict[str, Any]) -> bytes:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        endpoint = next((path[len(p) :] for p in PREFIXES if path.startswith(p)), None)
        found = _ROUTES.get((method, endpoint or ""))
        if found is None:
            raise MLflowError(
                "ENDPOINT_NOT_FOUND",
                f"{method} {path} is not an endpoint of gitprompts serve, which implements "
                "MLflow's prompt registry API (registered-models/* and model-versions/* under "
                "/api/2.0/mlflow/)",
            )
        handler, write = found
        if write:
            if self.read_only:
                raise MLflowError(
                    "PERMISSION_DENIED",
                    "this gitprompts serve is read-only: it refuses every write",
                )
            if not check_token(environ.get("HTTP_AUTHORIZATION", ""), self.tokens):
                raise MLflowError(
                    "UNAUTHENTICATED",
                    "writing to gitprompts serve needs its token: set MLFLOW_TRACKING_TOKEN to "
                    "the server's token (the one given to 'gitprompts serve --token-file')",
                )
        params = _params(environ, method)
        with self.pool.registry() as registry:
            try:
                answer = handler(self, registry, params)
            except MLflowError:
                raise
            except NotFoundError as exc:
                raise MLflowError("RESOURCE_DOES_NOT_EXIST", str(exc)) from None
            except InvalidInputError as exc:
                raise MLflowError("INVALID_PARAMETER_VALUE", str(exc)) from None
            except GitPromptsError as exc:
                log.warning("%s %s: %s", method, path, exc)
                raise MLflowError("INVALID_STATE", str(exc)) from None
        return json.dumps(answer).encode()

    # -- what the answers are made of ---------------------------------------------

    def _exists(self, registry: Registry, name: str) -> bool:
        """Whether ``name`` has a live version (``name`` checked first: a bad name is 400)."""
        try:
            return registry.latest_version(name) > 0
        except NotFoundError:
            return False

    def _model(self, registry: Registry, name: str) -> dict[str, Any]:
        """A prompt as MLflow's ``RegisteredModel`` JSON."""
        latest = registry.latest_version(name)
        if latest == 0:
            with self._lock:
                pending = self._pending.get(name)
            if pending is None:
                raise MLflowError(
                    "RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found"
                )
            return {
                "name": name,
                "creation_timestamp": pending.created,
                "last_updated_timestamp": pending.created,
                "description": pending.description,
                "tags": tag_list({IS_PROMPT_TAG: "true", **pending.tags}),
            }
        newest = registry.get(name, latest)
        first = _first(registry, name, newest)
        record: dict[str, Any] = {
            "name": name,
            "creation_timestamp": first.creation_timestamp,
            "last_updated_timestamp": newest.creation_timestamp,
            "description": first.commit_message or "",
            "latest_versions": [version_json(newest)],
            "tags": tag_list({IS_PROMPT_TAG: "true", **registry.prompt_tags(name)}),
        }
        aliases = registry.aliases(name)
        if aliases:
            record["aliases"] = [{"alias": a, "version": str(v)} for a, v in aliases.items()]
        return record

    def _version(self, registry: Registry, name: str, number: int) -> PromptVersion:
        try:
            return registry.get(name, number)
        except PromptVersionNotFoundError:
            raise MLflowError(
                "RESOURCE_DOES_NOT_EXIST",
                f"Model Version (name={name}, version={number}) not found",
            ) from None
        except NotFoundError:
            raise MLflowError(
                "RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found"
            ) from None


def _first(registry: Registry, name: str, newest: PromptVersion) -> PromptVersion:
    """Version 1 (MLflow's prompt description and creation time are the first version's)."""
    try:
        return registry.get(name, 1)
    except NotFoundError:
        return newest


def _params(environ: dict[str, Any], method: str) -> Params:
    """The request's parameters: the query string for GET, the JSON body otherwise."""
    if method == "GET":
        return dict(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise MLflowError("INVALID_PARAMETER_VALUE", "Content-Length is not a number") from None
    if length > MAX_BODY:
        raise MLflowError("INVALID_PARAMETER_VALUE", f"request body over {MAX_BODY} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw:
        return {}
    try:
        params = json.loads(raw)
    except ValueError as exc:
        raise MLflowError("INVALID_PARAMETER_VALUE", f"request body is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise MLflowError("INVALID_PARAMETER_VALUE", "request body must be a JSON object")
    return params


# -- registered models (prompts) ---------------------------------------------------------


@_route("GET", "registered-models/get")
def _get_model(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    return {"registered_model": app._model(registry, _str(params, "name"))}


@_route("POST", "registered-models/create", write=True)
def _create_model(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name = _str(params, "name")
    tags = tag_dict(params.get("tags"), f"prompt {name!r}")
    if app._exists(registry, name):
        raise MLflowError(
            "RESOURCE_ALREADY_EXISTS", f"Registered Model (name={name}) already exists."
        )
    if tags.pop(IS_PROMPT_TAG, None) != "true":
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"gitprompts serve holds prompts only: registered model {name!r} needs the tag "
            f"{IS_PROMPT_TAG}=true (mlflow.genai.register_prompt sets it)",
        )
    with app._lock:
        if len(app._pending) >= MAX_PENDING and name not in app._pending:
            raise MLflowError(
                "INVALID_STATE",
                f"{MAX_PENDING} prompts were created here without a first version: register "
                "a version of one (or delete it) before creating another",
            )
        app._pending[name] = _Pending(tags, _str(params, "description", required=False))
    return {"registered_model": app._model(registry, name)}


@_route("DELETE", "registered-models/delete", write=True)
def _delete_model(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name = _str(params, "name")
    with app._lock:
        pending = app._pending.pop(name, None)
    if not app._exists(registry, name):
        if pending is None:
            raise MLflowError(
                "RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found"
            )
        return {}
    registry.delete_prompt(name)
    return {}


@_route("GET", "registered-models/search")
def _search_models(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    matches = compile_filter(_str(params, "filter", required=False) or None)
    limit = _limit(params, 100)
    if not 1 <= limit <= MAX_RESULTS:
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"Invalid value for request parameter max_results. It must be at most {MAX_RESULTS}, "
            f"but got value {limit}",
        )
    token = _str(params, "page_token", required=False)
    start = int(token) if token.isdigit() else 0
    with app._lock:
        pending = {n: p.tags for n, p in app._pending.items()}
    rows = {p.name: p.tags for p in registry.prompts()}
    rows.update({n: t for n, t in pending.items() if n not in rows})
    names = [n for n in sorted(rows) if matches(n, {IS_PROMPT_TAG: "true", **rows[n]})]
    page = names[start : start + limit]
    answer: dict[str, Any] = {"registered_models": [app._model(registry, n) for n in page]}
    if start + limit < len(names):
        answer["next_page_token"] = str(start + limit)
    return answer


@_route("POST", "registered-models/set-tag", write=True)
def _set_model_tag(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, key, value = (
        _str(params, "name"),
        _str(params, "key"),
        _str(params, "value", required=False),
    )
    with app._lock:
        pending = app._pending.get(name)
        if pending is not None and not app._exists(registry, name):
            pending.tags[key] = value
            return {}
    if key == IS_PROMPT_TAG:
        return {}  # every prompt here is one
    if not app._exists(registry, name):
        raise MLflowError("RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found")
    if registry.prompt_tags(name).get(key) != value:
        registry.set_prompt_tag(name, key, value)
    return {}


@_route("DELETE", "registered-models/delete-tag", write=True)
def _delete_model_tag(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, key = _str(params, "name"), _str(params, "key")
    with app._lock:
        pending = app._pending.get(name)
        if pending is not None and not app._exists(registry, name):
            pending.tags.pop(key, None)
            return {}
    if not app._exists(registry, name):
        raise MLflowError("RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found")
    # MLflow answers a tag the prompt does not have with success, and so do we here.
    if key in registry.prompt_tags(name):
        registry.delete_prompt_tag(name, key)
    return {}


@_route("POST", "registered-models/alias", write=True)
def _set_alias(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, alias, number = _str(params, "name"), _str(params, "alias"), _number(params)
    app._version(registry, name, number)
    registry.set_alias(name, alias, number)
    return {}


@_route("DELETE", "registered-models/alias", write=True)
def _delete_alias(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, alias = _str(params, "name"), _str(params, "alias")
    if not app._exists(registry, name):
        raise MLflowError("RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found")
    if alias in registry.aliases(name):  # MLflow: deleting a missing alias succeeds
        registry.delete_alias(name, alias)
    return {}


@_route("GET", "registered-models/alias")
def _get_by_alias(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, alias = _str(params, "name"), _str(params, "alias")
    if not app._exists(registry, name):
        raise MLflowError("RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found")
    if alias == LATEST:
        number = registry.latest_version(name)
    else:
        found = registry.aliases(name).get(alias)
        if found is None:
            raise MLflowError(
                "INVALID_PARAMETER_VALUE", f"Registered model alias {alias} not found."
            )
        number = found
    return {"model_version": version_json(app._version(registry, name, number))}


@_route("POST", "registered-models/get-latest-versions")
def _latest_versions(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    model = app._model(registry, _str(params, "name"))
    return {"model_versions": model.get("latest_versions", [])}


# -- model versions (prompt versions) --------------------------------------------------


@_route("POST", "model-versions/create", write=True)
def _create_version(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name = _str(params, "name")
    fields = version_fields(tag_dict(params.get("tags"), f"prompt {name!r}"), f"prompt {name!r}")
    with app._lock:
        pending = app._pending.get(name)
    if pending is None and not app._exists(registry, name):
        raise MLflowError("RESOURCE_DOES_NOT_EXIST", f"Registered Model with name={name} not found")
    created = registry.register(
        name,
        fields.template,
        _str(params, "description", required=False) or None,
        fields.tags,
        fields.response_format,
        fields.model_config,
    )
    if pending is not None:
        with app._lock:
            app._pending.pop(name, None)
        # register() also tags the prompt with the version's tags (MLflow's client
        # sets the same keys itself); the prompt's own tags from create come on top.
        recorded = registry.prompt_tags(name)
        for key, value in pending.tags.items():
            if recorded.get(key) != value:
                registry.set_prompt_tag(name, key, value)
    return {"model_version": version_json(created)}


@_route("GET", "model-versions/get")
def _get_version(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, number = _str(params, "name"), _number(params)
    return {"model_version": version_json(app._version(registry, name, number))}


@_route("DELETE", "model-versions/delete", write=True)
def _delete_version(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, number = _str(params, "name"), _number(params)
    app._version(registry, name, number)
    registry.delete_version(name, number)
    return {}


@_route("GET", "model-versions/search")
def _search_versions(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    text = _str(params, "filter", required=False)
    match = _VERSIONS_FILTER.match(text)
    if match is None:
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"gitprompts serve searches the versions of one prompt: use the filter "
            f"\"name = 'NAME'\" (optionally AND tags.`{IS_PROMPT_TAG}` = 'true'), "
            f"not {text!r:.200}",
        )
    if match.group("name") is None:  # every prompt
        found = [
            v for n in registry.names() if app._exists(registry, n) for v in registry.versions(n)
        ]
    else:
        name = match.group("name").replace("''", "'")
        found = registry.versions(name) if app._exists(registry, name) else []
    order = (
        " ".join(params.get("order_by") or []).lower()
        if isinstance(params.get("order_by"), list)
        else ""
    )
    found.sort(key=lambda v: (v.name, v.version), reverse="asc" not in order)
    limit = _limit(params, 10_000)
    token = _str(params, "page_token", required=False)
    start = int(token) if token.isdigit() else 0
    answer: dict[str, Any] = {
        "model_versions": [version_json(v) for v in found[start : start + limit]]
    }
    if start + limit < len(found):
        answer["next_page_token"] = str(start + limit)
    return answer


@_route("POST", "model-versions/set-tag", write=True)
def _set_version_tag(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, number = _str(params, "name"), _number(params)
    key, value = _str(params, "key"), _str(params, "value", required=False)
    app._version(registry, name, number)
    if key == MODEL_CONFIG_TAG:  # MLflow's set_prompt_model_config
        config = version_fields(
            {"mlflow.prompt.text": "", MODEL_CONFIG_TAG: value}, f"{name}/{number}"
        )
        registry.set_model_config(name, number, config.model_config)
    elif key in INTERNAL_VERSION_TAGS:
        raise MLflowError(
            "INVALID_PARAMETER_VALUE",
            f"tag {key!r} holds the template of {name} version {number}, which never changes: "
            "register a new version instead",
        )
    else:
        registry.set_version_tag(name, number, key, value)
    return {}


@_route("DELETE", "model-versions/delete-tag", write=True)
def _delete_version_tag(app: MLflowApp, registry: Registry, params: Params) -> dict[str, Any]:
    name, number, key = _str(params, "name"), _number(params), _str(params, "key")
    version = app._version(registry, name, number)
    if key == MODEL_CONFIG_TAG:
        if version.model_config is not None:
            registry.delete_model_config(name, number)
    elif key in version.tags:  # MLflow: deleting a missing tag succeeds
        registry.delete_version_tag(name, number, key)
    return {}


def mounted(
    mlflow_app: MLflowApp, other: Callable[..., Iterable[bytes]]
) -> Callable[..., Iterable[bytes]]:
    """One WSGI app: MLflow's paths (``/api/``, ``/ajax-api/``) to ``mlflow_app``, others on.

    Every path under ``/api/`` and ``/ajax-api/`` is MLflow's, so an endpoint
    we do not implement answers MLflow's JSON ``ENDPOINT_NOT_FOUND``, not a page.
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/api/", "/ajax-api/")):
            return mlflow_app(environ, start_response)
        return other(environ, start_response)

    return app


__all__ = ["PREFIXES", "MLflowApp", "MLflowError", "mounted"]
