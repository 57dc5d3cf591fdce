from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitprompts import errors
from gitprompts.fs.atomic import atomic_write
from gitprompts.models.store import Store, default_root, git_blob_id, sha256


def test_put_stores_once_and_get_verifies(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    digest = store.put(b"hello")
    assert digest == sha256(b"hello")
    assert store.put(b"hello") == digest
    assert [p.name for p in (store.root / "objects").rglob("*") if p.is_file()] == [digest[2:]]
    assert store.get(digest) == b"hello"
    store.object_path(digest).write_bytes(b"hellO")
    with pytest.raises(errors.IntegrityError) as info:
        store.get(digest, "files/model.pkl")
    assert info.value.expected == digest and info.value.got == sha256(b"hellO")
    assert "files/model.pkl" in str(info.value)


def test_missing_object_is_an_integrity_error(tmp_path: Path) -> None:
    with pytest.raises(errors.IntegrityError, match="missing file"):
        Store(tmp_path).get(sha256(b"x"))


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file"

    atomic_write(target, b"one")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"one"
    assert [p.name for p in target.parent.iterdir()] == ["file"]


def test_root_follows_environment(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_root() == home / "artifacts"
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", str(tmp_path / "shared"))
    assert Store().root == tmp_path / "shared"


def test_git_blob_id_matches_git(tmp_path: Path) -> None:
    data = b"---\ntype: text\n---\nHi {{ name }}\r\n\xc3\xa9"
    out = subprocess.run(
        ["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True
    ).stdout
    assert git_blob_id(data) == out.decode().strip()
