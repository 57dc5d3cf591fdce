"""The pre-receive rules against crafted pushes made with plain git; install; pre-commit."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gitprompts import hooks, sync
from gitprompts.core import layout
from gitprompts.errors import HookInstallError
from gitprompts.registry import Registry
from gitprompts.remote import hookscripts
from gitprompts.serve.git_http import make_hooks_dir

from .conftest import git

ROOT = Path(__file__).resolve().parent.parent


def _push(work: Path, *refspecs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(work), "push", "--porcelain", "origin", *refspecs],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )


def _commit_prompt(work: Path, name: str, text: str, state_latest: int | None = None) -> str:
    (work / layout.prompt_path(name)).parent.mkdir(parents=True, exist_ok=True)
    (work / layout.prompt_path(name)).write_text(text)
    if state_latest is not None:
        (work / layout.state_path(name)).parent.mkdir(parents=True, exist_ok=True)
        (work / layout.state_path(name)).write_text(f'{{"latest": {state_latest}}}\n')
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", f"edit {name}")
    return git("-C", str(work), "rev-parse", "HEAD").strip()


def _refusals(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if "gitprompts: " in line]


def test_good_push_accepted(served: tuple[Path, Path]) -> None:
    _, work = served
    _commit_prompt(work, "greet", "Hello again {{ name }}", 2)
    git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    result = _push(work, "HEAD:refs/heads/main", "refs/tags/prompts/greet/2")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("setup", "refspecs", "rule"),
    [
        ("delete", [":refs/tags/prompts/greet/1"], "never deleted"),
        ("move", ["+refs/tags/prompts/greet/1"], "never move"),
        ("skip", ["HEAD:refs/heads/main", "refs/tags/prompts/greet/3"], "not the next number"),
        ("invalid", ["HEAD:refs/heads/main", "refs/tags/prompts/greet/2"], "invalid prompt file"),
        ("missing", ["refs/tags/prompts/ghost/1"], f"has no {layout.prompt_path('ghost')}"),
        ("rewrite", ["+HEAD:refs/heads/main"], "non-fast-forward"),
        ("badmain", ["HEAD:refs/heads/main"], f"invalid prompt file {layout.prompt_path('bad')}"),
    ],
)
def test_each_rule_refuses(
    served: tuple[Path, Path], setup: str, refspecs: list[str], rule: str
) -> None:
    server, work = served
    before = git("--git-dir", str(server), "show-ref")
    if setup == "move":
        _commit_prompt(work, "greet", "moved {{ name }}")
        git("-C", str(work), "tag", "-f", "-a", "-m", "moved", "prompts/greet/1")
    elif setup == "skip":
        _commit_prompt(work, "greet", "three {{ name }}", 3)
        git("-C", str(work), "tag", "-a", "-m", "v3", "prompts/greet/3")
    elif setup == "invalid":
        _commit_prompt(work, "greet", "---\ntype: text\n---\nbroken {{ name ", 2)
        git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    elif setup == "missing":
        git("-C", str(work), "tag", "-a", "-m", "ghost", "prompts/ghost/1")
    elif setup == "rewrite":
        git("-C", str(work), "commit", "-q", "--amend", "-m", "rewritten")
    elif setup == "badmain":
        _commit_prompt(work, "bad", "---\ntype: [oops\n---\nx")
    result = _push(work, *refspecs)
    assert result.returncode != 0
    lines = _refusals(result)
    assert any(rule in line for line in lines), result.stderr
    assert all("refused" in line and "refs/" in line for line in lines)
    assert git("--git-dir", str(server), "show-ref") == before


def test_check_push_api_names_ref_and_rule(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    reg.register("greet", "Hi")
    tag = git("--git-dir", str(reg.path), "rev-parse", "refs/tags/prompts/greet/1").strip()
    assert hooks.check_push(reg.path, [(tag, hooks.ZERO, "refs/tags/prompts/greet/1")]) == [
        "refs/tags/prompts/greet/1: refused: version tags are never deleted"
    ]
    assert hooks.check_push(reg.path, []) == []


def test_install_idempotent_and_chains_legacy(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    foreign = reg.path / "hooks" / "pre-receive"
    foreign.parent.mkdir(exist_ok=True)
    marker = tmp_path / "legacy-ran"
    foreign.write_text(f"#!/bin/sh\ncat > {marker}\nexit 0\n")
    foreign.chmod(0o755)
    hooks.install(reg.path)
    first = foreign.read_text()
    hooks.install(reg.path)
    assert foreign.read_text() == first and hooks.MARKER in first
    assert (reg.path / "hooks" / "pre-receive.legacy").read_text().startswith("#!/bin/sh\ncat")
    reg.register("greet", "Hi")
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    _commit_prompt(work, "greet", "Hi again", 2)
    git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    assert _push(work, "HEAD:refs/heads/main", "refs/tags/prompts/greet/2").returncode == 0
    assert "refs/heads/main" in marker.read_text()
    with pytest.raises(HookInstallError, match="not a git repository"):
        hooks.install(tmp_path / "nowhere")


def test_pre_commit_validates_staged_prompt_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    git("init", "-q", str(app))
    hooks.install(app)
    # An installed pre-commit runs $GITPROMPTS_PYTHON (else python3 on PATH) at commit time.
    monkeypatch.setenv("GITPROMPTS_PYTHON", sys.executable)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (app / "ok.prompt").write_text("Hello {{ name }}")
    git("-C", str(app), "add", "ok.prompt")
    git("-C", str(app), "commit", "-qm", "ok")
    (app / "bad.prompt").write_text("---\ntype: [x\n---\n")
    git("-C", str(app), "add", "bad.prompt")
    result = subprocess.run(
        ["git", "-C", str(app), "commit", "-qm", "bad"], capture_output=True, text=True
    )
    assert result.returncode != 0 and "bad.prompt" in result.stderr


def test_validate_entry_and_repo_hooks_are_thin(tmp_path: Path) -> None:
    bad = tmp_path / "x..y.prompt"
    bad.write_text("Hi")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "gitprompts.hooks", "validate", str(bad)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1 and "invalid prompt name" in result.stderr
    for name in ("pre-receive", "pre-commit"):
        text = (ROOT / "hooks" / name).read_text()
        assert 'python3}" -m gitprompts.hooks' in text and os.access(ROOT / "hooks" / name, os.X_OK)
    assert "files: \\.prompt$" in (ROOT / ".pre-commit-hooks.yaml").read_text()


@pytest.mark.parametrize("name", hooks.HOOKS)
def test_repository_hooks_are_the_template_rendered(name: str) -> None:
    """The copy-by-hand scripts in hooks/ are the shipped template with the default python."""
    path = ROOT / "hooks" / name
    assert path.read_text() == hookscripts.render(name)
    assert hookscripts.DEFAULT_PYTHON == '"${GITPROMPTS_PYTHON:-python3}"'
    assert hooks.MARKER in path.read_text() and os.access(path, os.X_OK)


def test_installed_and_served_hooks_pin_this_python(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    [installed] = hooks.install(reg.path)
    text = installed.read_text()
    assert text == hookscripts.render("pre-receive", python=sys.executable)
    assert "GITPROMPTS_PYTHON" not in text and os.access(installed, os.X_OK)
    package_parent = Path(hookscripts.__file__).resolve().parents[2]
    assert f"PYTHONPATH={shlex.quote(str(package_parent))}$" in text  # this gitprompts, first
    served = make_hooks_dir()
    try:
        assert (served / "pre-receive").read_text() == text
        assert os.access(served / "pre-receive", os.X_OK)
    finally:
        shutil.rmtree(served)
    with pytest.raises(ValueError, match="unknown hook"):
        hookscripts.render("post-receive")


def test_hook_copied_by_hand_runs_gitprompts_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    git("init", "-q", str(app))
    shutil.copy2(ROOT / "hooks" / "pre-commit", app / ".git" / "hooks" / "pre-commit")
    monkeypatch.setenv("GITPROMPTS_PYTHON", sys.executable)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    (app / "bad.prompt").write_text("---\ntype: [x\n---\n")
    git("-C", str(app), "add", "bad.prompt")
    result = subprocess.run(
        ["git", "-C", str(app), "commit", "-qm", "bad"], capture_output=True, text=True
    )
    assert result.returncode != 0 and "bad.prompt" in result.stderr


# -- state files: what the hook lets in, readers can trust ---------------------


def _commit_state(work: Path, name: str, text: str) -> None:
    (work / layout.state_path(name)).parent.mkdir(parents=True, exist_ok=True)
    (work / layout.state_path(name)).write_text(text)
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", f"edit state of {name} by hand")


@pytest.mark.parametrize(
    ("state_json", "rule"),
    [
        ('{"latest": 1000000000}', f"invalid state file {layout.state_path('greet')}"),
        ('{"latest": -5}', f"invalid state file {layout.state_path('greet')}"),
        (
            '{"latest": 1, "version_tags": {"abc": {}}}',
            f"invalid state file {layout.state_path('greet')}",
        ),
        ('{"latest": 5}', "latest is 5, but prompt 'greet' has no version 5"),
        ('{"latest": 1, "aliases": {"production": 7}}', "alias 'production' points at version 7"),
        (
            '{"latest": 1, "aliases": {"production": 1}, "deleted": [1]}',
            "alias 'production' points at version 1, which is deleted",
        ),
        ('{"latest": 1, "deleted": [4]}', "deleted names version 4"),
        ('{"latest": 1, "version_tags": {"9": {"k": "v"}}}', "version_tags names version 9"),
    ],
)
def test_hook_refuses_a_state_file_readers_could_not_trust(
    served: tuple[Path, Path], state_json: str, rule: str
) -> None:
    server, work = served
    before = git("--git-dir", str(server), "show-ref")
    _commit_state(work, "greet", state_json)
    result = _push(work, "HEAD:refs/heads/main")
    assert result.returncode != 0
    lines = _refusals(result)
    assert any(rule in line for line in lines), result.stderr
    assert all(
        line.split("gitprompts: ", 1)[1].startswith("refs/heads/main: refused") for line in lines
    )
    assert git("--git-dir", str(server), "show-ref") == before
    # What the reader sees is untouched: version 1 is still the latest.
    assert Registry(server, create=False).latest_version("greet") == 1


def test_hook_accepts_a_state_naming_versions_pushed_with_it(served: tuple[Path, Path]) -> None:
    server, work = served
    _commit_prompt(work, "greet", "Hello again {{ name }}")
    git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    _commit_state(
        work,
        "greet",
        '{"latest": 2, "aliases": {"production": 2}, "deleted": [1],'
        ' "version_tags": {"2": {"team": "nlp"}}}',
    )
    result = _push(work, "HEAD:refs/heads/main", "refs/tags/prompts/greet/2")
    assert result.returncode == 0, result.stderr
    reg = Registry(server, create=False)
    assert reg.get("greet", "2").tags == {"team": "nlp"}
    assert reg.aliases("greet") == {"production": 2}


@pytest.mark.parametrize("path", ["state/Bad Name.json", "state/notes.txt"])
def test_hook_refuses_a_file_in_state_that_is_no_prompt_state(
    served: tuple[Path, Path], path: str
) -> None:
    _, work = served
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text('{"latest": 0}')
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", "stray file")
    result = _push(work, "HEAD:refs/heads/main")
    assert result.returncode != 0
    assert any(path in line for line in _refusals(result)), result.stderr


def test_next_number_refusal_names_the_state_that_claims_it(tmp_path: Path) -> None:
    """A state written before the hook was installed claims 5 versions; only 1 has a tag."""
    server = Registry(tmp_path / "server.git")
    server.register("greet", "Hello {{ name }}")
    work = tmp_path / "work"
    git("clone", "-q", str(server.path), str(work))
    _commit_state(work, "greet", '{"latest": 5}')
    assert _push(work, "HEAD:refs/heads/main").returncode == 0  # no hook yet
    hooks.install(server.path)
    _commit_prompt(work, "greet", "Hello again {{ name }}")
    git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    result = _push(work, "HEAD:refs/heads/main", "refs/tags/prompts/greet/2")
    assert result.returncode != 0
    assert any(
        f"expected 6: the server's {layout.state_path('greet')} says 5 numbers were given out; "
        "pull, then push again" in line
        for line in _refusals(result)
    ), result.stderr


# -- version tags are annotated; model links are never rewritten ----------------


def test_hook_refuses_a_lightweight_version_tag(served: tuple[Path, Path]) -> None:
    server, work = served
    _commit_prompt(work, "greet", "Hello again {{ name }}", 2)
    git("-C", str(work), "tag", "prompts/greet/2")  # lightweight: no tagger, no message
    result = _push(work, "HEAD:refs/heads/main", "refs/tags/prompts/greet/2")
    assert result.returncode != 0
    assert any("git tag -a" in line for line in _refusals(result)), result.stderr
    assert git("--git-dir", str(server), "tag", "-l", "prompts/greet/2") == ""


NOTES = "refs/notes/gitprompts-models"


@pytest.fixture
def noted(served: tuple[Path, Path]) -> tuple[Path, Path]:
    """``served`` with a model link on version 1, fetched into the work clone."""
    server, work = served
    reg = Registry(server, create=False)
    reg.link_model([reg.get("greet", 1).commit_id or ""], "a" * 64)
    git("-C", str(work), "fetch", "-q", "origin", f"{NOTES}:{NOTES}")
    return server, work


def test_hook_refuses_rewriting_or_deleting_model_links(noted: tuple[Path, Path]) -> None:
    server, work = noted
    before = git("--git-dir", str(server), "rev-parse", NOTES)
    # A fresh notes history that drops the server's link: not a fast-forward.
    git("-C", str(work), "update-ref", "-d", NOTES)
    git("-C", str(work), "notes", f"--ref={NOTES}", "add", "-m", "b" * 64, "HEAD")
    rewritten = _push(work, f"+{NOTES}:{NOTES}")
    assert rewritten.returncode != 0
    assert any("non-fast-forward" in line for line in _refusals(rewritten)), rewritten.stderr
    deleted = _push(work, f":{NOTES}")
    assert deleted.returncode != 0
    assert any("never deleted" in line for line in _refusals(deleted)), deleted.stderr
    assert git("--git-dir", str(server), "rev-parse", NOTES) == before


def test_hook_accepts_model_links_added_on_top(noted: tuple[Path, Path]) -> None:
    server, work = noted
    git("-C", str(work), "notes", f"--ref={NOTES}", "append", "-m", "b" * 64, "HEAD")
    result = _push(work, f"{NOTES}:{NOTES}")
    assert result.returncode == 0, result.stderr
    reg = Registry(server, create=False)
    assert reg.linked_models("greet") == {1: ["a" * 64, "b" * 64]}


# -- the loser of a push race is told to pull --------------------------------------

# Installed as pre-receive.legacy (which runs before gitprompts' checks): the
# first push to reach the server waits inside its hook until the test says go,
# so a second push can overtake it. Bounded: it gives up waiting after 30 s.
RACE_GATE = """#!/bin/sh
cat >/dev/null
if mkdir "{gate}/first" 2>/dev/null; then
    touch "{gate}/waiting"
    i=0
    while [ ! -e "{gate}/go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
fi
exit 0
"""

PUSHER = textwrap.dedent(
    """
    import json, sys
    from gitprompts import sync
    from gitprompts.errors import PushRejectedError
    from gitprompts.registry import Registry
    try:
        refs = sync.push(registry=Registry(sys.argv[1], create=False)).refs
        print(json.dumps({"refs": refs}))
    except PushRejectedError as exc:
        print(json.dumps({"pull_first": exc.pull_first, "message": str(exc)}))
    """
)


def test_loser_of_a_push_race_is_told_to_pull(tmp_path: Path) -> None:
    server = Registry(tmp_path / "server.git")
    server.register("greet", "one")
    server.register("greet", "two")
    hooks.install(server.path)
    gate = tmp_path / "gate"
    gate.mkdir()
    legacy = server.path / "hooks" / "pre-receive.legacy"
    legacy.write_text(RACE_GATE.format(gate=gate))
    legacy.chmod(0o755)
    a = sync.clone(str(server.path), tmp_path / "a.git", progress=False)
    b = sync.clone(str(server.path), tmp_path / "b.git", progress=False)
    a.register("greet", "A's third")
    b.register("greet", "B's third")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pusher = subprocess.Popen(
        [sys.executable, "-c", PUSHER, str(a.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not (gate / "waiting").exists():
            assert pusher.poll() is None, pusher.communicate()
            assert time.monotonic() < deadline, "A's push never reached the server's hook"
            time.sleep(0.02)
        # A is inside the hook, nothing moved yet; B overtakes it with the same number.
        assert "refs/tags/prompts/greet/3" in sync.push(registry=b).refs
    finally:
        (gate / "go").touch()
    out, err = pusher.communicate(timeout=60)
    assert pusher.returncode == 0, err
    outcome = json.loads(out)
    assert outcome.get("pull_first") is True, outcome
    assert "gitprompts pull origin" in outcome["message"], outcome
    assert "fix what its hook reports" not in outcome["message"]
    assert "the server already has version 3" in outcome["message"]
    # Doing what it says works: A's version becomes 4.
    assert sync.pull(registry=a).renumbered == {"prompts:/greet/3": "prompts:/greet/4"}
    assert "refs/heads/main" in sync.push(registry=a).refs
    assert Registry(server.path, create=False).get("greet", 4).template == "A's third"
