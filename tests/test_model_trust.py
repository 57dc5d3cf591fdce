"""Loading a model runs only the code its manifest verified, and runs:/ cannot be repointed.

Every test here but the last tried a hole on the code before it was closed:
concurrent first loads that broke each other's unpacked copy, files next to
the model's code that were imported although no manifest listed them,
modules read from disk after verification, a code directory left on
``sys.path``, and run records that could be rewritten to name another
model. The last keeps what worked before working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.models import runs

ROOT = Path(__file__).resolve().parents[1]


def _unique(prefix: str) -> str:
    """A module name no other test imported (sys.modules is shared by the whole session)."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _lazy_model(tmp_path: Path, helper: str, extra: str) -> tuple[Path, Path]:
    """A models-from-code script that imports ``helper`` (and tries ``extra``) only when called."""
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{helper}.py").write_text('VALUE = "verified"\n')
    script = src / "lazy.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import gitprompts

            def predict(question):
                if question == "where":
                    return __file__
                if question == "helper":
                    import {helper}
                    return {helper}.VALUE
                try:
                    import {extra}
                except ImportError:
                    return "clean"
                return "extra imported"

            gitprompts.set_model(predict)
            """
        )
    )
    return script, src / f"{helper}.py"


def _logged(tmp_path: Path, via: str, helper: str, extra: str) -> str:
    """The URI of the lazy model: in the artifact store, or exported by save_model."""
    script, helper_file = _lazy_model(tmp_path, helper, extra)
    info = gitprompts.log_model(str(script), name="lazy", code_paths=[str(helper_file)])
    if via == "store":
        return info.model_uri
    return str(gitprompts.save_model(info.model_uri, tmp_path / "export"))


# -- 7. concurrent first loads --------------------------------------------------------

LOADER = textwrap.dedent(
    """
    import sys
    import gitprompts

    expected = int(sys.argv[1])
    for uri in sys.argv[2:]:
        print("ready", flush=True)
        sys.stdin.readline()  # the go signal: every loader gets it at the same moment
        try:
            got = gitprompts.load_model(uri).predict("q")
            print("ok" if got == expected else f"{uri}: predicted {got}", flush=True)
        except Exception as exc:
            print(f"{uri}: {type(exc).__name__}: {exc}".replace("\\n", " "), flush=True)
    """
)


@pytest.mark.slow
def test_concurrent_first_loads_of_one_model_all_succeed(tmp_path: Path, home: Path) -> None:
    # Eight processes load each of 80 never-loaded models at the same moment
    # (released together for each one). Before the fix they rebuilt one shared
    # unpacked copy under each other: every one of nine runs on that code
    # failed, with 2 to 18 of its 640 loads ending in a missing module or
    # name, FileNotFoundError or ENOTEMPTY. Each process now imports from its
    # own verified copy.
    processes, modules, models = 8, 10, 80
    uris = []
    for k in range(models):
        package = tmp_path / f"src{k}" / f"conc{k}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        for i in range(modules):
            (package / f"m{i}.py").write_text(f"VALUE = {i}\n")
        script = tmp_path / f"src{k}" / f"model{k}.py"
        names = ", ".join(f"m{i}" for i in range(modules))
        script.write_text(
            f"import gitprompts\nfrom conc{k} import {names}\n"
            f"gitprompts.set_model(lambda q: sum(m.VALUE for m in ({names},)))\n"
        )
        uris.append(gitprompts.log_model(str(script), code_paths=[str(package)]).model_uri)
    env = {**os.environ, "GITPROMPTS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    expected = str(sum(range(modules)))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", LOADER, expected, *uris],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]

    def kill_all() -> None:
        for child in children:
            child.kill()

    # A hung loader must fail the test, not hang CI: killing it ends its output.
    watchdog = threading.Timer(120, kill_all)
    watchdog.start()
    failures = []
    try:
        for _ in uris:
            assert [c.stdout.readline() for c in children] == ["ready\n"] * processes  # type: ignore[union-attr]
            for child in children:
                child.stdin.write("go\n")  # type: ignore[union-attr]
                child.stdin.flush()  # type: ignore[union-attr]
            answers = [c.stdout.readline().strip() for c in children]  # type: ignore[union-attr]
            failures += [answer for answer in answers if answer != "ok"]
    finally:
        watchdog.cancel()
        for child in children:
            child.stdin.close()  # type: ignore[union-attr]
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            child.stdout.close()  # type: ignore[union-attr]
    assert failures == []


# -- 8. only verified code runs ---------------------------------------------------------


@pytest.mark.parametrize("via", ["store", "export"])
def test_an_extra_file_next_to_the_model_code_is_never_imported(
    tmp_path: Path, home: Path, via: str
) -> None:
    helper, extra = _unique("helper"), _unique("extra")
    uri = _logged(tmp_path, via, helper, extra)
    marker = tmp_path / "extra-ran"
    planted = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    first = gitprompts.load_model(uri)
    # Plant the file where the model's code was loaded from, and (for an
    # exported model) beside its files in the export too.
    places = [Path(first.predict("where")).parent]
    if via == "export":
        places.append(Path(uri) / "files" / "code")
    for place in places:
        (place / f"{extra}.py").write_text(planted)
    assert first.predict("import") == "clean"  # imported lazily, at call time
    again = gitprompts.load_model(uri)
    assert again.predict("import") == "clean"
    # The first load's code still imports its own modules (from the verified
    # bytes) after the second load had to make a new copy.
    assert first.predict("helper") == "verified"
    assert gitprompts.verify_model(uri) == []  # verify checks the manifest's files: all intact
    assert not marker.exists()


@pytest.mark.parametrize("via", ["store", "export"])
def test_a_module_changed_on_disk_after_verification_is_not_used(
    tmp_path: Path, home: Path, via: str
) -> None:
    helper = _unique("helper")
    uri = _logged(tmp_path, via, helper, _unique("extra"))
    model = gitprompts.load_model(uri)
    changed = 'VALUE = "changed after verification"\n'
    places = [Path(model.predict("where")).parent]
    if via == "export":
        places.append(Path(uri) / "files" / "code")
    for place in places:
        (place / f"{helper}.py").write_text(changed)
    assert model.predict("helper") == "verified"


def test_load_model_leaves_sys_path_alone_and_keeps_its_modules_to_itself(
    tmp_path: Path, home: Path
) -> None:
    helper = _unique("helper")
    uri = _logged(tmp_path, "store", helper, _unique("extra"))
    before = list(sys.path)
    model = gitprompts.load_model(uri)
    assert model.predict("helper") == "verified"  # its own lazy import still works
    assert sys.path == before
    # Code outside the model cannot import the model's modules by accident.
    sys.modules.pop(helper, None)
    with pytest.raises(ModuleNotFoundError):
        __import__(helper)


# -- 8. run records cannot be repointed -----------------------------------------------


def test_a_rewritten_run_record_is_refused(tmp_path: Path, home: Path) -> None:
    with gitprompts.start_run(run_name="kept") as run:
        kept = gitprompts.log_model(lambda q: "kept", name="model")
    other = gitprompts.log_model(lambda q: "swapped", name="model")
    record_path = home / "artifacts" / "runs" / f"{run.info.run_id}.json"
    record = json.loads(record_path.read_text())
    assert record["models"] == {"model": kept.model_id}
    uri = f"runs:/{run.info.run_id}/model"
    assert gitprompts.load_model(uri).predict("q") == "kept"
    # Repoint the name at another model in the same store: valid JSON, a real model.
    record["models"]["model"] = other.model_id
    record_path.write_text(json.dumps(record))
    with pytest.raises(errors.IntegrityError, match=rf"{run.info.run_id}\.json") as raised:
        gitprompts.load_model(uri)
    assert raised.value.path == str(record_path)
    with pytest.raises(errors.IntegrityError):
        gitprompts.get_model_info(uri)
    assert run.info.run_id not in [r.run_id for r in runs.search_runs()]
    # The digests live outside the artifact store, where only this user writes.
    assert (home / "run-digests").stat().st_mode & 0o777 == 0o700
    # The model itself is still there by its content address.
    assert gitprompts.load_model(kept.model_uri).predict("q") == "kept"


def test_packages_and_data_files_load_as_they_did_when_logged(tmp_path: Path, home: Path) -> None:
    # code_paths directories keep working from the verified bytes: a package,
    # a directory without __init__.py (a namespace package) and a data file
    # read beside the code.
    package, namespace = _unique("pkg"), _unique("ns")
    src = tmp_path / "src"
    (src / package / "inner").mkdir(parents=True)
    (src / package / "__init__.py").write_text("from . import inner\n")
    (src / package / "inner" / "__init__.py").write_text("from .deep import VALUE\n")
    (src / package / "inner" / "deep.py").write_text("VALUE = 'package'\n")
    (src / package / "greeting.txt").write_text("hello")
    (src / namespace).mkdir()
    (src / namespace / "mod.py").write_text("VALUE = 'namespace'\n")
    script = src / "model.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import pathlib
            import gitprompts
            import {package}

            def predict(question):
                from {namespace}.mod import VALUE
                data = pathlib.Path({package}.__file__).with_name("greeting.txt").read_text()
                return [{package}.inner.VALUE, VALUE, data]

            gitprompts.set_model(predict)
            """
        )
    )
    info = gitprompts.log_model(str(script), code_paths=[str(src / package), str(src / namespace)])
    for name in [
        package,
        f"{package}.inner",
        f"{package}.inner.deep",
        namespace,
        f"{namespace}.mod",
    ]:
        sys.modules.pop(name, None)  # logging imported them from src/
    model = gitprompts.load_model(info.model_uri)
    assert model.predict("q") == ["package", "namespace", "hello"]
    assert not sys.modules[package].__file__.startswith(str(src))
