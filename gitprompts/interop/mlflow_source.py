"""Reading and writing an MLflow prompt registry: its REST API, or its store through MLflow.

An ``http(s)://`` tracking URI is spoken to with the standard library (no
MLflow needed): the same registry endpoints MLflow's own client calls
(``serve/mlflow_rest`` answers them too). Any other URI (``sqlite:///…``, a
file store) is opened with MLflow's own client, from the ``mlflow`` extra.
Both give the same JSON shapes (``core.mlflow_wire``), so import and export
have one code path. Everything read is untrusted: answers are bounded in size
and time and checked before use; a bad one raises ``MLflowServerError``
naming the URI and what was wrong.

>>> source = open_source("http://127.0.0.1:5000")   # doctest: +SKIP
>>> [p["name"] for p in source.prompts()]            # doctest: +SKIP
['greet']
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any, Protocol

from gitprompts.core.mlflow_wire import IS_PROMPT_TAG, tag_list
from gitprompts.core.urls import without_password
from gitprompts.errors import MLflowServerError

TIMEOUT = 60.0  # seconds for one answer
MAX_ANSWER = 256 * 1024 * 1024  # bytes of one JSON answer (a page of 1,000 versions)
PAGE = 1000
MAX_PAGES = 100_000  # a server that keeps handing out page tokens is stopped here
PROMPTS_FILTER = f"tags.`{IS_PROMPT_TAG}` = 'true'"


class Source(Protocol):
    """An MLflow registry, in MLflow's JSON shapes."""

    uri: str

    def prompts(self) -> Iterator[dict[str, Any]]:
        """Every prompt (``RegisteredModel`` JSON: name, tags, aliases, ...)."""
        ...

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every live version of ``name`` (``ModelVersion`` JSON), any order."""
        ...

    def all_versions(self) -> dict[str, list[dict[str, Any]]]:
        """Every live version of every prompt, by prompt name (a few paged requests in all)."""
        ...

    def call(self, method: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """One registry call (for writes: ``export``)."""
        ...


class HttpSource:
    """An MLflow tracking server (or ``gitprompts serve``) over its REST API.

    ``token`` (default ``MLFLOW_TRACKING_TOKEN``) is sent as ``Authorization:
    Bearer``, as MLflow's client does.
    """

    def __init__(self, uri: str, token: str | None = None) -> None:
        self.uri = uri.rstrip("/")
        self.token = token if token is not None else os.environ.get("MLFLOW_TRACKING_TOKEN")

    def call(self, method: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.uri}/api/2.0/mlflow/{endpoint}"
        data = None
        if method == "GET":
            url += "?" + urllib.parse.urlencode(body, doseq=True)
        else:
            data = json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        shown = without_password(self.uri)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                raw = answer.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            raw = exc.read(64 * 1024)
            try:
                message = json.loads(raw).get("message") or raw[:300].decode("utf-8", "replace")
            except (ValueError, AttributeError):
                message = raw[:300].decode("utf-8", "replace")
            raise _HttpError(
                shown, exc.code, f"{method} {endpoint}: HTTP {exc.code}: {message}"
            ) from None
        except (OSError, ValueError) as exc:
            raise MLflowServerError(shown, f"{method} {endpoint}: {exc}") from None
        if len(raw) > MAX_ANSWER:
            raise MLflowServerError(shown, f"{method} {endpoint}: answer over {MAX_ANSWER} bytes")
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise MLflowServerError(
                shown, f"{method} {endpoint}: answer is not JSON ({exc})"
            ) from None
        if not isinstance(parsed, dict):
            raise MLflowServerError(shown, f"{method} {endpoint}: answer is not a JSON object")
        return parsed

    def _pages(self, endpoint: str, key: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        token = ""
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.call("GET", endpoint, {**body, **({"page_token": token} if token else {})})
            items = page.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise MLflowServerError(self.uri, f"{endpoint}: {key!r} is not a list of objects")
            yield from items
            token = page.get("next_page_token") or ""
            if not isinstance(token, str) or not token:
                return
            if token in seen:
                raise MLflowServerError(self.uri, f"{endpoint}: page token {token[:40]!r} repeats")
            seen.add(token)
        raise MLflowServerError(self.uri, f"{endpoint}: more than {MAX_PAGES} pages")

    def prompts(self) -> Iterator[dict[str, Any]]:
        return self._pages(
            "registered-models/search",
            "registered_models",
            {"filter": PROMPTS_FILTER, "max_results": PAGE},
        )

    def all_versions(self) -> dict[str, list[dict[str, Any]]]:
        # One paged search for every prompt version: a search per prompt cost a round
        # trip each (0.5 s apiece from a busy mlflow server, 8 minutes for 1,000 prompts).
        found: dict[str, list[dict[str, Any]]] = {}
        for record in self._pages(
            "model-versions/search",
            "model_versions",
            {"filter": f"tag.`{IS_PROMPT_TAG}` = 'true'", "max_results": PAGE},
        ):
            found.setdefault(str(record.get("name")), []).append(record)
        return found

    def versions(self, name: str) -> list[dict[str, Any]]:
        return list(
            self._pages(
                "model-versions/search",
                "model_versions",
                {"filter": _versions_filter(name), "max_results": PAGE},
            )
        )


def _versions_filter(name: str) -> str:
    """The versions of prompt ``name`` (a search without the tag leaves prompt versions out)."""
    quoted = name.replace("'", "''")
    return f"name = '{quoted}' AND tag.`{IS_PROMPT_TAG}` = 'true'"


class _HttpError(MLflowServerError):
    """An HTTP error answer (``status`` kept so callers can tell 404 from the rest)."""

    def __init__(self, uri: str, status: int, reason: str) -> None:
        super().__init__(uri, reason)
        self.status = status


class StoreSource:
    """An MLflow store MLflow's own client opens (``sqlite:///…``, a file store)."""

    def __init__(self, uri: str) -> None:
        try:
            from mlflow import MlflowClient
        except ImportError:
            raise MLflowServerError(
                uri,
                "reading an MLflow store directly needs MLflow: pip install 'gitprompts[mlflow]' "
                "(or point at a tracking server: http://host:port)",
            ) from None
        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def prompts(self) -> Iterator[dict[str, Any]]:
        token = None
        for _ in range(MAX_PAGES):
            page = self.client.search_registered_models(
                filter_string=PROMPTS_FILTER, max_results=PAGE, page_token=token
            )
            for rm in page:
                yield {
                    "name": rm.name,
                    "description": rm.description or "",
                    "creation_timestamp": rm.creation_timestamp,
                    "tags": tag_list(dict(rm._tags if isinstance(rm._tags, dict) else rm.tags)),
                    "aliases": [
                        {"alias": a, "version": str(v)} for a, v in (rm.aliases or {}).items()
                    ],
                }
            token = page.token
            if not token:
                return

    def all_versions(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for record in self._versions(f"tag.`{IS_PROMPT_TAG}` = 'true'"):
            found.setdefault(record["name"], []).append(record)
        return found

    def versions(self, name: str) -> list[dict[str, Any]]:
        return self._versions(_versions_filter(name))

    def _versions(self, filter_string: str) -> list[dict[str, Any]]:
        found = self.client.search_model_versions(filter_string, max_results=200_000)
        return [
            {
                "name": mv.name,
                "version": str(mv.version),
                "description": mv.description or "",
                "creation_timestamp": mv.creation_timestamp,
                "user_id": mv.user_id or "",
                "tags": tag_list(dict(mv.tags)),
            }
            for mv in found
        ]

    def call(self, method: str, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        raise MLflowServerError(
            self.uri,
            "export writes over MLflow's REST API: give a tracking server URL (http://host:port)",
        )


def open_source(uri: str, token: str | None = None) -> Source:
    """The MLflow registry at ``uri``: a tracking server URL, or a store URI (needs MLflow).

    >>> open_source("http://127.0.0.1:5000").uri
    'http://127.0.0.1:5000'
    """
    if uri.startswith(("http://", "https://")):
        return HttpSource(uri, token)
    return StoreSource(uri)


__all__ = ["HttpSource", "Source", "StoreSource", "open_source"]
