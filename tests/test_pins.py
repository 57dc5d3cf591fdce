from __future__ import annotations

import threading

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.core.uri import resolve_ref
from gitprompts.models import pins
from gitprompts.models.manifest import PromptEntry
from gitprompts.models.store import git_blob_id, sha256


def _pinset(registry: gitprompts.Registry, *uris: str, strict: bool = False) -> pins.PinSet:
    entries, files = [], {}
    for uri in uris:
        version = gitprompts.load_prompt(uri)
        _, data = registry.prompt_file(version.name, version.version)
        files[(version.name, version.version)] = data
        entries.append(
            PromptEntry(
                uri=uri,
                name=version.name,
                version=version.version,
                commit_id=version.commit_id,
                blob_id=git_blob_id(data),
                sha256=sha256(data),
            )
        )
    return pins.PinSet("test-model", entries, files, strict=strict)


@pytest.fixture
def three(registry: gitprompts.Registry) -> gitprompts.Registry:
    for i in range(1, 4):
        gitprompts.register_prompt("p", f"text {i}")
    gitprompts.set_prompt_alias("p", "production", 1)
    return registry


def test_find_by_number_alias_and_latest(three: gitprompts.Registry) -> None:
    pinset = _pinset(three, "prompts:/p@production", "prompts:/p/2")
    assert pinset.find(resolve_ref("prompts:/p@production")).version == 1
    assert pinset.find(resolve_ref("prompts:/p/2")).version == 2
    assert pinset.find(resolve_ref("prompts:/p/3")) is None  # a number is exact
    assert pinset.find(resolve_ref("prompts:/p@staging")).version == 2  # highest pinned
    assert pinset.find(resolve_ref("prompts:/q/1")) is None


def test_active_pins_answer_every_form_then_stop(three: gitprompts.Registry) -> None:
    pinset = _pinset(three, "prompts:/p@production")
    with pins.activate(pinset):
        for uri in ("prompts:/p@production", "p@latest", "p", "prompts:/p@staging"):
            got = gitprompts.load_prompt(uri)
            assert (got.version, got.template) == (1, "text 1"), uri
        with pytest.warns(errors.UnpinnedPromptWarning, match="p/3 is not pinned"):
            assert gitprompts.load_prompt("prompts:/p/3").template == "text 3"
    assert gitprompts.load_prompt("p").version == 3


def test_strict_pins_refuse_unpinned(three: gitprompts.Registry) -> None:
    with (
        pins.activate(_pinset(three, "prompts:/p/1", strict=True)),
        pytest.raises(errors.UnpinnedPromptError, match="p/2 is not pinned"),
    ):
        gitprompts.load_prompt("p", version=2)


def test_recording_sees_uri_as_written(three: gitprompts.Registry) -> None:
    with pins.recording() as recorder:
        gitprompts.load_prompt("prompts:/p@production")
        gitprompts.load_prompt("p", version=2)
        gitprompts.load_prompt("nope", allow_missing=True)
    assert [(w, v.version) for w, v in recorder.loads] == [
        ("prompts:/p@production", 1),
        ("prompts:/p/2", 2),
    ]


def test_installed_pins_follow_code_into_threads(three: gitprompts.Registry, tmp_path) -> None:
    code = tmp_path / "model_code"
    code.mkdir()
    source = "import gitprompts\ndef ask():\n    return gitprompts.load_prompt('p@production')\n"
    (code / "m.py").write_text(source)
    namespace: dict[str, object] = {}
    exec(compile(source, str(code / "m.py"), "exec"), namespace)
    pins.install(str(code), _pinset(three, "prompts:/p/1"))
    gitprompts.set_prompt_alias("p", "production", 3)
    results = []
    thread = threading.Thread(target=lambda: results.append(namespace["ask"]()))  # type: ignore[operator]
    thread.start()
    thread.join()
    assert results[0].version == 1
    # Code outside the model's directory is not affected.
    assert gitprompts.load_prompt("p@production").version == 3
