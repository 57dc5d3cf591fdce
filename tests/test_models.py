"""End-to-end: log, reload, export and link models against real registries and stores."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

import gitprompts
from gitprompts import config, errors
from gitprompts.models.store import sha256

MODEL_CODE = """
import gitprompts

AT_IMPORT = gitprompts.load_prompt("prompts:/chat@production")


class Bot:
    def predict(self, question):
        at_call = gitprompts.load_prompt("chat@production")
        return {"import": AT_IMPORT.template, "call": at_call.template, "q": question}


gitprompts.set_model(Bot())
"""


@pytest.fixture
def chat(registry: gitprompts.Registry) -> gitprompts.Registry:
    gitprompts.register_prompt("chat", "You are helpful.")
    gitprompts.register_prompt("chat", "You are terse.")
    gitprompts.set_prompt_alias("chat", "production", 1)
    return registry


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "bot.py"
    path.parent.mkdir()
    path.write_text(MODEL_CODE)
    return path


def _artifact_files(home: Path) -> list[str]:
    root = home / "artifacts"
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.parts[len(root.parts)] in ("objects", "models")
    )


def test_models_from_code_captures_prompts_automatically(
    chat: gitprompts.Registry, script: Path
) -> None:
    with gitprompts.start_run(run_name="bot") as run:
        info = gitprompts.log_model(str(script), name="bot")
    assert info.flavor == "pyfunc"
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.run_id == run.info.run_id and info.name == "bot"
    [entry] = info.manifest.prompts
    assert (entry.uri, entry.name, entry.version, entry.source) == (
        "prompts:/chat@production",
        "chat",
        1,
        "auto",
    )
    pinned = gitprompts.load_prompt("chat", version=1)
    assert (entry.commit_id, entry.blob_id) == (pinned.commit_id, pinned.blob_id)
    assert [f.path for f in info.manifest.files] == ["code/bot.py"]
    assert info.manifest.files[0].sha256 == sha256(script.read_bytes())
    assert info.manifest.python and info.manifest.packages["gitprompts"]
    assert [p.uri for p in info.prompts] == ["prompts:/chat/1"]
    assert info.prompts[0].template == "You are helpful."
    assert gitprompts.get_model_info(f"runs:/{run.info.run_id}/bot").model_id == info.model_id


def test_moved_alias_keeps_pinned_text_at_import_and_call_time(
    chat: gitprompts.Registry, script: Path
) -> None:
    info = gitprompts.log_model(str(script), name="bot")
    gitprompts.set_prompt_alias("chat", "production", 2)
    model = gitprompts.load_model(info.model_uri)
    answer = model.predict("hi")
    assert answer == {"import": "You are helpful.", "call": "You are helpful.", "q": "hi"}
    # The model's own code stays pinned even when called later from another
    # thread, without going through predict().
    bot = model.unwrap_python_model()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(bot.predict("x")["call"]))
    thread.start()
    thread.join()
    assert seen == ["You are helpful."]
    # Everyone else sees the registry as it is.
    assert gitprompts.load_prompt("chat@production").template == "You are terse."


def test_explicit_prompts_keep_uri_as_written_and_resolved(chat: gitprompts.Registry) -> None:
    v2 = gitprompts.load_prompt("chat", version=2)
    info = gitprompts.log_model(
        lambda q: q.upper(), name="shout", prompts=["prompts:/chat@production", v2]
    )
    assert [(e.uri, e.version, e.source) for e in info.manifest.prompts] == [
        ("prompts:/chat@production", 1, "explicit"),
        ("prompts:/chat/2", 2, "explicit"),
    ]
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict("hi") == "HI"
    assert model.metadata.model_id == info.model_id


def test_reload_with_the_registry_deleted(
    chat: gitprompts.Registry, script: Path, home: Path
) -> None:
    info = gitprompts.log_model(str(script), name="bot")
    shutil.rmtree(chat.path)
    config.forget_registries()
    model = gitprompts.load_model(info.model_uri)
    assert model.predict("q")["call"] == "You are helpful."
    assert not (home / "registry.git").exists()


def test_exported_directory_loads_in_a_fresh_home(
    chat: gitprompts.Registry, script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = gitprompts.log_model(str(script), name="bot")
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    assert sorted(str(p.relative_to(exported)) for p in exported.rglob("*") if p.is_file()) == [
        "files/code/bot.py",
        "manifest.json",
        "prompts/chat/1.prompt",
    ]
    with pytest.raises(errors.InvalidInputError, match="not an empty directory"):
        gitprompts.save_model(info.model_uri, exported)
    fresh = tmp_path / "elsewhere"
    monkeypatch.setenv("GITPROMPTS_HOME", str(fresh))
    config.forget_registries()
    model = gitprompts.load_model(str(exported))
    assert model.predict("q")["import"] == "You are helpful."
    assert gitprompts.get_model_info(exported).model_id == info.model_id
    assert not (fresh / "registry.git").exists()


@pytest.mark.parametrize("target", ["artifact", "prompt", "export-artifact", "export-prompt"])
def test_one_changed_byte_refuses_to_load(
    chat: gitprompts.Registry, tmp_path: Path, home: Path, target: str
) -> None:
    marker = tmp_path / "executed"
    code = tmp_path / "m.py"
    code.write_text(
        f"import gitprompts, pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "gitprompts.load_prompt('chat/1')\ngitprompts.set_model(lambda q: q)\n"
    )
    info = gitprompts.log_model(str(code))
    marker.unlink()
    entry = info.manifest.files[0] if "artifact" in target else info.manifest.prompts[0]
    if target.startswith("export"):
        uri = str(gitprompts.save_model(info.model_uri, tmp_path / "export"))
        rel = f"files/{entry.path}" if "artifact" in target else entry.copy_path  # type: ignore[union-attr]
        path = Path(uri) / rel
    else:
        uri = info.model_uri
        path = home / "artifacts" / "objects" / entry.sha256[:2] / entry.sha256[2:]
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(errors.IntegrityError) as raised:
        gitprompts.load_model(uri)
    assert raised.value.expected == entry.sha256
    assert raised.value.got == sha256(bytes(data))
    assert entry.sha256 in str(raised.value)
    assert not marker.exists()


def test_same_model_twice_same_id_nothing_new(
    chat: gitprompts.Registry, script: Path, home: Path
) -> None:
    first = gitprompts.log_model(str(script), name="bot")
    before = _artifact_files(home)
    second = gitprompts.log_model(str(script), name="bot")
    assert second.model_id == first.model_id
    assert second.created_at == first.created_at
    assert _artifact_files(home) == before
    assert [m.model_id for m in gitprompts.search_models(prompt="chat/1")] == [first.model_id]


def test_search_models_and_get_model_info_agree(chat: gitprompts.Registry, script: Path) -> None:
    by_code = gitprompts.log_model(str(script), name="bot")
    by_object = gitprompts.log_model(lambda q: q, name="echo", prompts=["chat/2"])
    assert [m.model_id for m in gitprompts.search_models(prompt="chat/1")] == [by_code.model_id]
    assert [m.model_id for m in gitprompts.search_models(prompt="prompts:/chat/2")] == [
        by_object.model_id
    ]
    assert {m.model_id for m in gitprompts.search_models(prompt="chat")} == {
        by_code.model_id,
        by_object.model_id,
    }
    for model in gitprompts.search_models(prompt="chat"):
        info = gitprompts.get_model_info(model.model_uri)
        assert [p.uri for p in info.prompts] == [p.uri for p in model.prompts]
    # The link lives in git notes on the version's commit, for push/pull.
    commit = gitprompts.load_prompt("chat", version=1).commit_id
    note = chat._git.note("refs/notes/gitprompts-models", commit)
    assert note == f"{by_code.model_id}\n"
    assert gitprompts.search_models(prompt="chat@production")[0].model_id == by_code.model_id


def test_unpinned_call_time_prompt_warns_or_fails_when_strict(
    chat: gitprompts.Registry, tmp_path: Path
) -> None:
    gitprompts.register_prompt("other", "Other text.")
    code = tmp_path / "m.py"
    code.write_text(
        "import gitprompts\ngitprompts.load_prompt('chat/1')\n"
        "gitprompts.set_model(lambda q: gitprompts.load_prompt('other').template)\n"
    )
    info = gitprompts.log_model(str(code))
    with pytest.warns(errors.UnpinnedPromptWarning, match="prompts:/other@latest is not pinned"):
        assert gitprompts.load_model(info.model_uri).predict("q") == "Other text."
    with pytest.raises(errors.UnpinnedPromptError, match="other@latest"):
        gitprompts.load_model(info.model_uri, strict=True).predict("q")


# -- bad input: a specific error naming the input, nothing half-written --------


def test_bad_inputs_name_themselves_and_write_nothing(
    chat: gitprompts.Registry, tmp_path: Path, home: Path
) -> None:
    def fails(exc: type[Exception], match: str, *args: object, **kwargs: object) -> None:
        with pytest.raises(exc, match=match):
            gitprompts.log_model(*args, **kwargs)
        assert not (home / "artifacts" / "models").exists()

    fails(
        errors.PromptVersionNotFoundError,
        "version 9 of prompt 'chat'",
        lambda q: q,
        prompts=["prompts:/chat/9"],
    )
    fails(errors.AliasNotFoundError, "alias 'nope'", lambda q: q, prompts=["chat@nope"])
    fails(errors.InvalidInputError, "prompts entry 3", lambda q: q, prompts=[3])
    fails(errors.InvalidInputError, "list of prompt URIs", lambda q: q, prompts="chat/1")
    fails(errors.InvalidModelError, "cloudpickle cannot serialise", _Unpicklable())
    fails(errors.InvalidModelError, "expected a callable", 42)
    fails(errors.InvalidModelError, "no such script", str(tmp_path / "missing.py"))
    fails(errors.InvalidInputError, "invalid model name", lambda q: q, name="a/b")
    raising = tmp_path / "raising.py"
    raising.write_text("import gitprompts\nraise RuntimeError('boom')\n")
    fails(errors.ModelScriptError, r"raising\.py failed: RuntimeError: boom", str(raising))
    silent = tmp_path / "silent.py"
    silent.write_text("model = lambda q: q\n")
    fails(errors.InvalidModelError, r"silent\.py.*never called gitprompts\.set_model", str(silent))


def test_missing_models_and_newer_manifests(
    chat: gitprompts.Registry, script: Path, tmp_path: Path
) -> None:
    for uri, match in [
        ("models:/" + "0" * 64, "no such model"),
        ("models:/abc", "64 hex digits"),
        ("runs:/" + "0" * 32 + "/model", "no run"),
        (str(tmp_path / "nowhere"), "no such directory"),
    ]:
        with pytest.raises(errors.ModelNotFoundError, match=match):
            gitprompts.load_model(uri)
    with gitprompts.start_run() as run:
        gitprompts.log_model(str(script), name="bot")
    with pytest.raises(errors.ModelNotFoundError, match=r"no model named 'other'.*names: bot"):
        gitprompts.load_model(f"runs:/{run.info.run_id}/other")
    info = gitprompts.log_model(str(script), name="bot")
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    manifest = exported / "manifest.json"
    manifest.write_bytes(
        manifest.read_bytes().replace(b'"schema_version":1', b'"schema_version":2')
    )
    with pytest.raises(errors.ManifestError, match="schema_version 2 is newer"):
        gitprompts.load_model(exported)


def test_artifact_store_location_is_configurable(
    chat: gitprompts.Registry,
    script: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
) -> None:
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", str(tmp_path / "shared"))
    info = gitprompts.log_model(str(script))
    assert (tmp_path / "shared" / "models" / f"{info.model_id}.json").is_file()
    assert not (home / "artifacts").exists()


class _Unpicklable:
    def __init__(self) -> None:
        self.lock = threading.Lock()

    def predict(self, data: object) -> object:
        return data
