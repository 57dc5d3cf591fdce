"""The web UI as a management tool, over real HTTP to a real ``gitprompts serve`` in this
process: sign in, new versions (preview, errors next to the field, the conflict screen),
alias moves with their confirmation and history, tags and config, deletion, the
playground (with "Run" against a real chat-completions server on 127.0.0.1), text
search, and every refusal (no session, no CSRF token, another origin, read-only, a
registry whose own hooks the UI could not run). The repository is read back with the
git CLI after each write: commit, tag, author.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

import gitprompts
from gitprompts.core import layout
from gitprompts.registry import Registry

from .manage_client import Client
from .serve_seed import running

TOKEN = "manage-token"
HOSTILE = '<script>alert(1)</script> "{{ text }}" & </textarea><img src=x onerror=alert(2)>'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def main_tip(repo: Path) -> str:
    return git(repo, "rev-parse", "refs/heads/main").strip()


@pytest.fixture
def reg(tmp_path: Path) -> Registry:
    r = Registry(tmp_path / "r.git")
    r.register("greet", "Hello {{ name }}", commit_message="first", tags={"team": "a"})
    r.set_alias("greet", "production", 1)
    return r


@pytest.fixture
def site(reg: Registry) -> Iterator[tuple[Registry, Client]]:
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        assert client.sign_in(TOKEN) == 303
        yield reg, client


def version_form(csrf: str, base: int, template: str, **extra: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "csrf": csrf,
        "base": str(base),
        "type": "text",
        "template": template,
        "commit_message": "",
        "tags": "",
        "model_config": "",
        "response_format": "",
        "role": [""],
        "content": [""],
        "action": "save",
    }
    fields.update(extra)
    return fields


# -- sign in ---------------------------------------------------------------------


def test_without_a_session_the_ui_is_the_read_only_viewer(reg: Registry) -> None:
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        _, _, page = client.get("/prompts/greet")
        assert "Sign in" in page and "New version" not in page and 'name="csrf"' not in page
        status, headers, _ = client.get("/prompts/greet/new")
        assert status == 303 and headers["location"].startswith("/signin?next=")
        tip = main_tip(reg.path)
        status, _, page = client.post("/prompts/greet/new", version_form("", 1, "X"))
        assert status == 403 and "sign in first" in page
        assert main_tip(reg.path) == tip


@pytest.mark.parametrize("read_only", [True, False])
def test_read_only_or_tokenless_servers_offer_no_sign_in(reg: Registry, read_only: bool) -> None:
    from gitprompts.serve import make_server

    server = make_server(reg.path, port=0, tokens=[TOKEN] if read_only else [], read_only=read_only)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        client = Client(server.url)
        _, _, page = client.get("/prompts/greet")
        assert "Sign in" not in page and "New version" not in page
        assert client.get("/signin")[0] == 404
        assert client.post("/signin", {"token": TOKEN})[0] == 405
    finally:
        server.close()


def test_sign_in_sets_a_strict_httponly_expiring_cookie_and_sign_out_ends_it(
    reg: Registry,
) -> None:
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        assert client.sign_in("wrong") == 403
        assert "gitprompts_session" not in client.cookies
        _, _, page = client.get("/signin")
        assert client.sign_in(TOKEN, name="Ada <x>") == 400  # not a git author
        status, headers, _ = client.request("GET", "/signin")
        nonce = page.split('name="nonce" value="')[1].split('"')[0]
        client.cookies["gitprompts_signin"] = nonce
        status, headers, _ = client.post(
            "/signin",
            {"nonce": nonce, "token": TOKEN, "name": "Ada", "email": "ada@example.com"},
        )
        assert status == 303
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
        _, _, page = client.get("/")
        assert "Ada" in page and "Sign out" in page and "New prompt" in page
        stolen = dict(client.cookies)
        status, _, _ = client.post("/signout", {"csrf": client.csrf()})
        assert status == 303 and "gitprompts_session" not in client.cookies
        # a copy of the signed-out cookie is refused too
        client.cookies = stolen
        assert "Sign out" not in client.get("/")[2]


def test_sign_in_needs_its_own_form_token(reg: Registry) -> None:
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        status, _, page = client.post(
            "/signin", {"nonce": "forged", "token": TOKEN, "name": "Ada", "email": "a@b.c"}
        )
        assert status == 403 and "expired or came from elsewhere" in page
        assert "gitprompts_session" not in client.cookies


def test_every_write_needs_the_csrf_token_and_our_origin(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    tip = main_tip(reg.path)
    posts = [
        ("/prompts/greet/new", version_form("", 1, "Changed")),
        ("/prompts/greet/alias", {"alias": "production", "to": "1", "expected": "1"}),
        ("/prompts/greet/tags", {"v": "1", "op": "set-version-tag", "key": "k", "value": "v"}),
        ("/prompts/greet/delete", {"v": "1"}),
        ("/signout", {}),
    ]
    for path, fields in posts:
        fields = {**fields, "csrf": "not-the-token"}
        status, _, page = client.post(path, fields)
        assert status == 403 and "CSRF" in page, path
    csrf = client.csrf()
    status, _, page = client.post(
        "/prompts/greet/new",
        version_form(csrf, 1, "Changed"),
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403 and "evil.example" in page
    assert main_tip(reg.path) == tip


# -- new versions ------------------------------------------------------------------


def test_new_version_is_registered_as_register_prompt_does_by_the_signed_in_person(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    _, _, page = client.get("/prompts/greet/new")
    assert "Hello {{ name }}" in page and "team=a" in page  # prefilled from v1
    csrf = client.csrf("/prompts/greet/new")
    form = version_form(
        csrf,
        1,
        "Hi {{ name }}, {{ mood }}",
        commit_message="Ask the mood",
        tags="team=b\nreviewed=yes",
        model_config='{"temperature": 0.3}',
        action="preview",
    )
    status, _, page = client.post("/prompts/greet/new", form)
    assert status == 200 and '<mark class="var">mood</mark>' in page
    assert "-Hello {{ name }}" in page and "+Hi {{ name }}, {{ mood }}" in page
    assert main_tip(reg.path) == git(reg.path, "rev-parse", "main").strip()
    status, headers, _ = client.post("/prompts/greet/new", {**form, "action": "save"})
    assert status == 303 and headers["location"] == "/prompts/greet?v=2"
    # the git repository: the tag, its commit, its author
    assert git(reg.path, "tag", "-l", "prompts/greet/*").split() == [
        "prompts/greet/1",
        "prompts/greet/2",
    ]
    assert git(reg.path, "log", "-1", "--format=%an <%ae>|%s", "prompts/greet/2") == (
        "Ada Lovelace <ada@example.com>|Ask the mood\n"
    )
    assert "tagger Ada Lovelace <ada@example.com>" in git(
        reg.path, "cat-file", "-p", "prompts/greet/2"
    )
    v2 = gitprompts.get_registry(reg.path).get("greet", 2)
    assert v2.template == "Hi {{ name }}, {{ mood }}"
    assert v2.tags == {"team": "b", "reviewed": "yes"} and v2.model_config == {"temperature": 0.3}
    # byte for byte what register_prompt writes for the same arguments
    other = Registry(reg.path.parent / "other.git")
    other.register("greet", "Hello {{ name }}", commit_message="first", tags={"team": "a"})
    other.register(
        "greet",
        "Hi {{ name }}, {{ mood }}",
        commit_message="Ask the mood",
        tags={"team": "b", "reviewed": "yes"},
        model_config={"temperature": 0.3},
    )
    show = f"prompts/greet/2:{layout.prompt_path('greet')}"
    assert git(reg.path, "show", show) == git(other.path, "show", show)


def test_a_chat_prompt_is_edited_message_by_message(site: tuple[Registry, Client]) -> None:
    reg, client = site
    csrf = client.csrf("/new")
    form = version_form(
        csrf,
        0,
        "",
        name="support",
        type="chat",
        role=["system", "user", ""],
        content=["You help {{ company }}.", "{{ question }}", ""],
        response_format='{"type": "object"}',
    )
    status, headers, _ = client.post("/new", form)
    assert status == 303 and headers["location"] == "/prompts/support?v=1"
    v1 = gitprompts.get_registry(reg.path).get("support", 1)
    assert v1.template == [
        {"role": "system", "content": "You help {{ company }}."},
        {"role": "user", "content": "{{ question }}"},
    ]
    assert v1.response_format == {"type": "object"}
    _, _, page = client.get("/prompts/support/new")
    assert 'value="system"' in page and "You help {{ company }}." in page


def test_errors_are_shown_next_to_their_field_and_nothing_is_written(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    tip = main_tip(reg.path)
    csrf = client.csrf("/prompts/greet/new")
    cases = {
        "model_config": {"model_config": "[1, 2]"},
        "response_format": {"response_format": "{not json"},
        "tags": {"tags": "no equals sign"},
        "template": {"template": "{% if x %}unclosed"},
    }
    for field, bad in cases.items():
        fields = {**version_form(csrf, 1, "Hi"), **bad}
        status, _, page = client.post("/prompts/greet/new", fields)
        assert status == 400, field
        assert f'id="error-{field}"' in page, field
    assert client.get("/prompts/nothing-here/new")[0] == 404
    status, _, page = client.post("/new", version_form(csrf, 0, "Hi", name="../evil"))
    assert status == 400 and 'id="error-name"' in page and "invalid prompt name" in page
    assert main_tip(reg.path) == tip


def test_two_people_saving_from_the_same_version_get_the_conflict_screen(
    site: tuple[Registry, Client],
) -> None:
    reg, first = site
    with running(reg.path, TOKEN) as server:
        second = Client(server.url)
        assert second.sign_in(TOKEN, name="Grace Hopper", email="grace@example.com") == 303
        csrf1, csrf2 = first.csrf("/prompts/greet/new"), second.csrf("/prompts/greet/new")
        status, _, _ = second.post(
            "/prompts/greet/new", version_form(csrf2, 1, "Grace's {{ name }}")
        )
        assert status == 303
        status, _, page = first.post(
            "/prompts/greet/new", version_form(csrf1, 1, "Ada's {{ name }}")
        )
    assert status == 409 and 'id="conflict"' in page
    assert "Grace Hopper &lt;grace@example.com&gt; registered v2" in page
    assert "Nothing was overwritten" in page
    assert "+Grace&#39;s {{ name }}" in page  # their change, as a diff
    assert "Ada&#39;s {{ name }}" in page  # the draft is kept
    assert 'name="base" value="2"' in page  # saving again is a deliberate choice
    assert git(reg.path, "tag", "-l", "prompts/greet/*").split() == [
        "prompts/greet/1",
        "prompts/greet/2",
    ]
    assert gitprompts.get_registry(reg.path).get("greet", 2).template == "Grace's {{ name }}"


def test_hostile_text_in_every_field_round_trips_and_renders_escaped(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    csrf = client.csrf("/prompts/greet/new")
    form = version_form(
        csrf,
        1,
        HOSTILE,
        commit_message="<b>msg</b> & </textarea>",
        tags='k<i>="<script>x</script>',
        model_config='{"note": "</pre><script>alert(3)</script>"}',
    )
    assert client.post("/prompts/greet/new", form)[0] == 303
    v2 = gitprompts.get_registry(reg.path).get("greet", 2)
    assert v2.template == HOSTILE and v2.commit_message == "<b>msg</b> & </textarea>"
    assert v2.tags == {"k<i>": '"<script>x</script>'}
    for path in (
        "/prompts/greet?v=2",
        "/prompts/greet/new",
        "/prompts/greet/history",
        "/prompts/greet/tags?v=2",
        "/prompts/greet/playground?v=2&render=1&var.text=%3Cscript%3E",
    ):
        status, _, page = client.get(path)
        assert status == 200, path
        assert "<script>" not in page and "<img src" not in page, path
        assert "</textarea><img" not in page, path


# -- aliases and history ----------------------------------------------------------------


def test_moving_an_alias_shows_what_breaks_then_records_who_moved_it(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    reg.register(
        "greet", [{"role": "user", "content": "{{ question }}"}], response_format={"type": "object"}
    )
    status, _, page = client.get("/prompts/greet/alias?alias=production&to=2")
    assert status == 200
    assert "get v2 instead of v1" in page
    assert page.count('class="warn breaking"') == 4  # +question, -name, text → chat, format
    assert "callers must now also pass question" in page and "text → chat" in page
    assert "-Hello {{ name }}" in page
    csrf = client.csrf("/prompts/greet/alias?alias=production&to=2")
    move = {"csrf": csrf, "alias": "production", "to": "2", "expected": "1", "action": "move"}
    status, headers, _ = client.post("/prompts/greet/alias", move)
    assert status == 303 and headers["location"] == "/prompts/greet/history?alias=production"
    assert Registry(reg.path).aliases("greet") == {"production": 2}
    assert git(reg.path, "log", "-1", "--format=%an|%s", "main") == (
        "Ada Lovelace|Set alias production of greet to version 2\n"
    )
    _, _, page = client.get(headers["location"])
    assert "alias production moved from v1 to v2" in page and "alias production set to v1" in page
    assert "Ada Lovelace" in page and "Test Author" in page
    assert main_tip(reg.path)[:12] in page
    assert time.strftime("%Y-%m-%d", time.gmtime()) in page  # commit times in seconds, shown right
    _, _, page = client.get("/prompts/greet")  # who moved each alias, when, on the prompt page
    assert "alias production moved from v1 to v2 by Ada Lovelace" in page
    # a stale confirmation (expected v1, it is at v2 now) is refused
    status, _, page = client.post("/prompts/greet/alias", {**move, "to": "1"})
    assert status == 409 and "changed while you were looking" in page
    assert Registry(reg.path).aliases("greet") == {"production": 2}
    # removal, with its own confirmation
    _, _, page = client.get("/prompts/greet/alias?alias=production&remove=1")
    assert "AliasNotFoundError" in page
    remove = {"csrf": csrf, "alias": "production", "expected": "2", "action": "remove"}
    assert client.post("/prompts/greet/alias", remove)[0] == 303
    assert Registry(reg.path).aliases("greet") == {}
    _, _, page = client.get("/prompts/greet/history?alias=production")
    assert "alias production removed (was v2)" in page


def test_history_lists_every_kind_of_change_including_plain_git_ones(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    reg.register("greet", "v2 {{ name }}", commit_message="second")
    reg.set_version_tag("greet", 1, "reviewed", "yes")
    reg.set_prompt_tag("greet", "owner", "ada")
    reg.set_model_config("greet", 2, {"temperature": 0.5})
    reg.delete_version("greet", 1)
    # a version made with plain git (clone, edit, commit, tag, push) shows up too
    work = reg.path.parent / "work"
    subprocess.run(["git", "clone", "-q", str(reg.path), str(work)], check=True)
    (work / layout.prompt_path("greet")).write_text("By hand {{ name }}")
    for args in (
        ["commit", "-qam", "Edited by hand"],
        ["tag", "-a", "prompts/greet/3", "-m", "Edited by hand"],
        ["push", "-q", "origin", "main", "prompts/greet/3"],
    ):
        subprocess.run(["git", "-C", str(work), *args], check=True)
    _, _, page = client.get("/prompts/greet/history")
    assert "prompt file changed with plain git" in page and "Edited by hand" in page
    for text in (
        "registered v1",
        "registered v2",
        "alias production set to v1",
        "v1 tag reviewed=yes added",
        "prompt tag owner=ada added",
        "v2 model config set",
        "deleted v1",
    ):
        assert text in page, text
    # pages are bounded: 50 commits each, then "older"
    for n in range(55):
        reg.set_prompt_tag("greet", "n", str(n))
    _, _, page = client.get("/prompts/greet/history")
    assert page.count('<tr><td class="muted">') == 50 and "older →" in page
    _, _, older = client.get("/prompts/greet/history?page=2")
    assert "registered v1" in older and "older →" not in older


# -- tags, config, deletion -------------------------------------------------------------


def test_tags_config_and_deletion(site: tuple[Registry, Client]) -> None:
    reg, client = site
    reg.register("greet", "v2 {{ name }}")
    csrf = client.csrf("/prompts/greet/tags?v=1")

    def op(**fields: str) -> int:
        return client.post("/prompts/greet/tags", {"csrf": csrf, "v": "1", **fields})[0]

    assert op(op="set-version-tag", key="reviewed", value="yes") == 303
    assert op(op="set-version-tag", key="team", value="c") == 303
    assert op(op="delete-version-tag", key="reviewed") == 303
    assert op(op="set-prompt-tag", key="owner", value="ada") == 303
    assert op(op="delete-prompt-tag", key="team") == 303
    assert op(op="set-model-config", config='{"temperature": 0.9}') == 303
    fresh = Registry(reg.path)
    assert fresh.get("greet", 1).tags == {"team": "c"}
    assert fresh.prompt_tags("greet") == {"owner": "ada"}
    assert fresh.get("greet", 1).model_config == {"temperature": 0.9}
    assert "Ada Lovelace|Set tag owner on prompt greet" in git(
        reg.path, "log", "--format=%an|%s", "main"
    )
    # a refused edit says why, on the page, and writes nothing
    tip = main_tip(reg.path)
    status, _, page = client.post(
        "/prompts/greet/tags", {"csrf": csrf, "v": "1", "op": "delete-prompt-tag", "key": "nope"}
    )
    assert status == 400 and "has no tag &#39;nope&#39;" in page
    assert main_tip(reg.path) == tip
    # deleting v1: confirmation names the alias that goes; the number is never reused
    _, _, page = client.get("/prompts/greet/delete?v=1")
    assert "never given out again" in page and "<b>production</b>" in page
    status, headers, _ = client.post("/prompts/greet/delete", {"csrf": csrf, "v": "1"})
    assert status == 303 and headers["location"] == "/prompts/greet"
    assert Registry(reg.path).versions("greet")[0].version == 2
    assert "prompts/greet/1" in git(reg.path, "tag", "-l")  # published history stays
    csrf = client.csrf("/prompts/greet/new")
    client.post("/prompts/greet/new", version_form(csrf, 2, "v3"))
    assert Registry(reg.path).latest_version("greet") == 3


def test_the_ui_does_not_write_past_the_registrys_own_push_hooks(
    site: tuple[Registry, Client],
) -> None:
    reg, client = site
    hook = reg.path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho frozen >&2\nexit 1\n")
    hook.chmod(0o755)
    tip = main_tip(reg.path)
    csrf = client.csrf("/prompts/greet/new")
    status, _, page = client.post("/prompts/greet/new", version_form(csrf, 1, "X"))
    assert status == 403 and "runs its own hooks on a push (pre-receive)" in page
    assert main_tip(reg.path) == tip


# -- playground and search ----------------------------------------------------------------


class _ChatCompletions(BaseHTTPRequestHandler):
    """A real OpenAI-compatible endpoint: answers with what it was sent."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["auth"] = self.headers.get("Authorization")
        body["path"] = self.path
        self.seen.append(body)
        content = "echo: " + body["messages"][-1]["content"]
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_playground_renders_like_format_and_runs_only_with_an_endpoint(
    reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg.register(
        "loop",
        "{% for i in items %}<{{ i }}>{% endfor %} {{ who }}",
        model_config={"model_name": "tiny", "temperature": 0.1},
    )
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        client.sign_in(TOKEN)
        _, _, page = client.get("/prompts/greet/playground?v=1&render=1&var.name=%3CAda%3E")
        assert '<pre id="rendered">Hello &lt;Ada&gt;</pre>' in page
        assert "gitprompts.load_prompt(&#34;prompts:/greet@production&#34;)" in page
        assert "gitprompts render greet/1 -v name=" in page and "PromptTemplate" in page
        assert "Run" not in page.split('id="rendered"')[1].split("<h2>")[0]
        _, _, page = client.get("/prompts/loop/playground?render=1&var.items=ab&var.who=x")
        assert "&lt;a&gt;&lt;b&gt; x" in page  # Jinja2, sandboxed, as format gives
        _, _, page = client.get("/prompts/greet/playground?v=1&render=1")
        assert 'id="render-error"' in page and "name" in page
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), _ChatCompletions)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{endpoint.server_port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    try:
        with running(reg.path, TOKEN) as server:
            client = Client(server.url)
            client.sign_in(TOKEN)
            _, _, page = client.get("/prompts/loop/playground?render=1&var.items=ab&var.who=x")
            assert ">Run</button>" in page and "sk-test" not in page
            csrf = client.csrf("/prompts/loop/playground?render=1&var.items=ab&var.who=x")
            status, _, page = client.post(
                "/prompts/loop/playground",
                {"csrf": csrf, "v": "1", "var.items": "ab", "var.who": "x"},
            )
            assert status == 200 and '<pre id="answer">echo: &lt;a&gt;&lt;b&gt; x</pre>' in page
            assert client.post("/prompts/loop/playground", {"v": "1"})[0] == 403
    finally:
        endpoint.shutdown()
        endpoint.server_close()
    sent = _ChatCompletions.seen[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["model"] == "tiny" and sent["temperature"] == 0.1
    assert sent["messages"] == [{"role": "user", "content": "<a><b> x"}]
    assert len(_ChatCompletions.seen) == 1


def test_search_finds_template_text_and_the_list_shows_aliases(
    reg: Registry,
) -> None:
    reg.register("other", "Translate {{ text }} into plain FRENCH")
    with running(reg.path, TOKEN) as server:
        client = Client(server.url)
        _, _, page = client.get("/?text=french")
        assert "/prompts/other" in page and "/prompts/greet" not in page
        _, _, page = client.get("/?text=hello&q=gre")
        assert "/prompts/greet" in page and "production → v1" in page
        _, _, page = client.get("/?text=--no-index")  # never an option to git grep
        assert "No prompts match" in page


def test_pages_are_unchanged_for_the_read_only_viewer_when_signed_out(reg: Registry) -> None:
    """Sign-in adds a header link; nothing else on a page differs without a session."""
    from gitprompts.serve import make_server

    pages = {}
    for tokens in ([], [TOKEN]):
        server = make_server(reg.path, port=0, tokens=tokens)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            status, _, page = Client(server.url).get("/prompts/greet")
            assert status == 200
            pages[bool(tokens)] = page.split("<main>")[1]
        finally:
            server.close()
    assert pages[True] == pages[False]


def test_a_session_cookie_is_refused_when_forged_tampered_expired_or_from_another_server() -> None:
    from gitprompts.serve.session import Sessions

    clock = [1000.0]
    sessions = Sessions([TOKEN], lifetime=60, now=lambda: clock[0])
    cookie = sessions.sign_in(TOKEN, "Ada", "ada@example.com")
    assert cookie is not None and sessions.read(cookie) is not None
    body, mac = cookie.split(".")
    forged = body.replace(body[5], "A" if body[5] != "A" else "B", 1) + "." + mac
    assert sessions.read(forged) is None
    assert sessions.read(body + ".") is None and sessions.read("x" * 5000) is None
    assert Sessions([TOKEN]).read(cookie) is None  # another server's key (or a restart)
    clock[0] += 61
    assert sessions.read(cookie) is None
    assert Sessions([], now=lambda: clock[0]).sign_in("", "Ada", "a@b.c") is None  # no token
