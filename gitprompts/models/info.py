"""``ModelInfo``: what ``log_model`` returns and ``get_model_info`` reports about a model.

Everything in it is read from the model itself (its manifest and the pinned
prompt copies stored with it), so it is complete with the registry gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitprompts.core.prompt import PromptVersion
from gitprompts.models import pins
from gitprompts.models.manifest import FileEntry, Manifest, PromptEntry
from gitprompts.models.signature import ModelSignature, Schema
from gitprompts.models.sources import Located


@dataclass(frozen=True)
class ModelInfo:
    """What ``log_model`` returns and ``get_model_info`` reports.

    ``prompts`` are the pinned prompt versions, read from the copies stored
    with the model (so this works with the registry gone).
    """

    model_id: str
    model_uri: str
    flavor: str
    prompts: list[PromptVersion]
    manifest: Manifest
    name: str | None = None
    run_id: str | None = None
    # Pinned versions whose number changed since logging (a pull renumbered an
    # unpublished version): ``{"prompts:/x/3": 4}``; filled by ``get_model_info``.
    renumbered: dict[str, int] = field(default_factory=dict)

    @property
    def signature(self) -> ModelSignature | None:
        """The model's signature (given, or inferred from its input example), as in MLflow."""
        return self.manifest.signature

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The ``metadata`` dict given to ``log_model``."""
        return self.manifest.metadata

    @property
    def input_example(self) -> Any:
        """The ``input_example`` as stored (JSON values)."""
        return self.manifest.input_example

    @property
    def requirements(self) -> list[str]:
        """The pip requirements recorded with the model (what ``load_model`` checks)."""
        return list(self.manifest.requirements)

    @property
    def model_config(self) -> dict[str, Any] | None:
        """The ``model_config`` given to ``log_model``."""
        return self.manifest.model_config

    def get_input_schema(self) -> Schema | None:
        """The signature's inputs (``Model.get_input_schema`` in MLflow)."""
        return None if self.signature is None else self.signature.inputs

    def load_input_example(self) -> Any:
        """The stored input example (``Model.load_input_example`` in MLflow)."""
        return self.input_example

    @property
    def created_at(self) -> str:
        return self.manifest.created_at

    @property
    def files(self) -> list[FileEntry]:
        """The model's files with their sha256 and size, from the manifest."""
        return list(self.manifest.files)

    @property
    def pins(self) -> list[PromptEntry]:
        """The manifest's prompt entries: URI as written, resolved version, hashes, source."""
        return list(self.manifest.prompts)

    @property
    def prompt_uris(self) -> list[str]:
        """``prompts:/name/N`` of every pinned version."""
        return sorted({p.resolved_uri for p in self.manifest.prompts})

    def __repr__(self) -> str:
        return (
            f"<ModelInfo: model_uri={self.model_uri!r}, flavor={self.flavor!r}, "
            f"prompts={self.prompt_uris}>"
        )


def describe(
    located: Located,
    copies: dict[tuple[str, int], bytes] | None = None,
    name: str | None = None,
    run_id: str | None = None,
) -> ModelInfo:
    """The ``ModelInfo`` of a located model (pinned prompts read from its verified copies)."""
    if copies is None:
        copies = {(p.name, p.version): located.read_prompt(p) for p in located.manifest.prompts}
    pinset = pins.PinSet(located.model_id, located.manifest.prompts, copies)
    seen: dict[tuple[str, int], PromptVersion] = {}
    for entry in located.manifest.prompts:
        seen.setdefault((entry.name, entry.version), pinset.prompt(entry))
    return ModelInfo(
        model_id=located.model_id,
        model_uri=f"models:/{located.model_id}",
        flavor=located.manifest.flavor,
        prompts=list(seen.values()),
        manifest=located.manifest,
        name=name or located.name,
        run_id=run_id or located.run_id,
    )
