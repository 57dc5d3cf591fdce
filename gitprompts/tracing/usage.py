"""Which registry prompts a span used, and the attributes that say so.

A prompt is usually loaded once (at import, or when a model is loaded) and
used at every call, so a span cannot learn it from the loads made during
the call. Instead the candidates are the prompts this process loaded: for a
call of a loaded model, the versions its pins answered (``PinSet.served``:
the *pinned* version, whatever the alias points to now); otherwise the last
versions loaded from the registry. A candidate counts as used by a span when
the longest literal piece of its template (the text between ``{{ }}`` and
``{% %}`` tags) appears in the span's text, so a prompt loaded but not sent
is not claimed.

>>> from gitprompts.core.prompt import PromptVersion
>>> p = PromptVersion("bot", 2, "You are {{ persona }}. Answer briefly.")
>>> Candidate("prompts:/bot@production", p, None).used_in("You are Ada. Answer briefly.")
True
>>> Candidate("prompts:/bot@production", p, None).used_in("Something else")
False
>>> described([Candidate("prompts:/bot@production", p, None)])["gitprompts.prompt.uri"]
'prompts:/bot@production'
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitprompts.core.uri import version_uri
from gitprompts.tracing import attributes as attr

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion
    from gitprompts.models.manifest import PromptEntry
    from gitprompts.models.pins import PinSet

# Template tags: {{ variable }}, {% block %}, {# comment #}.
_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# The last prompt versions loaded from the registry in this process.
MAX_RECENT = 64


def _longest_literal(version: PromptVersion) -> str:
    template = version.template
    texts = [template] if isinstance(template, str) else [str(m["content"]) for m in template]
    pieces = [p.strip() for t in texts for p in _TAGS.split(t)]
    return max(pieces, key=len, default="")


@dataclass
class Candidate:
    """A prompt version a span may have used: how it was asked for, and what answered."""

    written: str
    version: PromptVersion
    entry: PromptEntry | None  # the pinned entry, when a loaded model's pins answered
    literal: str = field(default="", init=False)
    escaped: str = field(default="", init=False)  # the literal as it appears inside JSON

    def __post_init__(self) -> None:
        self.literal = _longest_literal(self.version)
        self.escaped = json.dumps(self.literal, ensure_ascii=False)[1:-1]

    def used_in(self, text: str) -> bool:
        """True if the prompt's text is in ``text`` (plain, or JSON as ``to_json`` writes it).

        A template that is all variables has no literal text to find: it is
        claimed by every span, rather than by none.
        """
        return not self.literal or self.literal in text or self.escaped in text

    def attributes(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            attr.PROMPT_NAME: self.version.name,
            attr.PROMPT_VERSION: self.version.version,
            attr.PROMPT_URI: self.written,
            attr.PROMPT_RESOLVED_URI: version_uri(self.version.name, self.version.version),
            attr.PROMPT_PINNED: self.entry is not None,
        }
        blob_id = self.entry.blob_id if self.entry is not None else self.version.blob_id
        if blob_id:
            found[attr.PROMPT_BLOB_ID] = blob_id
        if self.entry is not None and self.entry.sha256:
            found[attr.PROMPT_SHA256] = self.entry.sha256
        return found


class Loads:
    """The prompt versions this process loaded: a ``pins`` observer."""

    def __init__(self) -> None:
        self._recent: OrderedDict[tuple[str, int], Candidate] = OrderedDict()
        self._pinned: dict[tuple[int, tuple[str, int]], Candidate] = {}
        self._lock = threading.Lock()

    def __call__(self, written: str, version: PromptVersion, entry: PromptEntry | None) -> None:
        if entry is not None:
            return  # a model's pins remember what they served (PinSet.served)
        key = (version.name, version.version)
        with self._lock:
            known = self._recent.get(key)
            if known is None or known.written != written:
                self._recent[key] = Candidate(written, version, None)
            self._recent.move_to_end(key)
            while len(self._recent) > MAX_RECENT:
                self._recent.popitem(last=False)

    def candidates(self, pins: PinSet | None, every_pin: bool = False) -> list[Candidate]:
        """What a span may have used: the model's served pins (``every_pin``: all it pins,
        for flavors that resolve their prompts without ``load_prompt``), else the recent loads.
        """
        if pins is None:
            with self._lock:
                return list(self._recent.values())
        served = dict(pins.served)
        if every_pin:
            for entry in pins.entries:
                served.setdefault((entry.name, entry.version), (entry.uri, entry))
        found = []
        for key, (written, entry) in served.items():
            cache_key = (id(pins), key)
            candidate = self._pinned.get(cache_key)
            if candidate is None or candidate.written != written or candidate.entry != entry:
                candidate = Candidate(written, pins.prompt(entry), entry)
                with self._lock:
                    self._pinned[cache_key] = candidate
            found.append(candidate)
        return found


def matching(candidates: list[Candidate], text: str) -> list[Candidate]:
    """The candidates whose text is in ``text``."""
    return [c for c in candidates if c.used_in(text)]


def described(hits: list[Candidate], full: bool = True) -> dict[str, Any]:
    """The attributes naming ``hits``: all of them in ``gitprompts.prompts``, and the first
    in full (``gen_ai.prompt.name``, ``gitprompts.prompt.*``) when ``full``.
    """
    if not hits:
        return {}
    found = hits[0].attributes() if full else {}
    found[attr.PROMPTS] = [c.attributes()[attr.PROMPT_RESOLVED_URI] for c in hits]
    return found
