"""What every flavor must do beyond its own calls, checked the same way for each.

``travels(...)`` takes a logged model and a way to call it, and checks, in
this order: ``gitprompts.pyfunc.load_model(...).predict`` (through ``predict``); the model links
(git notes) and the serve pages for the model and its prompt; an exported
directory with one changed byte is refused before anything runs; the
export loads in a fresh home with no registry; the registry deleted, the
model still loads by id. Each step asserts that the pinned text reached the
LLM: ``call(loaded_model)`` and ``predict(pyfunc_model)`` return what the LLM saw.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import gitprompts
from gitprompts import config, errors

from .serve_seed import running

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "flavor-test-token"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode())


def travels(
    info: gitprompts.ModelInfo,
    registry: gitprompts.Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    load: Callable[[str], Any],
    call: Callable[[Any], str],
    predict: Callable[[Any], str],
    pinned: str,
) -> None:
    # predict through pyfunc, as for every other flavor
    seen = predict(gitprompts.pyfunc.load_model(info.model_uri))
    assert pinned in seen, seen

    # the model links: git notes on the pinned versions, and the serve pages
    [pin] = {(p.name, p.version) for p in info.manifest.prompts}
    found = gitprompts.search_models(prompt=f"{pin[0]}/{pin[1]}")
    assert info.model_id in [m.model_id for m in found]
    with running(registry.path, TOKEN) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = _get(f"{base}/models/{info.model_id}")
        assert f"<div>Flavor</div><div>{info.flavor}</div>" in page
        assert f"prompts:/{pin[0]}/{pin[1]}" in page
        assert f"{info.model_id[:12]}… ({info.flavor})" in _get(f"{base}/prompts/{pin[0]}")

    # an exported copy with one changed byte is refused, nothing runs
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    tampered = tmp_path / "tampered"
    shutil.copytree(exported, tampered)
    target = tampered / "files" / info.manifest.entry
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(errors.IntegrityError, match="does not match its manifest"):
        load(str(tampered))

    # the registry deleted: the model loads by id, pinned text and all
    shutil.rmtree(registry.path)
    config.forget_registries()
    assert pinned in call(load(info.model_uri))
    assert not registry.path.exists()

    # the export in a fresh home, with no registry and no artifact store
    monkeypatch.setenv("GITPROMPTS_HOME", str(tmp_path / "elsewhere"))
    config.forget_registries()
    assert pinned in call(load(str(exported)))
    assert gitprompts.get_model_info(exported).model_id == info.model_id


def hides(*modules: str) -> str:
    """Python code that makes ``modules`` unimportable in a child process (as if not installed)."""
    return (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {modules!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Hide())\n"
    )


def two_versions(name: str, first: str, second: str) -> None:
    """Register ``name`` v1 and v2 with @production at v1 (a test then moves it to v2)."""
    gitprompts.register_prompt(name, first)
    gitprompts.register_prompt(name, second)
    gitprompts.set_prompt_alias(name, "production", 1)


def missing_extra_lines(module: str, call: str) -> list[str]:
    """What a child process prints when ``call`` raises MissingExtraError, ``module`` hidden.

    ``import gitprompts`` must not import ``module`` (checked in the child too).
    """
    code = hides(module) + (
        "import gitprompts, sys\n"
        f"assert {module!r} not in sys.modules\n"
        "try:\n"
        f"    {call}\n"
        "except gitprompts.errors.MissingExtraError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()


def forge_entry(exported: Path, entry: str, data: bytes) -> None:
    """Replace a model file in an exported directory and re-hash it in the manifest.

    What someone handing over a model directory can do: the result verifies,
    so what refuses it must be the flavor's own reader.
    """
    import msgspec

    from gitprompts.models import manifest
    from gitprompts.models.store import sha256

    path = exported / "manifest.json"
    old = manifest.decode(path.read_bytes())
    files = [
        manifest.FileEntry(path=f.path, sha256=sha256(data), size=len(data))
        if f.path == entry
        else f
        for f in old.files
    ]
    path.write_bytes(manifest.encode(msgspec.structs.replace(old, files=files)))
    (exported / "files" / entry).write_bytes(data)


def example_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment an example runs in: no API key, no home, its own TMPDIR; ``extra`` added."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "GITPROMPTS_HOME")}
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(extra)
    return env


def run_example(example: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``examples/<example>`` run as a script in ``env`` (two minutes at the most)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / example)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
