"""An installed client-side pre-commit finds Python at run time, not at a venv path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from gitprompts.cli import main
from gitprompts.remote import hookscripts

from .conftest import git

ROOT = Path(__file__).resolve().parent.parent


def _commit_bad_prompt(app: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (app / "bad.prompt").write_text("---\ntype: [x\n---\n")
    git("-C", str(app), "add", "bad.prompt")
    return subprocess.run(
        ["git", "-C", str(app), "commit", "-qm", "bad"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_installed_pre_commit_does_not_pin_the_installing_venv(tmp_path: Path) -> None:
    app = tmp_path / "app"
    git("init", "-q", str(app))
    result = CliRunner().invoke(main, ["hooks", "install", str(app)], prog_name="gitprompts")
    assert result.exit_code == 0, result.output
    text = (app / ".git" / "hooks" / "pre-commit").read_text()
    assert sys.executable not in text
    assert str(ROOT) not in text
    assert text == hookscripts.render("pre-commit")  # = the copy-by-hand script
    # Run time: python3 as found on PATH (here a script running this interpreter;
    # a symlink would lose the venv, whose pyvenv.cfg is found next to argv[0]).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "GITPROMPTS_PYTHON"}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT))
    refused = _commit_bad_prompt(app, env)
    assert refused.returncode != 0 and "bad.prompt" in refused.stderr
    # GITPROMPTS_PYTHON wins over PATH.
    env["GITPROMPTS_PYTHON"] = str(tmp_path / "no-such-python")
    missing = _commit_bad_prompt(app, env)
    assert missing.returncode != 0 and "no-such-python" in missing.stderr


def test_server_pre_receive_stays_pinned(tmp_path: Path) -> None:
    bare = tmp_path / "r.git"
    git("init", "-q", "--bare", str(bare))
    [hook] = hookscripts.install(bare)
    assert hook.read_text() == hookscripts.render("pre-receive", python=sys.executable)
