"""``gitprompts serve``: every page kind, escaping, and git clone/push through the real git CLI.

One seeded registry and one server (a child process on 127.0.0.1, free port)
serve the whole module; the read-only server is started only for its test.
"""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from gitprompts.cli import main
from gitprompts.core.diff import side_rows, unified_rows
from gitprompts.core.prompt import PromptVersion
from gitprompts.serve.auth import check_token
from gitprompts.serve.pages import highlight

from .serve_seed import make_env, seed, start_server, stop_server

TOKEN = "s3cret-token"
GIT = "/git/registry.git"


class Served:
    def __init__(self, root: Path, env: dict[str, str], facts: dict[str, str], url: str) -> None:
        self.root = root
        self.env = env
        self.facts = facts
        self.url = url

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read().decode("utf-8"), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8"), dict(exc.headers)

    def page(self, path: str) -> str:
        status, body, _ = self.get(path)
        assert status == 200, body
        return body

    def git(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=60
        )

    def push_url(self, token: str | None = TOKEN) -> str:
        parts = urlsplit(self.url)
        auth = f"user:{token}@" if token else ""
        return f"{parts.scheme}://{auth}{parts.netloc}{GIT}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    env = make_env(root)
    facts = seed(env)
    proc, url = start_server(env, "--token", TOKEN, log=root / "server.log")
    try:
        yield Served(root, env, facts, url)
    finally:
        stop_server(proc)


# -- pages -------------------------------------------------------------------


def test_prompts_list_shows_latest_aliases_tags_and_searches(served: Served) -> None:
    body = served.page("/")
    for name in ("summarization-prompt", "support-chat", "hostile", "long-line", "multilingual"):
        assert f'href="/prompts/{name}"' in body
    assert "production → v2" in body
    assert "team=search" in body
    assert "UTC" in body  # last change
    only = served.page("/?tag=team%3Dsupport")
    assert "support-chat" in only and "summarization-prompt" not in only
    by_name = served.page("/?q=SUMM")
    assert "summarization-prompt" in by_name and "support-chat" not in by_name
    assert "No prompts match" in served.page("/?q=nothing-like-this")


def test_prompt_page_versions_template_diff_and_models(served: Served) -> None:
    body = served.page("/prompts/summarization-prompt")
    assert "v2 of 2" in body
    assert "First draft" in body and "Plainer wording, keep jargon out" in body
    assert "Test Author &lt;author@example.com&gt;" in body
    assert '<mark class="var">{{ num_sentences }}</mark>' in body
    assert "&#34;temperature&#34;: 0.2" in body  # model config
    assert "production" in body
    model_id = served.facts["model_id"]
    assert f'href="/models/{model_id}"' in body  # the model that uses v2
    # default diff: previous -> shown version, unified
    assert '<tr class="add"><td class="t">+You are a careful editor.</td></tr>' in body
    side = served.page("/prompts/summarization-prompt?from=1&to=2&view=side")
    assert 'class="diff side"' in side and 'class="t chg"' in side
    same = served.page("/prompts/summarization-prompt?from=2&to=2")
    assert "are identical" in same
    first = served.page("/prompts/summarization-prompt?v=1")
    assert "v1 of 2" in first and "Summarize in" in first


def test_chat_prompt_shows_messages_and_response_format(served: Served) -> None:
    body = served.page("/prompts/support-chat")
    assert '<div class="role">system</div>' in body and '<div class="role">user</div>' in body
    assert '<mark class="var">{{ company }}</mark>' in body
    assert "&#34;answer&#34;" in body  # response_format


def test_hostile_template_and_message_are_escaped(served: Served) -> None:
    status, body, headers = served.get("/prompts/hostile")
    assert status == 200
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;bold&lt;/b&gt; message" in body
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_long_lines_and_non_latin_scripts(served: Served) -> None:
    body = served.page("/prompts/long-line")
    assert "x" * 3000 in body and "overflow-wrap:anywhere" in body
    body = served.page("/prompts/multilingual")
    assert '<meta charset="utf-8">' in body
    assert "日本語で要約してください" in body and "Переведите" in body and "العربية" in body


def test_model_page(served: Served) -> None:
    model_id = served.facts["model_id"]
    body = served.page(f"/models/{model_id}")
    assert model_id in body
    assert "prompts:/summarization-prompt@production" in body  # as written
    assert 'href="/prompts/summarization-prompt?v=2"' in body  # as resolved, linked
    assert "explicit" in body
    assert "summarizer-model" in body and served.facts["run_id"] in body  # its run
    assert "pyfunc" in body and "passes" in body
    assert "sha256" in body
    # Created, in the same form as every other time in the UI (not the manifest's ISO text).
    assert re.search(r"<div>Created</div><div>\d{4}-\d\d-\d\d \d\d:\d\d UTC</div>", body)


def test_models_runs_and_run_pages(served: Served) -> None:
    models = served.page("/models")
    assert served.facts["model_id"][:16] in models
    assert re.search(r'<td class="muted">\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>', models)
    runs = served.page("/runs")
    assert "summarizer-model" in runs
    run = served.page(f"/runs/{served.facts['run_id']}")
    assert "runs:/" in run and "chat-model" in run and "support-chat v1" in run


def test_missing_pages_are_404_and_bad_input_400(served: Served) -> None:
    assert served.get("/prompts/no-such-prompt")[0] == 404
    assert served.get("/prompts/hostile?v=99")[0] == 404
    assert served.get("/prompts/hostile?v=abc")[0] == 400
    assert served.get("/models/" + "0" * 64)[0] == 404
    assert served.get("/runs/nope")[0] == 404
    assert served.get("/nowhere")[0] == 404
    assert served.get(GIT + "/HEAD")[0] == 404  # no dumb HTTP


# -- git over HTTP -------------------------------------------------------------


def test_clone_without_token_then_push_rules_and_token(served: Served) -> None:
    work = served.root / "work"
    cloned = served.git("clone", "-q", served.url + GIT, str(work))
    assert cloned.returncode == 0, cloned.stderr
    assert "prompts/hostile/2" in served.git("tag", cwd=work).stdout
    (work / "NOTES.txt").write_text("hello\n")
    served.git("add", "NOTES.txt", cwd=work)
    assert served.git("commit", "-qm", "notes", cwd=work).returncode == 0

    refused = served.git("push", served.push_url(None), "main", cwd=work)
    assert refused.returncode != 0
    assert "could not read Username" in refused.stderr or "401" in refused.stderr

    wrong = served.git("push", served.push_url("wrong"), "main", cwd=work)
    assert wrong.returncode != 0 and "Authentication failed" in wrong.stderr

    # a rule: a published version tag never moves; the reason reaches git's output
    served.git("tag", "-f", "prompts/hostile/1", "HEAD", cwd=work)
    moved = served.git("push", "-f", served.push_url(), "refs/tags/prompts/hostile/1", cwd=work)
    assert moved.returncode != 0
    assert (
        "remote: gitprompts: refs/tags/prompts/hostile/1: refused: version tags never move"
        in moved.stderr
    )

    ok = served.git("push", served.push_url(), "main", cwd=work)
    assert ok.returncode == 0, ok.stderr

    # main never goes back
    served.git("reset", "-q", "--hard", "HEAD~1", cwd=work)
    rewind = served.git("push", "-f", served.push_url(), "main", cwd=work)
    assert rewind.returncode != 0 and "non-fast-forward" in rewind.stderr

    # a bearer token works too
    served.git("checkout", "-q", "-b", "feature", cwd=work)
    bearer = served.git(
        "-c",
        f"http.extraHeader=Authorization: Bearer {TOKEN}",
        "push",
        served.url + GIT,
        "feature",
        cwd=work,
    )
    assert bearer.returncode == 0, bearer.stderr
    assert "feature" in served.git("ls-remote", served.url + GIT).stdout


def test_receive_pack_needs_token_with_www_authenticate(served: Served) -> None:
    status, body, headers = served.get(GIT + "/info/refs?service=git-receive-pack")
    assert status == 401 and 'Basic realm="gitprompts"' in headers["WWW-Authenticate"]
    assert "token" in body


def test_client_gone_mid_clone_does_not_hurt_others(served: Served) -> None:
    host, port = urlsplit(served.url).hostname, urlsplit(served.url).port
    assert host is not None and port is not None
    status, refs, _ = served.get(GIT + "/info/refs?service=git-upload-pack")
    assert status == 200
    want = next(line for line in refs.splitlines() if "refs/heads/main" in line)
    sha = next(w for w in want.replace("\0", " ").split() if len(w) >= 40)[-40:]
    body = b"0032want " + sha.encode() + b"\n00000009done\n"
    for _ in range(3):
        with socket.create_connection((host, port), timeout=10) as sock:
            request = (
                f"POST {GIT}/git-upload-pack HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/x-git-upload-pack-request\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(request + body)
            assert sock.recv(64).startswith(b"HTTP/1.")
        # closed after the first bytes: the server kills that upload-pack, others carry on
    assert served.git("ls-remote", served.url + GIT).returncode == 0
    assert served.get("/")[0] == 200


def test_read_only_refuses_pushes(served: Served) -> None:
    proc, url = start_server(served.env, "--read-only", "--token", TOKEN)
    try:
        work = served.root / "ro"
        assert served.git("clone", "-q", url + GIT, str(work)).returncode == 0
        served.git("commit", "-q", "--allow-empty", "-m", "x", cwd=work)
        parts = urlsplit(url)
        pushed = served.git("push", f"http://u:{TOKEN}@{parts.netloc}{GIT}", "main", cwd=work)
        assert pushed.returncode != 0
        assert "read-only" in pushed.stderr
    finally:
        stop_server(proc)


# -- units ---------------------------------------------------------------------


def test_check_token() -> None:
    basic = "Basic " + base64.b64encode(b"anyone:tok").decode()
    assert check_token(basic, ["tok"]) and check_token("Bearer tok", ["tok"])
    assert not check_token("Bearer nope", ["tok"]) and not check_token("Basic !!!", ["tok"])
    assert not check_token("Bearer tok", [])


def test_highlight_and_diffs() -> None:
    assert str(highlight("<i>{{x}}</i>")) == '&lt;i&gt;<mark class="var">{{x}}</mark>&lt;/i&gt;'
    assert side_rows("same", "same") == []
    kinds = [r.kind for r in unified_rows("a\nb", "a\nc", "1", "2")]
    assert kinds.count("add") == 1 and kinds.count("del") == 1


def test_highlight_marks_exactly_the_variables_the_registry_finds() -> None:
    text = "{{ a }} {{user.name}} {{ a. }} {{ a..b }} {{ 1x }} {% for i in xs %}"
    marked = re.findall(r'<mark class="var">(.*?)</mark>', str(highlight(text)))
    assert marked == ["{{ a }}", "{{user.name}}", "{% for i in xs %}"]
    assert PromptVersion("p", 1, text.replace("{% for i in xs %}", "")).variables == {
        "a",
        "user.name",
    }


def test_cli_token_options_are_exclusive(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t\n")
    result = CliRunner().invoke(
        main, ["serve", "--token", "a", "--token-file", str(token_file), "--port", "0"]
    )
    assert result.exit_code == 1
    assert "give --token or --token-file, not both" in result.output
    empty = tmp_path / "empty"
    empty.write_text("")
    result = CliRunner().invoke(main, ["serve", "--token-file", str(empty), "--port", "0"])
    assert result.exit_code == 1 and "is empty" in result.output


# -- the /models page and the web diff ----------------------------------------


def test_models_page_names_each_model_from_its_run(served: Served) -> None:
    models = served.page("/models")
    row = models.split(served.facts["model_id"][:16], 1)[1].split("</tr>", 1)[0]
    assert "<td>model</td>" in row
    assert f'href="/runs/{served.facts["run_id"]}"' in row
    assert "<td>chat-model</td>" in models


def test_missing_model_404_does_not_show_server_paths(served: Served) -> None:
    for path in ("/models/" + "0" * 64, "/models/" + "1" * 64):
        status, body, _ = served.get(path)
        assert status == 404
        assert "0" * 12 in body or "1" * 12 in body
        assert str(served.root) not in body
        assert "/artifacts" not in body


def test_web_diff_shows_metadata_in_both_views(served: Served) -> None:
    for view in ("unified", "side"):
        body = served.page(f"/prompts/summarization-prompt?from=1&to=2&view={view}")
        meta = body.split('id="diff-metadata"', 1)[1]
        assert "-commit_message: &#34;First draft&#34;" in meta
        assert "+commit_message: &#34;Plainer wording, keep jargon out&#34;" in meta
        assert "+model_config: " in meta


def test_side_by_side_marks_changed_words_escaped(served: Served) -> None:
    body = served.page("/prompts/hostile?from=1&to=2&view=side")
    assert "<script>" not in body and "&lt;script&gt;" in body
    # An unrelated pair of lines is marked whole.
    body = served.page("/prompts/summarization-prompt?from=1&to=2&view=side")
    assert '<td class="t chg"><mark class="w">You are a careful editor.</mark></td>' in body


def test_side_by_side_marks_changed_words_in_process(registry: Any) -> None:
    import gitprompts
    from gitprompts.serve.pages import UIApp

    gitprompts.register_prompt("w", "Summarize in 3 sentences <b>\nkeep")
    gitprompts.register_prompt("w", "Summarize in 2 short sentences <b>\nkeep")
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/prompts/w", "QUERY_STRING": "view=side"}
    body = b"".join(UIApp()(environ, lambda status, headers: statuses.append(status))).decode()
    assert statuses == ["200 OK"]
    assert (
        '<td class="t chg">Summarize in <mark class="w">3</mark> sentences &lt;b&gt;</td>' in body
    )
    assert '<mark class="w">2 short</mark> sentences &lt;b&gt;</td>' in body
