"""What one commit changed about a prompt, from its state file before and after.

Every alias move, tag edit and deletion is a commit that rewrites
``state/<name>.json``; a new version also rewrites ``prompts/<name>.prompt``.
Comparing the two states of a commit (its parent's and its own) says what a
person did, which is what the UI's History tab lists.

>>> old = State(latest=2, aliases={"production": 1})
>>> new = State(latest=2, aliases={"production": 2, "staging": 2})
>>> [c.text for c in state_changes(old, new)]
['alias production moved from v1 to v2', 'alias staging set to v2']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.state import State


@dataclass(frozen=True)
class Change:
    """One thing a commit changed: ``kind`` is ``version``, ``alias``, ``version-tag``,
    ``prompt-tag``, ``model-config``, ``delete``, ``delete-prompt`` or ``file`` (the
    ``.prompt`` file changed and the state file did not); ``key`` the alias or
    tag key; ``version`` the version concerned; ``old``/``new`` the values (None: absent)."""

    kind: str
    key: str = ""
    version: int = 0
    old: Any = None
    new: Any = None

    @property
    def text(self) -> str:
        """The change in words.

        >>> Change("alias", "production", 0, 1, None).text
        'alias production removed (was v1)'
        """
        k, old, new = self.key, self.old, self.new
        if self.kind == "version":
            return f"registered v{self.version}"
        if self.kind == "alias":
            if old is None:
                return f"alias {k} set to v{new}"
            if new is None:
                return f"alias {k} removed (was v{old})"
            return f"alias {k} moved from v{old} to v{new}"
        if self.kind in ("version-tag", "prompt-tag"):
            where = f"v{self.version} " if self.kind == "version-tag" else "prompt "
            if old is None:
                return f"{where}tag {k}={new} added"
            if new is None:
                return f"{where}tag {k} removed (was {old})"
            return f"{where}tag {k} changed from {old} to {new}"
        if self.kind == "model-config":
            return f"v{self.version} model config " + ("removed" if new is None else "set")
        if self.kind == "file":
            return "prompt file changed with plain git (the state file was not updated)"
        if self.kind == "delete-prompt":
            return f"prompt deleted ({self.version} versions)"
        return f"deleted v{self.version}"


def _dict_changes(
    kind: str, old: dict[str, Any], new: dict[str, Any], version: int = 0
) -> list[Change]:
    found = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before != after:
            found.append(Change(kind, key, version, before, after))
    return found


def state_changes(
    old: State,
    new: State,
    *,
    new_file: bool = False,
    old_tags: dict[int, dict[str, str]] | None = None,
) -> list[Change]:
    """The changes from ``old`` to ``new``; ``new_file``: the prompt file changed too.

    ``old_tags`` gives, per version, the tags a version had before its first
    edit (from its file): an edit rewrites that version's whole tag dict.

    >>> [c.text for c in state_changes(State(latest=1), State(latest=2), new_file=True)]
    ['registered v2']
    >>> [c.text for c in state_changes(State(latest=2), State(latest=2, deleted=[2]))]
    ['deleted v2']
    """
    found: list[Change] = []
    if new_file and new.latest > old.latest:
        found.append(Change("version", version=new.latest))
    elif new_file:  # the state file does not know: a version written with plain git
        found.append(Change("file"))
    gone = sorted(set(new.deleted) - set(old.deleted))
    if len(gone) > 1:  # delete_version deletes one; only delete_prompt deletes several
        found.append(Change("delete-prompt", version=len(gone)))
    else:
        found += [Change("delete", version=n) for n in gone]
    dropped = {a for a, v in old.aliases.items() if v in gone}
    aliases = _dict_changes("alias", old.aliases, new.aliases)
    found += [c for c in aliases if not (c.key in dropped and c.new is None)]
    deleted = set(new.deleted)
    for key in sorted(old.version_tags.keys() | new.version_tags.keys(), key=int):
        number = int(key)
        if number in deleted:
            continue  # its tags went with it
        before = old.version_tags.get(key, (old_tags or {}).get(number, {}))
        after = new.version_tags.get(key, before)
        found += _dict_changes("version-tag", before, after, number)
    if old.prompt_tags != new.prompt_tags and new.prompt_tags is not None:
        gone_prompt = any(c.kind == "delete-prompt" for c in found)
        if not gone_prompt:
            found += _dict_changes("prompt-tag", old.prompt_tags or {}, new.prompt_tags)
    for key in sorted(old.model_configs.keys() | new.model_configs.keys(), key=int):
        number = int(key)
        if number in deleted or key not in new.model_configs:
            continue
        if old.model_configs.get(key, ...) != new.model_configs[key]:
            found.append(Change("model-config", "", number, None, new.model_configs[key]))
    return found


def caller_breaks(old: PromptVersion, new: PromptVersion) -> list[str]:
    """What callers of an alias would notice if it moved from ``old`` to ``new``.

    Code that formats the prompt passes the old version's variables, expects
    its type (text or chat) and parses its response format: each difference
    is a warning.

    >>> caller_breaks(PromptVersion("q", 1, "{{ a }}"), PromptVersion("q", 2, "{{ a }} {{ b }}"))
    ['variables differ: callers must now also pass b (format raises without it)']
    >>> caller_breaks(PromptVersion("q", 1, "{{ a }}"), PromptVersion("q", 2, "Hi {{ a }}"))
    []
    """
    found = []
    added = sorted(new.variables - old.variables)
    dropped = sorted(old.variables - new.variables)
    if added:
        found.append(
            f"variables differ: callers must now also pass {', '.join(added)} "
            "(format raises without it)"
        )
    if dropped:
        found.append(
            f"variables differ: {', '.join(dropped)} no longer used (callers pass it for nothing)"
        )
    if old.prompt_type != new.prompt_type:
        found.append(
            f"type differs: {old.prompt_type} → {new.prompt_type} (format returns "
            f"{'a list of messages' if new.prompt_type == 'chat' else 'a string'} now)"
        )
    if old.response_format != new.response_format:
        found.append("response format differs: code that parses the answer may break")
    return found
