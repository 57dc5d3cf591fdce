"""What changed between two prompt versions: the one diff the CLI, the web UI and the demo show.

A template is compared as lines (``template_lines``): a text template line by
line, a chat template as a ``[role]`` line before each message's content.
Lines keep their endings and are compared as git compares them, so a changed
final newline or a CRLF is a change; a page that shows lines rather than
bytes passes ``ignore_line_endings=True``. ``unified_rows`` is the unified
diff, one row per line with its kind; ``unified_text`` prints it as git does
(``\\ No newline at end of file`` included); ``side_rows`` pairs the lines
for a side-by-side view.

>>> print(version_diff(PromptVersion("greet", 1, "Hi\\n"), PromptVersion("greet", 2, "Hello\\n")))
--- prompts:/greet/1
+++ prompts:/greet/2
@@ -1 +1 @@
-Hi
+Hello
<BLANKLINE>
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitprompts.core.prompt import Messages, PromptVersion

Template = str | Messages

NO_NEWLINE = "\\ No newline at end of file"


def template_lines(template: Template) -> list[str]:
    """The lines a diff compares, each with its ending; a chat message as a ``[role]`` section.

    Only ``\\n`` ends a line (as in git): a lone ``\\r`` or a form feed is text.

    >>> template_lines("Hello\\r\\n{{ name }}")
    ['Hello\\r\\n', '{{ name }}']
    >>> chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": ""}]
    >>> template_lines(chat)
    ['[system]\\n', 'Be brief.\\n', '[user]\\n']
    """
    if isinstance(template, str):
        return _split(template)
    lines: list[str] = []
    for message in template:
        lines.append(f"[{message['role']}]\n")
        # A message ends where the next one starts: its last line never lacks a newline.
        lines.extend(
            line if line.endswith("\n") else line + "\n" for line in _split(message["content"])
        )
    return lines


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


@dataclass(frozen=True)
class UnifiedRow:
    """One line of a unified diff.

    ``kind`` is ``file`` (the ``---``/``+++`` names), ``hunk`` (``@@ ... @@``),
    ``ctx`` (unchanged), ``del``, ``add`` or ``note`` (git's no-newline note);
    ``line`` is the line as ``unified_text`` prints it, ending included.

    >>> UnifiedRow("add", "+Hello\\r\\n").text
    '+Hello'
    """

    kind: str
    line: str

    @property
    def text(self) -> str:
        """The line without its ending, as a page shows it."""
        return _bare(self.line)


def unified_rows(
    old: Template,
    new: Template,
    old_label: str,
    new_label: str,
    context: int = 3,
    *,
    ignore_line_endings: bool = False,
) -> list[UnifiedRow]:
    """The unified diff of two templates as rows; empty when they are equal.

    >>> [(r.kind, r.text) for r in unified_rows("a\\nb\\n", "a\\nc\\n", "v1", "v2", context=0)]
    [('file', '--- v1'), ('file', '+++ v2'), ('hunk', '@@ -2 +2 @@'), ('del', '-b'), ('add', '+c')]
    >>> [r.kind for r in unified_rows("a", "b", "v1", "v2")][3:]
    ['del', 'note', 'add', 'note']
    >>> unified_rows("a", "a\\r\\n", "v1", "v2", ignore_line_endings=True)
    []
    """
    a, b = _compared(old, ignore_line_endings), _compared(new, ignore_line_endings)
    return _rows(a, b, old_label, new_label, context)


def _compared(template: Template, ignore_line_endings: bool) -> list[str]:
    lines = template_lines(template)
    return [_bare(line) + "\n" for line in lines] if ignore_line_endings else lines


def _rows(
    old: list[str], new: list[str], old_label: str, new_label: str, context: int
) -> list[UnifiedRow]:
    rows: list[UnifiedRow] = []
    lines = difflib.unified_diff(old, new, old_label, new_label, n=context)
    for number, line in enumerate(lines):
        # difflib names the files in its first two lines only; every other
        # line starts with "@@" or a one-character prefix (" ", "-", "+").
        if number < 2:
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = {"+": "add", "-": "del"}.get(line[:1], "ctx")
        if line.endswith("\n"):
            rows.append(UnifiedRow(kind, line))
        else:  # the last line of a text without a final newline, shown as git does
            rows += [UnifiedRow(kind, line + "\n"), UnifiedRow("note", NO_NEWLINE + "\n")]
    return rows


def unified_text(rows: Iterable[UnifiedRow]) -> str:
    """The rows as the text of a unified diff (``""`` for no rows).

    >>> print(unified_text(unified_rows("a", "b", "v1", "v2")), end="")
    --- v1
    +++ v2
    @@ -1 +1 @@
    -a
    \\ No newline at end of file
    +b
    \\ No newline at end of file
    """
    return "".join(row.line for row in rows)


def version_rows(old: PromptVersion, new: PromptVersion, context: int = 3) -> list[UnifiedRow]:
    """The template diff, then a diff of the model config and response format if they changed.

    >>> a = PromptVersion("q", 1, "Hi", model_config={"temperature": 0})
    >>> for row in version_rows(a, PromptVersion("q", 2, "Hi")):
    ...     print(row.kind, row.text)
    file --- prompts:/q/1 (metadata)
    file +++ prompts:/q/2 (metadata)
    hunk @@ -1 +0,0 @@
    del -model_config: {"temperature": 0}
    """
    rows = unified_rows(old.template, new.template, old.uri, new.uri, context)
    return rows + metadata_rows(old, new, context)


def metadata_rows(old: PromptVersion, new: PromptVersion, context: int = 3) -> list[UnifiedRow]:
    """The diff of what is not the template: commit message, tags, model config, response format.

    One line each (values as JSON, tags one per key), so a page shows it under
    the template diff and a CLI prints it after; empty when they are equal.

    >>> a = PromptVersion("q", 1, "Hi", commit_message="first", tags={"team": "a"})
    >>> b = PromptVersion("q", 2, "Hi", commit_message="first", tags={"team": "b"})
    >>> [r.text for r in metadata_rows(a, b)][3:]
    [' commit_message: "first"', '-tags.team: "a"', '+tags.team: "b"']
    """
    old_meta, new_meta = _metadata(old), _metadata(new)
    if old_meta == new_meta:
        return []
    return _rows(old_meta, new_meta, f"{old.uri} (metadata)", f"{new.uri} (metadata)", context)


def version_diff(old: PromptVersion, new: PromptVersion, context: int = 3) -> str:
    """``version_rows`` as text: what ``gitprompts diff`` prints (``""`` when nothing changed).

    >>> version_diff(PromptVersion("q", 1, "Hi"), PromptVersion("q", 2, "Hi"))
    ''
    """
    return unified_text(version_rows(old, new, context))


def _metadata(version: PromptVersion) -> list[str]:
    fields: dict[str, Any] = {"commit_message": version.commit_message or None}
    for key in sorted(version.tags):
        # json.dumps()[1:-1]: a key is shown bare, but a newline in it stays on its line.
        fields[f"tags.{json.dumps(key, ensure_ascii=False)[1:-1]}"] = version.tags[key]
    fields["model_config"] = version.model_config
    fields["response_format"] = version.response_format
    return [
        f"{key}: {json.dumps(value, sort_keys=True, ensure_ascii=False)}\n"
        for key, value in fields.items()
        if value is not None
    ]


@dataclass(frozen=True)
class SideRow:
    """One row of a side-by-side diff: a numbered line on each side (None and ``""`` for none).

    A side's kind is ``""`` (unchanged), ``chg`` (replaced), ``del`` or ``add``.
    """

    left_no: int | None
    left: str
    left_kind: str
    right_no: int | None
    right: str
    right_kind: str
    # For a replaced line paired with its replacement: the line cut into
    # (text, changed) parts, so a page can mark the words that changed.
    left_parts: tuple[tuple[str, bool], ...] = ()
    right_parts: tuple[tuple[str, bool], ...] = ()


def side_rows(old: Template, new: Template, *, ignore_line_endings: bool = False) -> list[SideRow]:
    """The lines of two templates side by side, numbered; empty when they are equal.

    >>> [(r.left, r.right, r.right_kind) for r in side_rows("a\\nb", "a\\nc")]
    [('a', 'a', ''), ('b', 'c', 'chg')]
    >>> [(r.left_no, r.right_no, r.right_kind) for r in side_rows("a", "a\\nb")]
    [(1, 1, 'chg'), (None, 2, 'chg')]
    >>> rows = side_rows("a", "a\\nb", ignore_line_endings=True)
    >>> [(r.left_no, r.right_no, r.right_kind) for r in rows]
    [(1, 1, ''), (None, 2, 'add')]
    """
    a, b = _compared(old, ignore_line_endings), _compared(new, ignore_line_endings)
    if a == b:
        return []
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [
                SideRow(i + 1, _bare(a[i]), "", j + 1, _bare(b[j]), "")
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        kind_l = "chg" if tag == "replace" else "del"
        kind_r = "chg" if tag == "replace" else "add"
        for k in range(max(len(left), len(right))):
            li = left[k] if k < len(left) else None
            rj = right[k] if k < len(right) else None
            left_text = "" if li is None else _bare(a[li])
            right_text = "" if rj is None else _bare(b[rj])
            parts: tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]] = ((), ())
            if li is not None and rj is not None:
                parts = word_parts(left_text, right_text)
            rows.append(
                SideRow(
                    None if li is None else li + 1,
                    left_text,
                    kind_l if li is not None else "",
                    None if rj is None else rj + 1,
                    right_text,
                    kind_r if rj is not None else "",
                    *parts,
                )
            )
    return rows


# Words, runs of spaces and single other characters: "{{ a }}," is five tokens.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# Lines longer than this are marked whole: SequenceMatcher is quadratic in the
# worst case (two unrelated 2,000-token lines take ~40 ms; 20,000 take seconds).
MAX_WORD_DIFF_TOKENS = 2000
# Below this share of common tokens (difflib's ratio) a pair is marked whole.
MIN_WORD_SIMILARITY = 0.5


def word_parts(
    old: str, new: str
) -> tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]]:
    """Two versions of a line cut into ``(text, changed)`` parts, word by word.

    >>> old, new = word_parts("Be brief, {{ tone }}.", "Be very brief, {{ tone }}!")
    >>> [t for t, changed in new if changed]
    [' very', '!']
    >>> "".join(t for t, _ in old)
    'Be brief, {{ tone }}.'
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    whole = ((old, True),) if old else (), ((new, True),) if new else ()
    if len(a) + len(b) > MAX_WORD_DIFF_TOKENS:
        return whole
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < MIN_WORD_SIMILARITY:
        return whole  # unrelated lines: marking the spaces they share is noise
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(left, "".join(a[i1:i2]), tag != "equal")
        _append(right, "".join(b[j1:j2]), tag != "equal")
    return tuple(left), tuple(right)


def _append(parts: list[tuple[str, bool]], text: str, changed: bool) -> None:
    if not text:
        return
    if parts and parts[-1][1] == changed:
        parts[-1] = (parts[-1][0] + text, changed)
    else:
        parts.append((text, changed))


def _bare(line: str) -> str:
    """``line`` without its ending (``\\n`` or ``\\r\\n``)."""
    return line.removesuffix("\n").removesuffix("\r") if line.endswith("\n") else line
