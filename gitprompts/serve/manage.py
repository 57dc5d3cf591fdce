"""The UI as a management tool: sign in, new versions, aliases, tags, history, playground.

Routes (besides the read-only pages of ``pages``)::

    GET/POST /signin                        sign in with the server's token, a name, an email
    POST     /signout
    GET/POST /new                           a new prompt
    GET/POST /prompts/<name>/new            a new version (preview, save, conflict screen)
    GET/POST /prompts/<name>/alias          confirm, then move or remove an alias
    GET      /prompts/<name>/history        every change (?alias=A: that alias's moves)
    GET/POST /prompts/<name>/tags           version and prompt tags, model config
    GET/POST /prompts/<name>/delete         delete a version
    GET/POST /prompts/<name>/playground     render a version; POST: "Run" it

Only a server with a token, not ``--read-only``, has any of this; without a
session every page is the read-only viewer's. A write is the public API's
own call on a registry handle whose author is the signed-in person, so its
validation, errors and commits are those of ``register_prompt`` and
friends. A form carries what it started from (the latest version, the
alias's version); the write checks it under the registry's writer lock and
shows a conflict instead of overwriting what someone else saved.

>>> app = ManageApp(Path("registry.git"), tokens=["s3cret"])  # doctest: +SKIP
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import jinja2
from markupsafe import Markup

from gitprompts.core.changes import Change, caller_breaks
from gitprompts.core.diff import UnifiedRow, version_rows
from gitprompts.core.prompt import PromptVersion
from gitprompts.core.template import variables as template_variables
from gitprompts.core.uri import validate_alias, validate_name
from gitprompts.errors import GitPromptsError, InvalidInputError, NotFoundError
from gitprompts.git.repo import CommitInfo
from gitprompts.registry import Registry
from gitprompts.registry.history import PAGE, Entry, HistoryIndex, prompt_history

from . import forms, traces
from .drafts import Checked, Draft, check_draft, draft_version
from .hookdir import ui_writes_refused
from .llm import Endpoint
from .manage_templates import MANAGE_CSS, MANAGE_TEMPLATES
from .pages import HEADERS, HTTPError, StartResponse, UIApp, _int, prompt_url
from .session import COOKIE, SIGNIN_COOKIE, Person, Sessions, signin_nonce
from .snippets import snippets
from .static import MANAGE_JS
from .templates import TEMPLATES

log = logging.getLogger("gitprompts.serve.manage")

_me: contextvars.ContextVar[Person | None] = contextvars.ContextVar("gitprompts_me", default=None)
ACTIONS = ("new", "alias", "history", "tags", "delete", "playground")


def action_url(name: str, action: str, **params: object) -> str:
    """The URL of a management page of prompt ``name``.

    >>> action_url("a b", "alias", alias="prod", to=2)
    '/prompts/a%20b/alias?alias=prod&to=2'
    """
    url = f"/prompts/{quote(name, safe='')}/{action}"
    query = {k: v for k, v in params.items() if v is not None}
    return url + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class AliasMove:
    change: Change
    commit: CommitInfo


@dataclass
class Response:
    status: str
    body: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    scripts: bool = False  # the page loads /static/manage.js (its CSP allows 'self' scripts)


# The edit page's policy: HEADERS' with this server's own script allowed, nothing inline.
SCRIPT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src 'self'"


def redirect(location: str, *headers: tuple[str, str]) -> Response:
    return Response("303 See Other", "", [("Location", location), *headers])


class ManageApp(UIApp):
    """The read-only ``UIApp`` plus the management pages, for a server with ``tokens``.

    ``endpoint``: where the playground's "Run" sends a prompt (None: no Run button).
    """

    def __init__(
        self,
        registry: Path | None = None,
        clone_url: str = "",
        *,
        tokens: Iterable[str] = (),
        endpoint: Endpoint | None = None,
        sessions: Sessions | None = None,
    ) -> None:
        super().__init__(registry, clone_url)
        self.sessions = sessions if sessions is not None else Sessions(list(tokens))
        self.endpoint = endpoint
        # Which commits changed each prompt: walked once (seconds at 10,000 prompts), so
        # start now, in the background, rather than on the first History page.
        self.history_index = HistoryIndex(self.registry_path)
        threading.Thread(target=self._warm_history, daemon=True).start()
        self.env.loader = jinja2.DictLoader({**TEMPLATES, **traces.TEMPLATES, **MANAGE_TEMPLATES})
        self.env.globals.update(
            me=_me.get,
            can_sign_in=bool(self.sessions.tokens),
            csrf_field=self._csrf_field,
            action_url=action_url,
            manage_css=Markup(MANAGE_CSS),
            alias_moves=self._alias_moves,
        )

    def _alias_moves(self, name: str) -> dict[str, AliasMove]:
        """Each alias's last move among the prompt's last ``PAGE`` changes (the prompt page
        shows who moved it, when; older ones are on the alias's History page)."""
        found: dict[str, AliasMove] = {}
        with self.pool.registry() as registry:
            for entry in prompt_history(registry, name, limit=PAGE, index=self.history_index):
                for change in entry.changes:
                    if change.kind == "alias" and change.key not in found:
                        found[change.key] = AliasMove(change, entry.commit)
        return found

    def _warm_history(self) -> None:
        try:
            self.history_index.touches("")
        except Exception as exc:  # the page will try again (and report) when it is asked for
            log.debug("history index not built at start: %s", exc)

    @staticmethod
    def _csrf_field() -> Markup:
        person = _me.get()
        value = person.csrf if person is not None else ""
        return Markup('<input type="hidden" name="csrf" value="%s">') % value

    # -- WSGI ------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        person = self.sessions.read(forms.cookies(environ).get(COOKIE))
        token = _me.set(person)
        try:
            method = environ.get("REQUEST_METHOD", "GET")
            path = environ.get("PATH_INFO", "/") or "/"
            parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
            if parts == ["static", "manage.js"]:
                data = MANAGE_JS.encode()
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "text/javascript; charset=utf-8"),
                        ("X-Content-Type-Options", "nosniff"),
                        ("Cache-Control", "max-age=300"),
                        ("Content-Length", str(len(data))),
                    ],
                )
                return [] if method == "HEAD" else [data]
            managed = parts in (["signin"], ["signout"], ["new"]) or (
                len(parts) == 3 and parts[0] == "prompts" and parts[2] in ACTIONS
            )
            if not managed:
                return super().__call__(environ, start_response)
            response = self._respond(environ, method, parts, person)
            data = response.body.encode("utf-8")
            base_headers = HEADERS
            if response.scripts:
                csp = ("Content-Security-Policy", SCRIPT_CSP)
                base_headers = [csp if k == csp[0] else (k, v) for k, v in HEADERS]
            headers = [*base_headers, *response.headers, ("Content-Length", str(len(data)))]
            start_response(response.status, headers)
            return [] if method == "HEAD" else [data]
        finally:
            _me.reset(token)

    def _respond(
        self, environ: dict[str, Any], method: str, parts: list[str], person: Person | None
    ) -> Response:
        try:
            return self._dispatch(environ, method, parts, person)
        except HTTPError as exc:
            return self._error(exc.status, exc.message)
        except NotFoundError as exc:
            return self._error("404 Not Found", str(exc))
        except GitPromptsError as exc:
            return self._error("400 Bad Request", str(exc))
        except Exception:
            log.exception("error in %s", "/".join(parts))
            return self._error("500 Internal Server Error", "internal error (see the server log)")

    def _error(self, status: str, message: str) -> Response:
        return Response(status, self.render("error.html", status=status, message=message))

    def _dispatch(
        self, environ: dict[str, Any], method: str, parts: list[str], person: Person | None
    ) -> Response:
        if method not in ("GET", "HEAD", "POST"):
            raise HTTPError("405 Method Not Allowed", f"{method} is not used here")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form: dict[str, list[str]] = {}
        if method == "POST":
            self._check_origin(environ)
            form = forms.parse_form(forms.read_body(environ))
        if parts == ["signin"]:
            return self.signin(environ, method, form, query)
        if person is None:
            if method == "POST":
                raise HTTPError("403 Forbidden", "sign in first: changes need a session")
            here = environ.get("PATH_INFO", "/")
            qs = environ.get("QUERY_STRING", "")
            return redirect("/signin?" + urlencode({"next": here + ("?" + qs if qs else "")}))
        if method == "POST" and not self.sessions.csrf_ok(person, forms.one(form, "csrf")):
            raise HTTPError(
                "403 Forbidden",
                "this form has no valid CSRF token (it came from another page or an old "
                "session): reload the page and submit it again",
            )
        if parts == ["signout"]:
            if method != "POST":
                raise HTTPError("405 Method Not Allowed", "sign out with the Sign out button")
            self.sessions.sign_out(person)
            return redirect("/", self.sessions.cookie_header("", max_age=0))
        if parts == ["new"]:
            return self.edit(person, None, method, form, query)
        name, action = validate_name(parts[1]), parts[2]
        handler = {
            "new": self.edit,
            "alias": self.alias,
            "history": self.history,
            "tags": self.tags,
            "delete": self.delete,
            "playground": self.playground,
        }[action]
        return handler(person, name, method, form, query)

    @staticmethod
    def _check_origin(environ: Mapping[str, Any]) -> None:
        """A browser names the page a POST came from; refuse one from another site."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:  # not sent by every browser for a same-origin form
            return
        host = environ.get("HTTP_HOST", "")
        if origin.split("://", 1)[-1] != host:
            raise HTTPError("403 Forbidden", f"a form from {origin} cannot change this registry")

    @contextmanager
    def _writer(self, person: Person) -> Iterator[Registry]:
        """A registry handle of this request's own whose commits carry ``person``'s name.

        Borrowed from the pool (its caches are warm: a fresh handle made an alias
        move 1.8× the API's time at 10,000 prompts) and given back without the name.
        """
        refused = ui_writes_refused(self.registry_path)
        if refused is not None:
            raise HTTPError("403 Forbidden", refused)
        with self.pool.registry() as registry:
            registry.author = (person.name, person.email)
            try:
                yield registry
            finally:
                registry.author = None

    # -- sign in -----------------------------------------------------------------

    def signin(
        self,
        environ: dict[str, Any],
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        nonce = signin_nonce()
        cookie = (
            "Set-Cookie",
            f"{SIGNIN_COOKIE}={nonce}; Path=/signin; Max-Age=3600; HttpOnly; SameSite=Strict",
        )
        next_url = _local(forms.one(form, "next") or query.get("next", "/"))
        context = {"nonce": nonce, "next": next_url, "error": "", "name": "", "email": ""}

        def page(status: str, error: str = "") -> Response:
            return Response(
                status, self.render("signin.html", **{**context, "error": error}), [cookie]
            )

        if method != "POST":
            return page("200 OK")
        expected = forms.cookies(environ).get(SIGNIN_COOKIE, "")
        given = forms.one(form, "nonce")
        context.update(name=forms.one(form, "name"), email=forms.one(form, "email"))
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            return page(
                "403 Forbidden", "this sign-in form has expired or came from elsewhere: try again"
            )
        try:
            value = self.sessions.sign_in(
                forms.one(form, "token"), forms.one(form, "name"), forms.one(form, "email")
            )
        except InvalidInputError as exc:
            return page("400 Bad Request", str(exc))
        if value is None:
            return page("403 Forbidden", "wrong token: give the token the server was started with")
        return redirect(next_url, self.sessions.cookie_header(value))

    # -- new version ---------------------------------------------------------------

    def edit(
        self,
        person: Person,
        name: str | None,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        new_prompt = name is None
        post_url = "/new" if new_prompt else action_url(name or "", "new")
        context: dict[str, Any] = {
            "new_prompt": new_prompt,
            "post_url": post_url,
            "errors": {},
            "preview": None,
            "conflict": None,
        }
        if method != "POST":
            with self.pool.registry() as registry:
                base_version = None
                if name is not None:
                    number = _int(query.get("from"), None)
                    if registry.latest_version(name) == 0:
                        raise HTTPError("404 Not Found", f"prompt {name!r} has no versions")
                    base_version = registry.get(name, number or registry.latest_version(name))
                base = registry.latest_version(name) if name is not None else 0
            draft = Draft.of(base_version)
            return self._edit_page(context, name or "", base, draft)
        if new_prompt:
            name = forms.one(form, "name").strip()
        assert name is not None
        draft = Draft.from_form(form)
        base = _int(forms.one(form, "base") or "0", 0) or 0
        checked = check_draft(draft, form)
        if new_prompt:
            try:
                validate_name(name)
            except GitPromptsError as exc:
                checked.errors["name"] = str(exc)
        if checked.errors or forms.one(form, "action") != "save":
            context["errors"] = checked.errors
            if not checked.errors:
                context["preview"] = self._preview(name, base, checked, draft)
            status = "400 Bad Request" if checked.errors else "200 OK"
            return self._edit_page(context, name, base, draft, status)
        with self._writer(person) as registry, registry.transaction():
            current = registry.latest_version(name)
            if current != base:
                context["conflict"] = self._conflict(registry, name, base, current, checked, draft)
                return self._edit_page(context, name, current, draft, "409 Conflict")
            try:
                version = registry.register(
                    name,
                    checked.template,
                    commit_message=draft.commit_message or None,
                    tags=checked.tags,
                    response_format=checked.response_format,
                    model_config=checked.model_config,
                )
            except GitPromptsError as exc:
                context["errors"] = {"form": str(exc)}
                return self._edit_page(context, name, base, draft, "400 Bad Request")
        return redirect(prompt_url(name, v=version.version))

    def _edit_page(
        self, context: dict[str, Any], name: str, base: int, draft: Draft, status: str = "200 OK"
    ) -> Response:
        base_text = ""
        if base:
            with self.pool.registry() as registry:
                template = registry.get(name, base).template
            base_text = (
                template
                if isinstance(template, str)
                else "\n".join(f"{m['role']}: {m['content']}" for m in template)
            )
        body = self.render(
            "edit.html", name=name, base=base, base_text=base_text, draft=draft.shown(), **context
        )
        return Response(status, body, scripts=True)

    def _preview(self, name: str, base: int, checked: Checked, draft: Draft) -> dict[str, Any]:
        texts = (
            [checked.template]
            if isinstance(checked.template, str)
            else [m["content"] for m in checked.template]
        )
        found = list(dict.fromkeys(v for t in texts for v in template_variables(t)))
        mine = draft_version(name, base + 1, checked, draft)
        rows: list[UnifiedRow] = []
        if base:
            with self.pool.registry() as registry:
                rows = version_rows(registry.get(name, base), mine)
        else:
            rows = version_rows(PromptVersion(name, 1, "" if mine.is_text_prompt else []), mine)
        return {"variables": found, "rows": rows}

    def _conflict(
        self, registry: Registry, name: str, base: int, current: int, checked: Checked, draft: Draft
    ) -> dict[str, Any]:
        theirs_new = registry.get(name, current)
        mine = draft_version(name, current + 1, checked, draft)
        if base:
            theirs = version_rows(registry.get(name, base), theirs_new)
            who = f"you started from v{base}"
        else:
            theirs = version_rows(PromptVersion(name, 1, ""), theirs_new)
            who = "you started a new prompt of that name"
        author = theirs_new.user_id or "someone"
        return {
            "message": (
                f"{author} registered v{current} of {name} while you were editing ({who}). "
                "Nothing was overwritten."
            ),
            "base": base,
            "current": current,
            "theirs": theirs,
            "yours": version_rows(theirs_new, mine),
        }

    # -- aliases -----------------------------------------------------------------

    def alias(
        self,
        person: Person,
        name: str,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        source = _fields(method, form, query)
        alias = validate_alias(forms.one(source, "alias").strip())
        remove = forms.one(source, "remove") == "1" or forms.one(source, "action") == "remove"
        target = None if remove else _int(forms.one(source, "to") or None, None)
        if not remove and target is None:
            raise HTTPError("400 Bad Request", "say which version the alias should point at (to=N)")
        if method == "POST":
            expected = forms.one(form, "expected")
            with self._writer(person) as registry, registry.transaction():
                now = registry.aliases(name).get(alias)
                if ("" if now is None else str(now)) != expected:
                    was = "absent" if not expected else f"v{expected}"
                    is_now = "removed" if now is None else f"at v{now}"
                    message = (
                        f"alias {alias} changed while you were looking (it was {was}, it is "
                        f"{is_now} now): nothing was changed; check again below"
                    )
                    return self._alias_page(name, alias, target, remove, message, "409 Conflict")
                if remove:
                    registry.delete_alias(name, alias)
                else:
                    registry.set_alias(name, alias, target)
            return redirect(action_url(name, "history", alias=alias))
        return self._alias_page(name, alias, target, remove)

    def _alias_page(
        self,
        name: str,
        alias: str,
        target: int | None,
        remove: bool,
        conflict: str = "",
        status: str = "200 OK",
    ) -> Response:
        with self.pool.registry() as registry:
            current = registry.aliases(name).get(alias)
            if remove and current is None:
                raise HTTPError("404 Not Found", f"prompt {name!r} has no alias {alias!r}")
            rows: list[UnifiedRow] = []
            warnings: list[str] = []
            if target is not None:
                new = registry.get(name, target)
                if current is not None and current != target:
                    old = registry.get(name, current)
                    rows = version_rows(old, new)
                    warnings = caller_breaks(old, new)
        body = self.render(
            "alias.html",
            name=name,
            alias=alias,
            current=current,
            target=target,
            remove=remove,
            rows=rows,
            warnings=warnings,
            conflict=conflict,
        )
        return Response(status, body)

    # -- history -------------------------------------------------------------------

    def history(
        self,
        person: Person,
        name: str,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        page = max(1, _int(query.get("page"), 1) or 1)
        alias = query.get("alias", "")
        with self.pool.registry() as registry:
            # A page is PAGE commits of the prompt (one more tells whether there are older
            # ones); an alias's page shows that alias's moves among them.
            entries = prompt_history(
                registry, name, skip=(page - 1) * PAGE, limit=PAGE + 1, index=self.history_index
            )
            more = len(entries) > PAGE
            entries = entries[:PAGE]
            if alias:
                entries = [
                    Entry(e.commit, [c for c in e.changes if c.kind == "alias" and c.key == alias])
                    for e in entries
                ]
                entries = [e for e in entries if e.changes]
            if not entries and page == 1 and registry.latest_version(name) == 0:
                raise HTTPError("404 Not Found", f"no prompt {name!r}")

        def page_url(n: int) -> str:
            return action_url(name, "history", alias=alias or None, page=n)

        body = self.render(
            "history.html",
            name=name,
            alias=alias,
            entries=entries,
            page=page,
            more=more,
            page_url=page_url,
        )
        return Response("200 OK", body)

    # -- tags, config, delete ---------------------------------------------------------

    def tags(
        self,
        person: Person,
        name: str,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        number = _int(forms.one(form, "v") or query.get("v"), None)
        error = ""
        if method == "POST":
            op, key, value = forms.one(form, "op"), forms.one(form, "key"), forms.one(form, "value")
            try:
                with self._writer(person) as registry:
                    if op == "set-version-tag":
                        registry.set_version_tag(name, number, key.strip(), value)
                    elif op == "delete-version-tag":
                        registry.delete_version_tag(name, number, key)
                    elif op == "set-prompt-tag":
                        registry.set_prompt_tag(name, key.strip(), value)
                    elif op == "delete-prompt-tag":
                        registry.delete_prompt_tag(name, key)
                    elif op == "set-model-config":
                        text = forms.one(form, "config")
                        config = forms.parse_json_object(text, "model config")
                        if config is None:
                            registry.delete_model_config(name, number)
                        else:
                            registry.set_model_config(name, number, config)
                    elif op == "delete-model-config":
                        registry.delete_model_config(name, number)
                    else:
                        raise HTTPError("400 Bad Request", f"unknown operation {op!r}")
            except InvalidInputError as exc:
                error = str(exc)
            else:
                return redirect(action_url(name, "tags", v=number))
        with self.pool.registry() as registry:
            shown = registry.get(name, number or registry.latest_version(name))
            prompt_tags = registry.prompt_tags(name)
        body = self.render(
            "tags.html", name=name, shown=shown, prompt_tags=prompt_tags, error=error
        )
        return Response("400 Bad Request" if error else "200 OK", body)

    def delete(
        self,
        person: Person,
        name: str,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        number = _int(forms.one(form, "v") or query.get("v"), None)
        if number is None:
            raise HTTPError("400 Bad Request", "say which version to delete (v=N)")
        if method == "POST":
            with self._writer(person) as registry:
                registry.delete_version(name, number)
                left = registry.latest_version(name)
            return redirect(prompt_url(name) if left else "/")
        with self.pool.registry() as registry:
            shown = registry.get(name, number)
        return Response("200 OK", self.render("delete.html", name=name, shown=shown))

    # -- playground ------------------------------------------------------------------

    def playground(
        self,
        person: Person,
        name: str,
        method: str,
        form: dict[str, list[str]],
        query: dict[str, str],
    ) -> Response:
        source = _fields(method, form, query)
        number = _int(forms.one(source, "v") or None, None)
        with self.pool.registry() as registry:
            shown = registry.get(name, number or registry.latest_version(name))
        names = sorted(shown.variables)
        values = {
            k.removeprefix("var."): forms.one(source, k) for k in source if k.startswith("var.")
        }
        values = {k: v for k, v in values.items() if k in names}
        rendered: Any = None
        answer: str | None = None
        error = ""
        if forms.one(source, "render") == "1" or method == "POST":
            try:
                filled: dict[str, Any] = values
                rendered = shown.format(**filled)
            except GitPromptsError as exc:
                error = str(exc)
        if method == "POST" and rendered is not None:
            if self.endpoint is None:
                raise HTTPError("404 Not Found", "this server has no model endpoint to run on")
            chat = (
                [{"role": "user", "content": rendered}] if isinstance(rendered, str) else rendered
            )
            try:
                answer = self.endpoint.complete(chat, shown.model_config or {})
            except GitPromptsError as exc:
                error = str(exc)
        body = self.render(
            "playground.html",
            name=name,
            shown=shown,
            variables=names,
            values=values,
            rendered=rendered,
            answer=answer,
            error=error,
            endpoint=self.endpoint is not None,
            snippets=snippets(shown, values),
        )
        return Response("200 OK", body)


def _fields(method: str, form: dict[str, list[str]], query: dict[str, str]) -> dict[str, list[str]]:
    """What a page reads its fields from: the form of a POST, else the query string."""
    return form if method == "POST" else {k: [v] for k, v in query.items()}


def _local(url: str) -> str:
    """``url`` if it is a path on this server, else ``/`` (no open redirect after sign-in).

    >>> _local("/prompts/a?v=1"), _local("//evil.example/"), _local("https://evil.example/")
    ('/prompts/a?v=1', '/', '/')
    """
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


__all__ = ["ManageApp", "action_url", "snippets"]
