"""Models travel through an S3-compatible store: a real moto server on 127.0.0.1.

Machine A logs a model and pushes; B clones and loads ``models:/ID`` with the
pinned prompt while the alias has moved; C sees a tampered object refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gitprompts
import gitprompts.models.stores.location
from gitprompts import errors
from gitprompts.models.store import Store
from gitprompts.models.stores import transfers

from .artifacts_seed import (
    become,
    cached_files,
    moto_checking_credentials,
    moto_endpoint,
    raw_put,
    s3,
    write_model_script,
)

__all__ = ["moto_checking_credentials", "moto_endpoint", "s3"]  # fixtures used by the tests below


def _machine_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> tuple[str, Path, str]:
    """A: a registry with a shared store, a model pinned to chat@production, pushed to origin."""
    become(tmp_path / "a", monkeypatch)
    origin = tmp_path / "origin.git"
    gitprompts.get_registry(origin, create=True)
    gitprompts.register_prompt("chat", "You are helpful.")
    gitprompts.register_prompt("chat", "You are terse.")
    gitprompts.set_prompt_alias("chat", "production", 1)
    assert gitprompts.sync.set_artifact_store(url) is True
    gitprompts.sync.add_remote("origin", str(origin))
    info = gitprompts.log_model(str(write_model_script(tmp_path / "src")), name="bot")
    gitprompts.push()
    gitprompts.set_prompt_alias("chat", "production", 2)  # the alias moves after logging
    gitprompts.push()
    assert info.run_id is not None
    return info.model_id, origin, info.run_id


def _clone_as(machine: Path, origin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    become(machine, monkeypatch)
    gitprompts.clone(str(origin), machine / "registry.git")


def test_a_logs_and_pushes_b_clones_and_loads_the_pinned_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    _, bucket = s3
    url = f"s3://{bucket}/team"
    model_id, origin, run_id = _machine_a(tmp_path, monkeypatch, url)

    _clone_as(tmp_path / "b", origin, monkeypatch)
    assert gitprompts.sync.artifact_store() == ("s3://" + bucket + "/team", "registry")
    assert cached_files(tmp_path / "b") == []  # B never saw the model
    assert gitprompts.load_prompt("chat@production").version == 2
    model = gitprompts.load_model(f"models:/{model_id}")
    assert model.predict("q") == "You are helpful. q"  # pinned version 1, not @production=2
    assert gitprompts.verify_model(f"models:/{model_id[:9]}") == []
    info = gitprompts.get_model_info(f"runs:/{run_id}/bot")
    assert info.model_id == model_id
    assert [m.model_id for m in gitprompts.search_models()] == [model_id]
    assert [m.model_id for m in gitprompts.search_models(prompt="chat")] == [model_id]
    cached = cached_files(tmp_path / "b")
    assert f"models/{model_id}.json" in cached
    assert not [f for f in cached if f.startswith("tmp/")]
    from click.testing import CliRunner

    from gitprompts.cli import main

    listed = CliRunner().invoke(main, ["models", "list"])
    assert listed.exit_code == 0 and model_id[:12] in listed.output
    shown = CliRunner().invoke(main, ["models", "verify", f"models:/{model_id[:12]}"])
    assert shown.exit_code == 0, shown.output


def test_a_second_push_uploads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    _, bucket = s3
    model_id, _, _ = _machine_a(tmp_path, monkeypatch, f"s3://{bucket}/team")
    again = gitprompts.sync.upload_models()
    assert (again.objects, again.bytes, again.models) == (0, 0, [])
    from click.testing import CliRunner

    from gitprompts.cli import main

    shown = CliRunner().invoke(main, ["artifacts", "upload", "--json"])
    assert shown.exit_code == 0 and '"bytes": 0' in shown.output
    # A new model (the alias moved, so it pins version 2) went up when it was logged,
    # sharing the script's object with the first: push still has nothing to send.
    info = gitprompts.log_model(str(write_model_script(tmp_path / "src")), name="bot")
    assert info.model_id != model_id
    assert gitprompts.sync.upload_models().bytes == 0
    remote = gitprompts.models.stores.location.shared_store()
    assert remote is not None
    sent = transfers.upload_model(Store(), remote, info.model_id)
    assert sent.objects == 1  # the manifest only: every object is there already


def test_c_refuses_a_tampered_object_and_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    _, bucket = s3
    model_id, origin, _ = _machine_a(tmp_path, monkeypatch, f"s3://{bucket}/team")
    manifest = gitprompts.get_model_info(f"models:/{model_id}").manifest
    code = next(f for f in manifest.files if f.path.endswith("bot13.py"))
    raw_put(f"s3://{bucket}/team", transfers.object_key(code.sha256), b"import os  # evil\n")

    _clone_as(tmp_path / "c", origin, monkeypatch)
    with pytest.raises(errors.IntegrityError, match=r"bot13\.py") as caught:
        gitprompts.load_model(f"models:/{model_id}")
    assert code.sha256 in str(caught.value)
    problems = gitprompts.verify_model(f"models:/{model_id}")
    assert len(problems) == 1 and "bot13.py" in problems[0]
    objects = [f for f in cached_files(tmp_path / "c") if f.startswith(("objects/", "tmp/"))]
    assert transfers.object_key(code.sha256) not in objects
    assert not [f for f in objects if f.startswith("tmp/")]


def test_a_cached_model_loads_offline_and_an_uncached_one_says_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    from .artifacts_seed import free_port

    _, bucket = s3
    model_id, origin, _ = _machine_a(tmp_path, monkeypatch, f"s3://{bucket}/team")
    _clone_as(tmp_path / "b", origin, monkeypatch)
    gitprompts.load_model(f"models:/{model_id}")  # now cached
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # the store died
    assert gitprompts.load_model(f"models:/{model_id}").predict("q") == "You are helpful. q"
    with pytest.raises(errors.ArtifactStoreUnreachableError, match=bucket):
        gitprompts.load_model("models:/" + "ab" * 32)


def test_a_missing_bucket_warns_at_log_and_refuses_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    become(tmp_path / "a", monkeypatch)
    gitprompts.get_registry(tmp_path / "origin.git", create=True)
    gitprompts.sync.add_remote("origin", str(tmp_path / "origin.git"))
    gitprompts.register_prompt("chat", "You are helpful.")
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", "s3://no-such-bucket-13/x")
    with pytest.warns(errors.ArtifactUploadWarning, match="no-such-bucket-13"):
        info = gitprompts.log_model(lambda q: q, name="echo", prompts=["chat/1"])
    assert gitprompts.get_model_info(info.model_uri).model_id == info.model_id  # kept locally
    with pytest.raises(errors.ArtifactStoreNotFoundError, match="bucket does not exist"):
        gitprompts.push()
    assert gitprompts.get_registry(tmp_path / "origin.git").names() == []  # nothing pushed


@pytest.mark.parametrize("value", ["ftp://example.com/x", "s3:bucket", "s3://"])
def test_an_unsupported_store_url_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, registry: gitprompts.Registry
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", value)
    with pytest.raises(errors.UnsupportedArtifactStoreError, match=value.split(":")[0]):
        gitprompts.log_model(lambda q: q, name="echo")
    with pytest.raises(errors.UnsupportedArtifactStoreError):
        gitprompts.sync.set_artifact_store(value)
    assert sorted(p.name for p in tmp_path.iterdir() if ":" in p.name) == []


def test_push_refuses_to_link_a_model_nobody_can_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    _, bucket = s3
    become(tmp_path / "a", monkeypatch)
    origin = tmp_path / "origin.git"
    gitprompts.get_registry(origin, create=True)
    gitprompts.sync.add_remote("origin", str(origin))
    gitprompts.register_prompt("chat", "You are helpful.")
    info = gitprompts.log_model(lambda q: q, name="echo", prompts=["chat/1"])  # no store yet
    (Store().root / "models" / f"{info.model_id}.json").unlink()  # lost on this machine
    gitprompts.sync.set_artifact_store(f"s3://{bucket}/team")
    with pytest.raises(errors.ModelNotFoundError, match="nobody can fetch"):
        gitprompts.push()
    assert gitprompts.get_registry(origin).names() == []


def test_a_large_artifact_streams_in_parts_and_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    """20 MB: three 8 MiB parts of a multipart upload, and a streamed, verified download."""
    import os

    _, bucket = s3
    model_id, origin, _ = _machine_a(tmp_path, monkeypatch, f"s3://{bucket}/team")
    become(tmp_path / "a", monkeypatch)
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "w.bin").write_bytes(os.urandom(20 << 20))
    info = gitprompts.log_model(
        str(write_model_script(tmp_path / "src")), name="big", code_paths=[str(weights)]
    )
    assert info.model_id != model_id
    _clone_as(tmp_path / "d", origin, monkeypatch)
    assert gitprompts.verify_model(info.model_uri) == []
    data = (tmp_path / "weights" / "w.bin").read_bytes()
    big = next(f for f in info.files if f.path.endswith("w.bin"))
    assert Store().object_path(big.sha256).read_bytes() == data


def test_a_local_object_that_does_not_verify_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[str, str]
) -> None:
    """Hashed as it is sent: a damaged cache file aborts the (multipart) upload."""
    import os

    _, bucket = s3
    become(tmp_path / "a", monkeypatch)
    gitprompts.register_prompt("chat", "You are helpful.")
    gitprompts.set_prompt_alias("chat", "production", 1)
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "w.bin").write_bytes(os.urandom(9 << 20))  # past one 8 MiB part
    info = gitprompts.log_model(
        str(write_model_script(tmp_path / "src")), name="big", code_paths=[str(weights)]
    )
    big = next(f for f in info.files if f.path.endswith("w.bin"))
    path = Store().object_path(big.sha256)
    with open(path, "r+b") as f:
        f.seek(5 << 20)
        f.write(b"rot")
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", f"s3://{bucket}/team")
    remote = gitprompts.models.stores.location.shared_store()
    assert remote is not None
    with pytest.raises(errors.IntegrityError, match=r"w\.bin"):
        transfers.upload_model(Store(), remote, info.model_id)
    assert not remote.exists(transfers.object_key(big.sha256))
    assert not remote.exists(transfers.manifest_key(info.model_id))


def test_wrong_credentials_are_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_checking_credentials: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_checking_credentials)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", "s3://team-models/x")
    become(tmp_path / "a", monkeypatch)
    with pytest.raises(errors.ArtifactStoreAuthError, match="credentials refused"):
        gitprompts.load_model("models:/" + "ab" * 32)
    assert cached_files(tmp_path / "a") == []
