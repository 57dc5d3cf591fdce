"""The hostile-input suite: every reader of untrusted bytes, fuzzed under time and memory limits.

Prompt files, state files, manifests and run records arrive by push, pull or
a shared store; URIs and versions come from users. Each fuzzer in
``tests/hostile/fuzz_decoders.py`` asserts that every input is either
accepted (and round-trips) or refused with a ``gitprompts.errors`` exception.
They run in a child process with an address-space limit and a timeout, so a
reader that regresses into an alias bomb or a runaway loop fails here
instead of eating the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gitprompts

ROOT = Path(gitprompts.__file__).resolve().parent.parent
FUZZERS = [
    "fuzz_prompt_file",
    "fuzz_state",
    "fuzz_manifest",
    "fuzz_run_record",
    "fuzz_uri",
    "fuzz_version",
]
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: the 539-byte alias bomb needed 2.3 GB


def _limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("fuzzer", FUZZERS)
def test_reader_accepts_or_refuses_within_bounds(fuzzer: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "hostile" / "fuzz_decoders.py"), fuzzer],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        preexec_fn=_limited,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"{fuzzer}: ok" in run.stdout
