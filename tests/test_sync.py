"""push / pull / clone against real bare repositories, with the real git CLI as the other party."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitprompts import sync
from gitprompts.core import layout
from gitprompts.core.uri import parse_prompt_uri
from gitprompts.errors import PushRejectedError, RemoteNotFoundError
from gitprompts.registry import Registry

from .conftest import git


@pytest.fixture
def server(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "server.git")
    reg.register("greet", "Hello {{ name }}")
    reg.register("greet", "Hi {{ name }}")
    reg.register("other", "Other {{ x }}")
    return reg


def _clone(server: Registry, tmp_path: Path, who: str) -> Registry:
    return sync.clone(str(server.path), tmp_path / f"{who}.git", progress=False)


def test_clone_carries_main_tags_and_notes(server: Registry, tmp_path: Path) -> None:
    server.link_model([server.get("greet", 1).commit_id or ""], "m" * 64)
    a = _clone(server, tmp_path, "a")
    assert a.get("greet", 2).template == "Hi {{ name }}"
    assert a.linked_models("greet") == {1: ["m" * 64]}
    assert sync.remotes(a) == {"origin": str(server.path)}
    assert (
        git("--git-dir", str(a.path), "rev-parse", "refs/remotes/origin/main").strip()
        == git("--git-dir", str(server.path), "rev-parse", "main").strip()
    )


def test_race_on_one_version_number(server: Registry, tmp_path: Path) -> None:
    a = _clone(server, tmp_path, "a")
    b = _clone(server, tmp_path, "b")
    a.register("greet", "A's third")
    b.register("greet", "B's third")
    b.set_alias("greet", "production", 3)
    assert sync.push(registry=a).refs
    with pytest.raises(PushRejectedError, match="pull") as caught:
        sync.push(registry=b)
    assert caught.value.pull_first
    published = git("--git-dir", str(server.path), "rev-parse", "prompts/greet/3^{}").strip()
    result = sync.pull(registry=b)
    assert result.renumbered == {"prompts:/greet/3": "prompts:/greet/4"}
    assert b.get("greet", 3).template == "A's third"
    assert b.get("greet", 4).template == "B's third"
    assert b.aliases("greet") == {"production": 4}
    assert b.get("greet", 4).commit_message is None
    assert sync.push(registry=b).refs
    # The remote, seen with plain git: A's 3 untouched, B's version as 4, linear history.
    assert (
        git("--git-dir", str(server.path), "rev-parse", "prompts/greet/3^{}").strip() == published
    )
    tags = git("--git-dir", str(server.path), "tag", "-l", "prompts/greet/*").split()
    assert tags == ["prompts/greet/1", "prompts/greet/2", "prompts/greet/3", "prompts/greet/4"]
    log = git("--git-dir", str(server.path), "log", "--format=%s", "main").splitlines()
    assert log[:3] == [
        "Set alias production of greet to version 3".replace("3", "3"),
        "Register greet version 4",
        "Register greet version 3",
    ]
    assert git(
        "--git-dir", str(server.path), "show", f"prompts/greet/4:{layout.prompt_path('greet')}"
    ).endswith("B's third")
    a_pull = sync.pull(registry=a)
    assert a_pull.fast_forward and a.aliases("greet") == {"production": 4}


def test_different_prompts_merge_and_notes_union(server: Registry, tmp_path: Path) -> None:
    a = _clone(server, tmp_path, "a")
    b = _clone(server, tmp_path, "b")
    a.register("greet", "A greet")
    a.link_model([a.get("greet", 1).commit_id or ""], "a" * 64)
    b.register("other", "B other")
    b.link_model([b.get("greet", 1).commit_id or ""], "b" * 64)
    sync.push(registry=a)
    result = sync.pull(registry=b)
    assert result.renumbered == {} and not result.conflicts
    assert b.get("greet", 3).template == "A greet"
    assert b.get("other", 2).template == "B other"
    assert b.linked_models("greet", 1) == {1: ["a" * 64, "b" * 64]}
    sync.push(registry=b)
    assert server.get("other", 2).template == "B other"
    server.forget_cache()
    assert server.linked_models("greet", 1) == {1: ["a" * 64, "b" * 64]}


def test_alias_moved_on_both_sides_later_wins(
    server: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _clone(server, tmp_path, "a")
    b = _clone(server, tmp_path, "b")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "")
    b.set_alias("greet", "production", 1)
    time.sleep(1.1)
    a.set_alias("greet", "production", 2)
    sync.push(registry=a)
    result = sync.pull(registry=b)
    assert b.aliases("greet") == {"production": 2}
    assert result.conflicts and "greet@production" in result.conflicts[0]


def test_push_and_pull_up_to_date(server: Registry, tmp_path: Path) -> None:
    a = _clone(server, tmp_path, "a")
    assert sync.push(registry=a).up_to_date
    assert sync.pull(registry=a).up_to_date


def test_unknown_remote(server: Registry, tmp_path: Path) -> None:
    a = _clone(server, tmp_path, "a")
    with pytest.raises(RemoteNotFoundError, match="upstream"):
        sync.pull("upstream", registry=a)
    sync.add_remote("upstream", str(server.path), registry=a)
    assert set(sync.remotes(a)) == {"origin", "upstream"}
    sync.remove_remote("upstream", registry=a)
    assert set(sync.remotes(a)) == {"origin"}


def _echo(text: str) -> str:
    return text


def test_model_logged_against_renumbered_version(server: Registry, tmp_path: Path) -> None:
    from click.testing import CliRunner

    import gitprompts
    from gitprompts.cli import main as cli

    a = _clone(server, tmp_path, "a")
    b = _clone(server, tmp_path, "b")
    a.register("greet", "A's third")
    b.register("greet", "B's third {{ name }}")
    gitprompts.set_registry(b.path)
    info = gitprompts.log_model(_echo, name="m", prompts=["prompts:/greet/3"])
    sync.push(registry=a)
    assert sync.pull().renumbered == {"prompts:/greet/3": "prompts:/greet/4"}
    gitprompts.load_model(info.model_uri)  # pins content: still loads
    assert gitprompts.get_model_info(info.model_uri).renumbered == {"prompts:/greet/3": 4}
    out = CliRunner().invoke(cli, ["--registry", str(b.path), "models", "show", info.model_uri])
    assert out.exit_code == 0, out.output
    assert "prompts:/greet/4 (logged as 3)" in out.output
    # the model link travelled with the renumbered version
    assert b.linked_models("greet", 4) == {4: [info.model_id]}


def test_cli_push_pull_clone(server: Registry, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gitprompts.cli import main as cli

    runner = CliRunner()
    out = runner.invoke(cli, ["clone", str(server.path), str(tmp_path / "c.git")])
    assert out.exit_code == 0, out.output
    c = ["--registry", str(tmp_path / "c.git")]
    assert runner.invoke(cli, [*c, "register", "greet", "-t", "three"]).exit_code in (0, 2)
    out = runner.invoke(cli, [*c, "remote", "list", "--json"])
    assert '"origin"' in out.output
    out = runner.invoke(cli, [*c, "pull", "nowhere"])
    assert (
        out.exit_code == 1
        and out.output.count("\n") == 1
        and "no remote named 'nowhere'" in out.output
    )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_clone_and_push_over_git_daemon(server: Registry, tmp_path: Path) -> None:
    import socket
    import subprocess

    port = _free_port()
    daemon = subprocess.Popen(
        [
            "git",
            "daemon",
            "--export-all",
            "--enable=receive-pack",
            "--reuseaddr",
            f"--base-path={tmp_path}",
            f"--port={port}",
            "--listen=127.0.0.1",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "git daemon did not start"
                time.sleep(0.05)
        url = f"git://127.0.0.1:{port}/server.git"
        a = sync.clone(url, tmp_path / "a.git", progress=False)
        assert a.get("greet", 2).template == "Hi {{ name }}"
        a.register("greet", "over the daemon")
        sync.push(registry=a)
        assert Registry(server.path).get("greet", 3).template == "over the daemon"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_url_registry_mirror_falls_back_when_remote_is_gone(
    server: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gitprompts
    from gitprompts.errors import RemoteUnreachableWarning

    url = f"file://{server.path}"
    monkeypatch.setenv("GITPROMPTS_REGISTRY", url)
    monkeypatch.setenv("GITPROMPTS_REFRESH_SECONDS", "0")
    assert gitprompts.load_prompt("prompts:/greet/1").template == "Hello {{ name }}"
    reg = gitprompts.get_registry()
    assert reg.path.parent.name == "mirrors"
    server.register("greet", "third, fetched on a miss")
    assert gitprompts.load_prompt("prompts:/greet/3").template == "third, fetched on a miss"
    gitprompts.register_prompt("other", "pushed from the mirror")
    assert Registry(server.path).get("other", 2).template == "pushed from the mirror"
    server.path.rename(tmp_path / "gone.git")
    with pytest.warns(RemoteUnreachableWarning, match="local mirror"):
        assert gitprompts.load_prompt("prompts:/greet@latest").version == 3
    assert gitprompts.load_prompt("prompts:/greet/2").template == "Hi {{ name }}"


def test_url_registry_links_logged_models_on_the_remote(
    server: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write of a URL registry reaches the remote, model links included."""
    import gitprompts

    monkeypatch.setenv("GITPROMPTS_REGISTRY", f"file://{server.path}")
    version = gitprompts.register_prompt("greet", "Hello again {{ name }}")
    info = gitprompts.log_model(lambda q: q, name="m", prompts=[version.uri])
    on_server = git(
        "--git-dir", str(server.path), "notes", "--ref=refs/notes/gitprompts-models", "list"
    )
    assert version.commit_id is not None and version.commit_id in on_server
    assert Registry(server.path).linked_models("greet", version.version) == {
        version.version: [info.model_id]
    }


def test_pull_that_brings_nothing_keeps_main(server: Registry, tmp_path: Path) -> None:
    """A pull with nothing new must not leave the registry reading an empty main."""
    a = _clone(server, tmp_path, "a")
    a.register("greet", "third")
    a.set_alias("greet", "production", 3)
    sync.push(registry=a)
    assert a.resolve(parse_prompt_uri("prompts:/greet@production")).version == 3
    assert sync.pull(registry=a).up_to_date
    assert a.resolve(parse_prompt_uri("prompts:/greet@production")).version == 3
    assert [p.name for p in a.prompts()] == ["greet", "other"]
    assert a.register("greet", "fourth").version == 4


def test_pull_brings_a_version_made_by_hand(server: Registry, tmp_path: Path) -> None:
    """The README's recipe (edit, commit, tag, push with plain git) reaches every client."""
    a = _clone(server, tmp_path, "a")
    a.register("greet", "A's own third")  # unpublished: collides with the hand-made 3
    work = tmp_path / "work"
    git("clone", "-q", str(server.path), str(work))
    (work / layout.prompt_path("greet")).write_bytes(b"Made by hand {{ name }}\n")
    git("commit", "-qam", "Edit greet by hand", cwd=work)
    git("tag", "-a", "prompts/greet/3", "-m", "by hand", cwd=work)
    git("push", "-q", "origin", "main", "prompts/greet/3", cwd=work)

    result = sync.pull(registry=a)
    assert result.fetched == ["prompts:/greet/3"]
    assert result.renumbered == {"prompts:/greet/3": "prompts:/greet/4"}
    assert a.get("greet", 3).template == "Made by hand {{ name }}\n"
    assert a.get("greet", 4).template == "A's own third"
    assert a.latest_version("greet") == 4
    assert sync.push(registry=a).refs
    assert Registry(server.path).get("greet", 4).template == "A's own third"
    assert sync.pull(registry=a).up_to_date


def test_push_sends_a_version_made_by_hand_in_the_registry(
    server: Registry, tmp_path: Path
) -> None:
    a = _clone(server, tmp_path, "a")
    work = tmp_path / "work"
    git("clone", "-q", str(a.path), str(work))
    (work / layout.prompt_path("other")).parent.mkdir(parents=True, exist_ok=True)
    (work / layout.prompt_path("other")).write_bytes(b"Other, by hand {{ x }}\n")
    git("commit", "-qam", "Edit other by hand", cwd=work)
    git("tag", "-a", "prompts/other/2", "-m", "by hand", cwd=work)
    git("push", "-q", "origin", "main", "prompts/other/2", cwd=work)
    assert "refs/tags/prompts/other/2" in sync.push(registry=a).refs
    assert Registry(server.path).get("other", 2).template == "Other, by hand {{ x }}\n"


def test_a_killed_pull_leaves_no_side_directory_behind(server: Registry, tmp_path: Path) -> None:
    """SIGKILL skips every cleanup; the next sync sweeps what the killed one left."""
    import os
    import signal
    import subprocess
    import sys

    a = _clone(server, tmp_path, "a")
    git("--git-dir", str(a.path), "remote", "add", "hang", "ssh://nowhere.invalid/x.git")
    # The fetch hangs on "ssh" (git runs this through the shell; '#' drops git's arguments).
    env = {**os.environ, "GIT_SSH_COMMAND": "sleep 60 #"}
    code = (
        "import sys; from gitprompts import sync; from gitprompts.registry import Registry\n"
        "sync.pull('hang', registry=Registry(sys.argv[1]))"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(a.path)], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while not list(a.path.glob("gitprompts-sync-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(a.path.glob("gitprompts-sync-*")), "the pull never started"
        time.sleep(0.5)  # well inside the hanging fetch
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert list(a.path.glob("gitprompts-sync-*"))  # what a SIGKILL leaves
    assert sync.pull(registry=a).up_to_date
    assert list(a.path.glob("gitprompts-sync-*")) == []
