"""Pushing to ``gitprompts serve`` with a token: GITPROMPTS_TOKEN, ``gitprompts login``, refusals.

One real server (a child process on 127.0.0.1, free port) with its own home
serves the module; every test is a client with a home of its own, talking to
it through the real git CLI. The token must never land in a client file nor
in anything printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitprompts import sync
from gitprompts.cli import main
from gitprompts.errors import AuthenticationError
from gitprompts.registry import Registry

from .serve_seed import make_env, start_server, stop_server

TOKEN = "tok-Zq8vN3xL5"
GIT = "/git/registry.git"


def gp(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitprompts", *args],
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
    )


def git(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("auth-server")
    env = make_env(root)
    done = gp(env, "register", "seed", "-t", "Hello {{ name }}")
    assert done.returncode == 0, done.stderr
    token_file = root / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    proc, url = start_server(env, "--token-file", str(token_file), log=root / "server.log")
    try:
        yield url + GIT
    finally:
        stop_server(proc)


class Client:
    """A user with a home of their own and a clone of the served registry."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self.env = make_env(root)
        self.registry = root / "reg.git"
        done = gp(self.env, "clone", url, str(self.registry))
        assert done.returncode == 0, done.stderr

    def gp(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return gp(self.env, "--registry", str(self.registry), *args, stdin=stdin)

    def register(self, name: str) -> None:
        done = self.gp("register", name, "-t", f"{name} {{{{ x }}}}")
        assert done.returncode == 0, done.stderr

    def token_leaks(self) -> list[str]:
        """Files under the client's gitprompts home and registry that hold the token."""
        found = []
        for top in (self.root / "home", self.registry):
            for path in top.rglob("*"):
                if path.is_file() and TOKEN.encode() in path.read_bytes():
                    found.append(str(path))
        return found


@pytest.fixture
def client(tmp_path: Path, server_url: str) -> Client:
    return Client(tmp_path, server_url)


def _served_tags(client: Client) -> str:
    return git(client.env, "ls-remote", client.url, "refs/tags/prompts/*").stdout


# -- GITPROMPTS_TOKEN --------------------------------------------------------


def test_push_with_env_token_works_and_leaves_no_trace(client: Client) -> None:
    client.register("env-push")
    client.env["GITPROMPTS_TOKEN"] = TOKEN
    done = client.gp("push")
    assert done.returncode == 0, done.stderr
    assert "refs/tags/prompts/env-push/1" in _served_tags(client)
    # pull over http with the token set works too
    done = client.gp("pull")
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    listed = client.gp("remote", "list")
    assert TOKEN not in listed.stdout + listed.stderr
    assert client.token_leaks() == []


def test_push_with_env_token_through_the_api(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.register("api-push")
    for key in [k for k in os.environ if k.startswith(("GIT_", "GITPROMPTS_"))]:
        monkeypatch.delenv(key)
    for key, value in client.env.items():
        monkeypatch.setenv(key, value)
    reg = Registry(client.registry, create=False)
    with pytest.raises(AuthenticationError, match="GITPROMPTS_TOKEN") as caught:
        sync.push(registry=reg, progress=False)
    assert caught.value.url == client.url
    monkeypatch.setenv("GITPROMPTS_TOKEN", TOKEN)
    assert sync.push(registry=reg, progress=False).refs
    assert "refs/tags/prompts/api-push/1" in _served_tags(client)


def test_the_token_never_appears_on_a_command_line(client: Client) -> None:
    # git runs the credential helper we give it; neither git's argv nor the
    # helper's may carry the token (other users see argv in ps).
    spy = client.root / "argv.log"
    trace = client.env | {"GIT_TRACE": str(spy), "GITPROMPTS_TOKEN": TOKEN}
    client.register("argv-push")
    done = gp(trace, "--registry", str(client.registry), "push")
    assert done.returncode == 0, done.stderr
    log = spy.read_text()
    assert "run_command" in log  # the trace saw the helper and the transport start
    assert TOKEN not in log


def test_clone_with_env_token_from_a_url_registry(client: Client) -> None:
    env = client.env | {"GITPROMPTS_TOKEN": TOKEN}
    done = gp(env, "clone", client.url, str(client.root / "second.git"))
    assert done.returncode == 0, done.stderr


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_wrong_token_is_one_line_saying_how_to_fix(
    client: Client, token: str | None
) -> None:
    client.register("refused")
    if token:
        client.env["GITPROMPTS_TOKEN"] = token
    done = client.gp("push")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    assert client.url in lines[0]
    assert "GITPROMPTS_TOKEN" in lines[0] and "gitprompts login" in lines[0]
    if token:
        assert "refused" in lines[0] and token not in lines[0]
    assert "refs/tags/prompts/refused/" not in _served_tags(client)


# -- gitprompts login -------------------------------------------------------------


def test_login_stores_the_token_for_plain_git_push(client: Client) -> None:
    store = client.root / "fake-home" / "git-credentials"
    git(client.env, "config", "--global", "credential.helper", f"store --file {store}")
    done = gp(client.env, "login", client.url, stdin=TOKEN + "\n")
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert TOKEN in store.read_text()  # git's own helper holds it, nothing of ours
    assert oct(store.stat().st_mode & 0o777) == "0o600"
    # plain git, no GITPROMPTS_TOKEN: the helper answers
    client.register("login-push")
    done = git(
        client.env,
        "--git-dir",
        str(client.registry),
        "push",
        client.url,
        "main",
        "refs/tags/prompts/login-push/1",
    )
    assert done.returncode == 0, done.stderr
    assert "refs/tags/prompts/login-push/1" in _served_tags(client)
    # and gitprompts push uses it too
    client.register("login-push")
    done = client.gp("push")
    assert done.returncode == 0, done.stderr
    assert client.token_leaks() == []
    assert TOKEN not in client.gp("remote", "list").stdout


def test_login_without_a_credential_helper_says_how_to_set_one(client: Client) -> None:
    done = gp(client.env, "login", client.url, stdin=TOKEN + "\n")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "credential.helper" in done.stderr and TOKEN not in done.stderr


def test_login_refuses_a_url_that_is_not_http(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    done = gp(env, "login", "/srv/registry.git", stdin=TOKEN + "\n")
    assert done.returncode == 1
    assert "http" in done.stderr and "/srv/registry.git" in done.stderr


def test_login_reads_gitprompts_token_and_refuses_an_empty_one(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["login", "http://127.0.0.1:9/git/registry.git"], input="\n")
    assert result.exit_code == 1
    assert "empty" in result.output


# -- remote list never prints a password ---------------------------------------------


def test_remote_list_masks_a_password_in_a_url(registry: Registry) -> None:
    runner = CliRunner()
    url = f"https://alice:{TOKEN}@example.com/team/prompts.git"
    assert runner.invoke(main, ["remote", "add", "shared", url]).exit_code == 0
    for args in (["remote", "list"], ["remote", "list", "--json"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output
        assert "https://alice:***@example.com/team/prompts.git" in result.output


# -- serve with no token -----------------------------------------------------------------


def test_serve_without_a_token_says_how_to_make_one(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitprompts", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]
        while "web UI" not in lines[-1] and lines[-1]:
            lines.append(proc.stdout.readline())
        url = lines[-1].split()[-1]
        # Once it answers, its SIGTERM handler is in place and all is printed.
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.stdout is not None
    lines.append(proc.stdout.read())  # through the same buffer readline filled
    proc.stdout.close()
    text = "".join(lines)
    assert "pushes  refused" in text
    assert "--token-file" in text and "token_urlsafe" in text
    assert "GITPROMPTS_TOKEN" in text and "gitprompts login" in text


# -- pull output ----------------------------------------------------------------------------


def test_pull_output_columns_line_up(tmp_path: Path) -> None:
    server = Registry(tmp_path / "server.git")
    server.register("greet", "Hello {{ name }}")
    a = sync.clone(str(server.path), tmp_path / "a.git", progress=False)
    b = sync.clone(str(server.path), tmp_path / "b.git", progress=False)
    a.register("greet", "A's second")
    sync.push(registry=a, progress=False)
    b.register("greet", "B's second")
    result = CliRunner().invoke(main, ["--registry", str(b.path), "pull"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [
        "new         prompts:/greet/2",
        "renumbered  prompts:/greet/2 -> prompts:/greet/3 (it was not published yet)",
    ]
