"""Versioned records (state files, manifests, run records) are all read one bounded, careful way."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

import gitprompts
from gitprompts import errors
from gitprompts.core import state
from gitprompts.core.records import RecordDecoder
from gitprompts.models import manifest as mf
from gitprompts.models import runs
from gitprompts.models.store import Store


class Note(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = 1
    text: str = ""


def _refused(path: str, reason: str) -> errors.GitPromptsError:
    return errors.CorruptPromptFileError(path, reason)


NOTES = RecordDecoder(Note, kind="note", schema_version=1, max_bytes=100, error=_refused)


def test_a_record_decodes_into_its_struct() -> None:
    assert NOTES.decode(b'{"text": "hi"}', "n.json") == Note(text="hi")
    assert NOTES.decode(b'{"schema_version": 1, "later": [1]}', "n.json") == Note()


def test_input_over_the_limit_is_refused_before_it_is_parsed() -> None:
    # Not JSON at all: had it been parsed, the message would say so.
    with pytest.raises(errors.CorruptPromptFileError, match=r"n\.json.*100-byte limit") as caught:
        NOTES.decode(b"x" * 101, "n.json")
    assert "JSON" not in str(caught.value)
    assert NOTES.decode(b'{"text": "' + b"y" * 88 + b'"}', "n.json").text == "y" * 88


@pytest.mark.parametrize(
    "data",
    [
        b'{"schema_version": 2}',
        # A newer schema may change the shape of old fields: still "upgrade", not "invalid".
        b'{"schema_version": 2, "text": {"now": "a mapping"}}',
    ],
)
def test_a_newer_schema_says_upgrade_and_names_the_input(data: bytes) -> None:
    with pytest.raises(
        errors.CorruptPromptFileError,
        match=r"n\.json: schema_version 2 is newer than this gitprompts understands \(1\); "
        "upgrade gitprompts to read this note",
    ):
        NOTES.decode(data, "n.json")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", r"not a gitprompts note \(JSON is malformed"),
        (b'{"text": 3}', r"invalid note \(Expected `str`, got `int` - at `\$.text`\)"),
        (b'{"schema_version": "2"}', "invalid note"),
        (b"[]", "invalid note"),
    ],
)
def test_bad_records_raise_the_callers_error(data: bytes, reason: str) -> None:
    with pytest.raises(errors.CorruptPromptFileError, match=reason):
        NOTES.decode(data, "n.json")


def test_the_error_can_be_chosen_per_call() -> None:
    def not_found(path: str, reason: str) -> errors.GitPromptsError:
        return errors.ModelNotFoundError("runs:/x/y", f"{path}: {reason}")

    with pytest.raises(errors.ModelNotFoundError, match=r"n\.json: invalid note"):
        NOTES.decode(b"[]", "n.json", not_found)


# -- each record type ------------------------------------------------------------


def _write_run(store: Store, run_id: str, **fields: object) -> None:
    record = {"run_id": run_id, "models": {"model": "a" * 64}, **fields}
    path = store.root / "runs" / f"{run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_state_records_refuse_newer_and_oversized_input() -> None:
    with pytest.raises(
        errors.CorruptPromptFileError, match=r"state/x\.json.*schema_version 99 is newer.*upgrade"
    ):
        state.decode(b'{"schema_version": 99, "latest": "changed"}', "state/x.json")
    with pytest.raises(errors.CorruptPromptFileError, match="limit for a state record"):
        state.decode(b" " * (state.MAX_BYTES + 1), "state/x.json")
    with pytest.raises(errors.CorruptPromptFileError, match="invalid state record"):
        state.decode(b'{"latest": "3"}', "state/x.json")


def test_manifests_refuse_newer_and_oversized_input() -> None:
    with pytest.raises(errors.ManifestError, match=r"m\.json.*schema_version 99 is newer.*upgrade"):
        mf.decode(b'{"schema_version": 99, "files": "changed"}', "m.json")
    with pytest.raises(errors.ManifestError, match="limit for a manifest"):
        mf.decode(b" " * (mf.MAX_BYTES + 1), "m.json")


def test_a_run_record_from_a_newer_gitprompts_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    run_id = "1" * 32
    _write_run(store, run_id, schema_version=99)
    with pytest.raises(
        errors.ModelNotFoundError,
        match=rf"runs:/{run_id}/model.*{run_id}\.json: schema_version 99 is newer.*"
        "upgrade gitprompts to read this run record",
    ):
        runs.resolve(store, run_id, "model")


def test_damaged_or_oversized_run_records_are_refused_and_left_out_of_searches(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "store")
    good, newer, damaged, huge = ("1" * 32, "2" * 32, "3" * 32, "4" * 32)
    _write_run(store, good, run_name="kept", start_time=1)
    _write_run(store, newer, schema_version=2)
    (store.root / "runs" / f"{damaged}.json").write_text("{oops")
    (store.root / "runs" / f"{huge}.json").write_bytes(b" " * (runs.MAX_BYTES + 100))
    assert runs.resolve(store, good, "model") == "a" * 64
    for run_id, reason in [
        (newer, "upgrade gitprompts"),
        (damaged, "not a gitprompts run record"),
        (huge, "limit for a run record"),
    ]:
        with pytest.raises(errors.ModelNotFoundError, match=reason):
            runs.resolve(store, run_id, "model")
    assert [r.run_name for r in runs.search_runs(store)] == ["kept"]


def test_logging_into_a_run_replaces_its_frozen_record(home: Path) -> None:
    with gitprompts.start_run(run_name="r") as run:
        first = gitprompts.log_model(lambda q: q, name="first")
        before = run._record
        second = gitprompts.log_model(lambda q: str(q), name="second")
    assert before.models == {"first": first.model_id}
    with pytest.raises(AttributeError):
        before.models = {}  # type: ignore[misc]
    assert run.models == {"first": first.model_id, "second": second.model_id}
    [record] = runs.search_runs()
    assert record.models == run.models and record.run_name == "r"
