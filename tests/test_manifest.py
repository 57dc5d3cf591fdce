from __future__ import annotations

import msgspec
import pytest

from gitprompts import errors
from gitprompts.models import manifest as mf
from gitprompts.models.manifest import FileEntry, Manifest, PromptEntry

H = "ab" * 32


def _manifest(**changes: object) -> Manifest:
    base = Manifest(
        flavor="pyfunc",
        loader="pickle",
        entry="model.pkl",
        files=[
            FileEntry(path="model.pkl", sha256=H, size=3),
            FileEntry(path="code/a.py", sha256=H, size=1),
        ],
        prompts=[
            PromptEntry(
                uri="prompts:/b/1", name="b", version=1, commit_id="c", blob_id="d", sha256=H
            ),
            PromptEntry(
                uri="a@production",
                name="a",
                version=2,
                commit_id="c",
                blob_id="d",
                sha256=H,
                source="auto",
            ),
        ],
        python="3.11.7",
        created_at="2025-01-01T00:00:00+00:00",
    )
    return msgspec.structs.replace(base, **changes)


def test_round_trip_and_canonical_bytes() -> None:
    m = _manifest()
    data = mf.encode(m)
    assert mf.decode(data) == mf.canonical(m)
    assert mf.encode(mf.decode(data)) == data
    shuffled = _manifest(files=list(reversed(m.files)), prompts=list(reversed(m.prompts)))
    assert mf.encode(shuffled) == data
    assert b'"schema_version":1' in data


def test_model_id_ignores_creation_time_only() -> None:
    m = _manifest()
    assert mf.model_id(m) == mf.model_id(_manifest(created_at="2030-01-01T00:00:00+00:00"))
    assert mf.model_id(m) != mf.model_id(_manifest(python="3.12.0"))
    assert len(mf.model_id(m)) == 64


def test_newer_schema_is_refused_with_the_path() -> None:
    data = mf.encode(_manifest(schema_version=99))
    with pytest.raises(errors.ManifestError, match=r"m\.json.*schema_version 99 is newer"):
        mf.decode(data, "m.json")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "not a gitprompts manifest"),
        (b'{"flavor": 1}', "invalid manifest"),
        (mf.encode(_manifest(entry="nope.pkl")), "entry 'nope.pkl'"),
        (
            mf.encode(_manifest(files=[FileEntry(path="../x", sha256=H, size=1)], entry="../x")),
            "not a plain relative path",
        ),
    ],
)
def test_bad_manifests_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(errors.ManifestError, match=reason):
        mf.decode(data, "manifest.json")
