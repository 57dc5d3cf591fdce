"""The model manifest: what a logged model is made of, encoded in exactly one way.

The manifest lists every file of the model with its sha256 and size, every
pinned prompt (the URI as written, what it resolved to, and the hashes of
the pinned copy), the flavor and how to load it, and the Python and package
versions. It is written as canonical JSON (sorted keys, no whitespace
variation, lists in a fixed order), so equal manifests are equal bytes.

The model id is the sha256 of the canonical manifest with ``created_at``
blanked: the creation time is recorded, but logging the same model twice
gives the same id (and the first creation time is kept).

>>> pkl = FileEntry(path="model.pkl", sha256=sha256(b"..."), size=3)
>>> m = Manifest(flavor="pyfunc", loader="pickle", entry="model.pkl", files=[pkl])
>>> decode(encode(m)) == m
True
>>> model_id(m) == model_id(msgspec.structs.replace(m, created_at="2025-01-01T00:00:00+00:00"))
True
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.core.uri import validate_name, version_uri
from gitprompts.errors import InvalidPromptNameError, ManifestError
from gitprompts.models.signature import ModelSignature
from gitprompts.models.store import sha256

SCHEMA_VERSION = 1
FILE_NAME = "manifest.json"
# Manifests come from shared stores and from directories anyone can hand over;
# 16 MiB lists well over 100,000 files, far past any model actually logged.
MAX_BYTES = 16 << 20

Source = Literal["explicit", "auto"]

# A sha256 (file hashes, and the model id: the manifest's own sha256) and a run id.
SHA256 = re.compile(r"[0-9a-f]{64}")
RUN_ID = re.compile(r"[0-9a-f]{32}")


class FileEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One file of the model, by its path relative to the model's ``files/``."""

    path: str
    sha256: str
    size: int


class PromptEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One pinned prompt version; ``sha256`` and ``blob_id`` are of its ``.prompt`` file."""

    uri: str  # as written: prompts:/x@production, prompts:/x/2, or x@latest
    name: str
    version: int
    commit_id: str
    blob_id: str
    sha256: str
    source: Source = "explicit"

    @property
    def resolved_uri(self) -> str:
        return version_uri(self.name, self.version)

    @property
    def copy_path(self) -> str:
        """Where the pinned copy sits in an exported model directory."""
        return f"prompts/{self.name}/{self.version}.prompt"


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    flavor: str
    loader: str  # "pickle", "code" or "langchain-json"
    entry: str  # the file the loader starts from
    files: list[FileEntry] = msgspec.field(default_factory=list)
    prompts: list[PromptEntry] = msgspec.field(default_factory=list)
    python: str = ""
    packages: dict[str, str] = msgspec.field(default_factory=dict)
    created_at: str = ""  # ISO 8601, UTC; not part of the model id
    # MLflow's log_model arguments (issue 20). Left out of the JSON while
    # unset (see ``encode``), so a manifest written before them keeps its
    # bytes and its id.
    requirements: list[str] = msgspec.field(default_factory=list)
    conda_env: dict[str, Any] | None = None
    signature: ModelSignature | None = None
    input_example: Any = None
    metadata: dict[str, Any] | None = None
    model_config: dict[str, Any] | None = None
    # artifact name -> its path among ``files``: a file, or a folder ending in "/"
    artifacts: dict[str, str] = msgspec.field(default_factory=dict)


# The fields above that ``encode`` leaves out while they hold these values.
_OPTIONAL: dict[str, Any] = {
    "requirements": [],
    "conda_env": None,
    "signature": None,
    "input_example": None,
    "metadata": None,
    "model_config": None,
    "artifacts": {},
}


_encoder = msgspec.json.Encoder(order="sorted")
_decoder = RecordDecoder(
    Manifest,
    kind="manifest",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_BYTES,
    error=ManifestError,
)


def canonical(manifest: Manifest) -> Manifest:
    """The same manifest with its lists in canonical order."""
    return msgspec.structs.replace(
        manifest,
        files=sorted(manifest.files, key=lambda f: f.path),
        prompts=sorted(manifest.prompts, key=lambda p: (p.name, p.version, p.uri)),
    )


def encode(manifest: Manifest) -> bytes:
    """Canonical JSON bytes of ``manifest`` (unset optional fields left out)."""
    data = msgspec.to_builtins(canonical(manifest))
    for key, default in _OPTIONAL.items():
        if data.get(key) == default:
            del data[key]
    return _encoder.encode(data) + b"\n"


def model_id(manifest: Manifest) -> str:
    """sha256 of the canonical manifest without its creation time."""
    return sha256(encode(msgspec.structs.replace(manifest, created_at="")))


def decode(data: bytes, path: str = FILE_NAME) -> Manifest:
    """Parse manifest bytes; a newer schema or bad content raises ManifestError naming ``path``.

    >>> decode(b'{"schema_version": 2}', "m.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.ManifestError: bad model manifest m.json: ...; upgrade gitprompts ...
    """
    manifest = _decoder.decode(data, path)
    _check(manifest, path)
    return manifest


def _check(manifest: Manifest, path: str) -> None:
    """Refuse what could escape the model's directory or name a file that is not there."""
    for entry in manifest.files:
        parts = entry.path.split("/")
        if (
            entry.path.startswith("/")
            or "\\" in entry.path
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise ManifestError(path, f"file path {entry.path!r} is not a plain relative path")
        if not SHA256.fullmatch(entry.sha256):
            raise ManifestError(path, f"sha256 of {entry.path!r} is not 64 hex digits")
    for prompt in manifest.prompts:
        try:
            validate_name(prompt.name)
        except InvalidPromptNameError as exc:
            raise ManifestError(path, str(exc)) from None
        if prompt.version < 1 or not SHA256.fullmatch(prompt.sha256):
            raise ManifestError(path, f"prompt entry {prompt.uri!r} has a bad version or sha256")
    paths = {f.path for f in manifest.files}
    if manifest.entry not in paths:
        raise ManifestError(path, f"entry {manifest.entry!r} is not one of its files")
    for name, where in manifest.artifacts.items():
        found = any(p.startswith(where) for p in paths) if where.endswith("/") else where in paths
        if not found or not where.startswith(f"artifacts/{name}/"):
            raise ManifestError(path, f"artifact {name!r} names {where!r}, none of its files")
