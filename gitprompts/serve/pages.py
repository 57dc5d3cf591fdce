"""The web UI: server-rendered pages over the public API (no JavaScript).

Routes::

    /                       prompts (?q=name&text=words&tag=key[=value]&page=N), 100 per page
    /prompts/<name>         a prompt (?v=N shown, ?from=A&to=B&view=unified|side diff)
    /models                 logged models
    /models/<model_id>      a model: pinned prompts, files, verification
    /runs                   runs
    /runs/<run_id>          a run and its models
    /traces, /traces/<id>   traces recorded by gitprompts.autolog() (see ``traces``)

Every value from the registry or the request is escaped by Jinja2's
autoescape; variables are highlighted by splitting the raw text and
escaping each piece before wrapping names in ``<mark>``.

Pages render side by side, each request on a registry handle of its own
(``pool``): no page waits for another, however slow it is.

>>> app = UIApp(clone_url="http://127.0.0.1:5000/git/registry.git")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import jinja2
from markupsafe import Markup, escape

import gitprompts
from gitprompts.core.diff import UnifiedRow, metadata_rows, side_rows, unified_rows
from gitprompts.core.template import VARIABLE
from gitprompts.core.times import utc_minute
from gitprompts.errors import GitPromptsError, ModelNotFoundError, NotFoundError
from gitprompts.models.info import ModelInfo, describe
from gitprompts.models.manifest import RUN_ID, SHA256
from gitprompts.models.runs import RunRecord, search_runs
from gitprompts.models.sources import locate
from gitprompts.registry import Registry

from . import traces
from .pool import RegistryPool
from .search import text_matches
from .templates import CSS, TEMPLATES

log = logging.getLogger("gitprompts.serve.ui")

StartResponse = Callable[..., Any]
PAGE_SIZE = 100
MAX_MODELS_PER_VERSION = 50
# What the registry calls a variable (so the page marks exactly those), and Jinja2 tags.
_MARKED = re.compile(rf"(?:{VARIABLE.pattern})|\{{%.*?%\}}")
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # No script runs on these pages at all, whatever a prompt contains.
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"),
    ("Cache-Control", "no-cache"),
]


class HTTPError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def highlight(text: str) -> Markup:
    """``text`` escaped, with ``{{ variables }}`` (and Jinja2 tags) wrapped in ``<mark>``.

    >>> str(highlight("<b>{{ name }}</b>"))
    '&lt;b&gt;<mark class="var">{{ name }}</mark>&lt;/b&gt;'
    >>> str(highlight("{{ user.name }} {{ not.1 }} {% if x %}"))
    '<mark class="var">{{ user.name }}</mark> {{ not.1 }} <mark class="var">{% if x %}</mark>'
    """
    out: list[Markup] = []
    position = 0
    for match in _MARKED.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(Markup('<mark class="var">%s</mark>') % match.group(0))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def prompt_url(name: str, **params: object) -> str:
    """The page of prompt ``name`` (``v=3`` selects a version).

    >>> prompt_url("a b", v=2)
    '/prompts/a%20b?v=2'
    """
    url = "/prompts/" + quote(name, safe="")
    query = {k: v for k, v in params.items() if v is not None}
    return url + ("?" + urlencode(query) if query else "")


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        raise HTTPError("400 Bad Request", f"not a number: {value!r}") from None


def _prompt_row(registry: Registry, name: str) -> gitprompts.Prompt | None:
    """What the list shows for one prompt (None when every version was deleted).

    A prompt whose files cannot be read (a hand-edited state, a corrupt file
    pushed past the hook) is left out and logged: one bad prompt must not
    take the whole list down.
    """
    try:
        latest = registry.latest_version(name)
        if latest == 0:
            return None
        version = registry.get(name, latest)
        aliases = registry.aliases(name)
    except GitPromptsError as exc:
        log.warning("prompt %r left out of the list: %s", name, exc)
        return None
    return gitprompts.Prompt(name, latest, aliases, version.tags, version.creation_timestamp)


def _model_info(model_id: str) -> ModelInfo:
    """``get_model_info`` without ``renumbered`` (the UI does not show it): that part reads
    the process-wide registry handle, which request threads must not share."""
    return describe(locate(f"models:/{model_id}"))


def _logged_by() -> dict[str, tuple[RunRecord, str]]:
    """Each model id's first run and the name it was logged under there."""
    found: dict[str, tuple[RunRecord, str]] = {}
    for record in search_runs():
        for model_name, model_id in sorted(record.models.items()):
            found.setdefault(model_id, (record, model_name))
    return found


class UIApp:
    """The UI over the registry at ``registry`` (default: the current one), as a WSGI app.

    Each request reads through a registry handle of its own (``RegistryPool``);
    the only shared one is the tag search's, whose listing of every prompt is
    worth keeping (tens of seconds at 10,000 prompts, cached until ``main``
    moves), under its own lock.

    >>> app = UIApp(clone_url="http://127.0.0.1:5000/git/registry.git")  # doctest: +SKIP
    """

    def __init__(self, registry: Path | None = None, clone_url: str = "") -> None:
        self.clone_url = clone_url
        self.registry_path = registry if registry is not None else gitprompts.get_registry().path
        self.pool = RegistryPool(self.registry_path)
        self._listing: Registry | None = None
        self._listing_lock = threading.Lock()
        self.env = jinja2.Environment(
            loader=jinja2.DictLoader({**TEMPLATES, **traces.TEMPLATES}),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
        )
        self.env.globals.update(
            css=Markup(CSS),
            clone_url=clone_url,
            when=lambda instant: utc_minute(instant) or "",
            prompt_url=prompt_url,
            highlight=highlight,
            to_json=lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str),
        )

    # -- WSGI ------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        status = "200 OK"
        try:
            if method not in ("GET", "HEAD"):
                raise HTTPError("405 Method Not Allowed", "the UI is read-only")
            body = self.route(path, query)
        except HTTPError as exc:
            status = exc.status
            body = self.render("error.html", status=status, message=exc.message)
        except NotFoundError as exc:
            status = "404 Not Found"
            body = self.render("error.html", status=status, message=str(exc))
        except GitPromptsError as exc:
            status = "400 Bad Request"
            body = self.render("error.html", status=status, message=str(exc))
        except Exception:
            log.exception("error rendering %s", path)
            status = "500 Internal Server Error"
            message = "internal error (see the server log)"
            body = self.render("error.html", status=status, message=message)
        data = body.encode("utf-8")
        start_response(status, [*HEADERS, ("Content-Length", str(len(data)))])
        return [] if method == "HEAD" else [data]

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def route(self, path: str, query: dict[str, str]) -> str:
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        if not parts or (parts[0] == "prompts" and len(parts) <= 2):
            with self.pool.registry() as registry:
                if len(parts) == 2:
                    return self.prompt_page(registry, parts[1], query)
                return self.prompts_page(registry, query)
        if parts[0] in ("models", "runs"):  # the artifact store: no registry handle
            if parts == ["models"]:
                return self.models_page()
            if parts[0] == "models" and len(parts) == 2:
                return self.model_page(parts[1])
            if parts == ["runs"]:
                return self.runs_page()
            if parts[0] == "runs" and len(parts) == 2:
                return self.run_page(parts[1])
        if parts[0] == "traces":  # the local trace store: no registry handle
            return traces.route(self, parts[1:], query)
        raise HTTPError("404 Not Found", f"no page at {path}")

    # -- pages -----------------------------------------------------------------

    def _all_prompts(self) -> list[gitprompts.Prompt]:
        """Every prompt with its latest tags, from the one handle that keeps that listing."""
        with self._listing_lock:
            if self._listing is None:
                self._listing = Registry(self.registry_path, create=False)
            return self._listing.prompts()

    def prompts_page(self, registry: Registry, query: dict[str, str]) -> str:
        q = query.get("q", "").strip()
        tag = query.get("tag", "").strip()
        names = registry.names()  # one tree listing: cheap even at 10,000 prompts
        count = len(names)
        if q:
            needle = q.lower()
            names = [n for n in names if needle in n.lower()]
        text = query.get("text", "").strip()
        if text:  # in the template text (and the rest of the file) of each latest version
            matching = set(text_matches(self.registry_path, text))
            names = [n for n in names if n in matching]
        found: list[Any]
        if tag:
            # Tags live in each prompt's file: this reads them all (cached until main moves).
            key, has_value, value = tag.partition("=")
            key, wanted = key.strip(), set(names)
            found = [
                p
                for p in self._all_prompts()
                if p.name in wanted
                and key in p.tags
                and (not has_value or p.tags[key] == value.strip())
            ]
        else:
            found = names
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = min(max(1, _int(query.get("page"), 1) or 1), pages)

        def page_url(n: int) -> str:
            params = {k: v for k, v in (("q", q), ("tag", tag), ("text", text)) if v}
            return "/?" + urlencode({**params, "page": n})

        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        rows = shown if tag else [r for n in shown if (r := _prompt_row(registry, n)) is not None]
        return self.render(
            "prompts.html",
            prompts=rows,
            total=len(found),
            count=count,
            q=q,
            tag=tag,
            text=text,
            page=page,
            pages=pages,
            page_url=page_url,
        )

    def prompt_page(self, registry: Registry, name: str, query: dict[str, str]) -> str:
        versions = registry.versions(name)
        by_number = {v.version: v for v in versions}
        latest = versions[-1].version
        shown_no = _int(query.get("v"), latest)
        if shown_no not in by_number:
            raise HTTPError("404 Not Found", f"prompt {name!r} has no version {shown_no}")
        shown = by_number[shown_no]
        diff_from: int | None = None
        diff_to: int | None = None
        rows: list[Any] = []
        meta_rows: list[UnifiedRow] = []
        view = "side" if query.get("view") == "side" else "unified"
        if len(versions) > 1:
            diff_to = _int(query.get("to"), shown_no)
            default_from = versions[-2].version if diff_to == latest else None
            if default_from is None:
                older = [v.version for v in versions if v.version < (diff_to or 0)]
                default_from = older[-1] if older else versions[0].version
            diff_from = _int(query.get("from"), default_from)
            for number in (diff_from, diff_to):
                if number not in by_number:
                    raise HTTPError("404 Not Found", f"prompt {name!r} has no version {number}")
            assert diff_from is not None and diff_to is not None
            old, new = by_number[diff_from].template, by_number[diff_to].template
            # The page shows lines, not bytes: a CRLF or a missing final newline
            # is not a change here (gitprompts diff shows those).
            if view == "side":
                rows = side_rows(old, new, ignore_line_endings=True)
            else:
                labels = f"{name} v{diff_from}", f"{name} v{diff_to}"
                rows = unified_rows(old, new, *labels, ignore_line_endings=True)
            # Message, tags, model config, response format: all of them (a few lines).
            meta_rows = metadata_rows(by_number[diff_from], by_number[diff_to], context=1000)
        return self.render(
            "prompt.html",
            name=name,
            versions=versions,
            shown=shown,
            aliases=registry.aliases(name),
            models=self._models_by_version(registry, name),
            diff_from=diff_from,
            diff_to=diff_to,
            diff_rows=rows,
            meta_rows=meta_rows,
            view=view,
            traces=traces.recent_for_prompt(name),
        )

    def _models_by_version(self, registry: Registry, name: str) -> dict[int, list[dict[str, str]]]:
        links = registry.linked_models(name)
        found: dict[int, list[dict[str, str]]] = {}
        for number, ids in links.items():
            rows = []
            for model_id in ids[:MAX_MODELS_PER_VERSION]:
                label = model_id[:12] + "…"
                try:
                    info = _model_info(model_id)
                    label = f"{label} ({info.flavor})"
                except GitPromptsError:
                    label = f"{label} (not on this machine)"
                rows.append({"id": model_id, "label": label})
            found[number] = rows
        return found

    def models_page(self) -> str:
        # A model's name is the one its run logged it under (the manifest holds
        # content only, so the same bytes logged twice are one model).
        return self.render("models.html", models=gitprompts.search_models(), logged_by=_logged_by())

    def model_page(self, model_id: str) -> str:
        if not SHA256.fullmatch(model_id):
            raise HTTPError("404 Not Found", "a model id is 64 hex digits")
        try:
            info = _model_info(model_id)
        except ModelNotFoundError:
            # The store's message names its directory: a server path, not for visitors.
            raise HTTPError("404 Not Found", f"no model {model_id[:12]}… on this server") from None
        problems = gitprompts.verify_model(f"models:/{model_id}")
        run, name = _logged_by().get(model_id, (None, info.name))
        return self.render("model.html", info=info, problems=problems, run=run, name=name)

    def runs_page(self) -> str:
        return self.render("runs.html", runs=search_runs())

    def run_page(self, run_id: str) -> str:
        if not RUN_ID.fullmatch(run_id):
            raise HTTPError("404 Not Found", "a run id is 32 hex digits")
        record = next((r for r in search_runs() if r.run_id == run_id), None)
        if record is None:
            raise HTTPError("404 Not Found", f"no run {run_id}")
        models = []
        for model_name, model_id in sorted(record.models.items()):
            try:
                info: ModelInfo | None = _model_info(model_id)
            except GitPromptsError:
                info = None
            models.append((model_name, model_id, info))
        return self.render("run.html", run=record, models=models)
