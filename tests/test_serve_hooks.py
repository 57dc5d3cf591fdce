"""A push through ``gitprompts serve`` runs exactly the hooks a direct push runs.

The registry's own hooks (a freeze in ``pre-receive`` or in the
``pre-receive.legacy`` that ``gitprompts hooks install`` kept, an ``update``,
a ``post-receive``) run as they would for ``git push /path/to/registry.git``,
the registry's ``receive.*`` settings hold, and the gitprompts policy runs as well. Each test pushes the same commit
directly and through a real server on 127.0.0.1 and compares.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitprompts import hooks
from gitprompts.registry import Registry
from gitprompts.serve import GIT_PREFIX, Server

from . import serve_seed
from .conftest import git

TOKEN = "s3cret"
FREEZE = "#!/bin/sh\necho 'registry frozen for the release' >&2\nexit 1\n"


@contextmanager
def running(registry: Path) -> Iterator[Server]:
    with serve_seed.running(registry, TOKEN) as server:
        yield server


def push_url(server: Server) -> str:
    return server.url.replace("http://", f"http://user:{TOKEN}@") + GIT_PREFIX


def _hook(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _registry_and_work(tmp_path: Path) -> tuple[Path, Path]:
    """A registry with one version, and a clone holding one new commit on main to push."""
    reg = Registry(tmp_path / "registry.git")
    reg.register("greet", "Hello {{ name }}")
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    (work / "NOTES.txt").write_text("notes\n")
    git("-C", str(work), "add", "NOTES.txt")
    git("-C", str(work), "commit", "-qm", "notes")
    return reg.path, work


def _push(work: Path, url: str, refspec: str = "HEAD:main") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(work), "push", url, refspec],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_registry_pre_receive_refuses_through_serve_as_directly(tmp_path: Path) -> None:
    registry, work = _registry_and_work(tmp_path)
    _hook(registry / "hooks" / "pre-receive", FREEZE)
    main = git("-C", str(registry), "rev-parse", "main")

    direct = _push(work, str(registry))
    assert direct.returncode != 0 and "registry frozen for the release" in direct.stderr

    with running(registry) as server:
        served = _push(work, push_url(server))
    assert served.returncode != 0, served.stderr
    assert "remote: registry frozen for the release" in served.stderr
    assert git("-C", str(registry), "rev-parse", "main") == main  # nothing written


def test_installed_hook_legacy_freeze_refuses_through_serve(tmp_path: Path) -> None:
    registry, work = _registry_and_work(tmp_path)
    _hook(registry / "hooks" / "pre-receive", FREEZE)
    hooks.install(registry)  # keeps the freeze as pre-receive.legacy, chained first
    assert (registry / "hooks" / "pre-receive.legacy").read_text() == FREEZE
    main = git("-C", str(registry), "rev-parse", "main")

    direct = _push(work, str(registry))
    assert direct.returncode != 0 and "registry frozen for the release" in direct.stderr

    with running(registry) as server:
        served = _push(work, push_url(server))
    assert served.returncode != 0, served.stderr
    assert "remote: registry frozen for the release" in served.stderr
    assert git("-C", str(registry), "rev-parse", "main") == main


def test_update_and_post_receive_run_with_git_input_and_a_clean_environment(
    tmp_path: Path,
) -> None:
    registry, work = _registry_and_work(tmp_path)
    seen = tmp_path / "seen"
    seen.mkdir()
    # Each hook records its arguments, its stdin and any config injected through the
    # environment (a direct push has none: serve's own settings must not leak into them).
    record = (
        f'#!/bin/sh\nname=$(basename "$0")\necho "$@" > "{seen}/$name.args"\n'
        f'cat > "{seen}/$name.stdin"\nenv | grep "^GIT_CONFIG_\\(COUNT\\|KEY\\|VALUE\\)"'
        f' > "{seen}/$name.env"\ngit config core.hooksPath > "{seen}/$name.hookspath"\n'
        "exit 0\n"
    )
    for name in ("update", "post-receive", "post-update"):
        _hook(registry / "hooks" / name, record)
    old = git("-C", str(registry), "rev-parse", "main").strip()
    new = git("-C", str(work), "rev-parse", "HEAD").strip()

    with running(registry) as server:
        served = _push(work, push_url(server))
    assert served.returncode == 0, served.stderr
    assert (seen / "update.args").read_text() == f"refs/heads/main {old} {new}\n"
    assert (seen / "post-receive.stdin").read_text() == f"{old} {new} refs/heads/main\n"
    assert (seen / "post-update.args").read_text() == "refs/heads/main\n"
    for name in ("update", "post-receive", "post-update"):
        assert (seen / f"{name}.env").read_text() == "", name
        assert (seen / f"{name}.hookspath").read_text() == "", name


def test_policy_still_runs_when_the_registry_has_its_own_hooks(tmp_path: Path) -> None:
    registry, work = _registry_and_work(tmp_path)
    _hook(registry / "hooks" / "post-receive", "#!/bin/sh\nexit 0\n")
    git("-C", str(work), "tag", "-f", "prompts/greet/1", "HEAD")  # moves a published version tag
    with running(registry) as server:
        moved = subprocess.run(
            ["git", "-C", str(work), "push", "-f", push_url(server), "refs/tags/prompts/greet/1"],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=60,
        )
    assert moved.returncode != 0
    assert "refused: version tags never move" in moved.stderr


def test_registry_receive_settings_hold_through_serve(tmp_path: Path) -> None:
    """serve adds no git setting of its own that would let through what the registry refuses."""
    registry, work = _registry_and_work(tmp_path)
    git("-C", str(work), "push", "-q", str(registry), "HEAD:refs/heads/feature")
    git("-C", str(registry), "config", "receive.denyDeletes", "true")

    direct = _push(work, str(registry), ":refs/heads/feature")
    assert direct.returncode != 0 and "deletion prohibited" in direct.stderr

    with running(registry) as server:
        served = _push(work, push_url(server), ":refs/heads/feature")
    assert served.returncode != 0, served.stderr
    assert "deletion prohibited" in served.stderr
    assert git("-C", str(registry), "branch", "--list", "feature").strip() == "feature"


def test_only_the_hooks_the_registry_has_are_forwarded(tmp_path: Path) -> None:
    """git runs update once per ref: a forwarder with nothing to run would still cost a shell."""
    registry, work = _registry_and_work(tmp_path)
    _hook(registry / "hooks" / "post-receive", "#!/bin/sh\nexit 0\n")
    with running(registry) as server:
        assert _push(work, push_url(server)).returncode == 0
        assert server.hook_dirs is not None
        [used] = list(server.hook_dirs.root.iterdir())
        assert sorted(p.name for p in used.iterdir()) == ["post-receive", "pre-receive"]
