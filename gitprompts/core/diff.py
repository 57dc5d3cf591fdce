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
    old_meta, new_meta = _metadata(old), _metadata(new)
    if old_meta != new_meta:
        rows += _rows(old_meta, new_meta, f"{old.uri} (metadata)", f"{new.uri} (metadata)", context)
    return rows


def version_diff(old: PromptVersion, new: PromptVersion, context: int = 3) -> str:
    """``version_rows`` as text: what ``gitprompts diff`` prints (``""`` when nothing changed).

    >>> version_diff(PromptVersion("q", 1, "Hi"), PromptVersion("q", 2, "Hi"))
    ''
    """
    return unified_text(version_rows(old, new, context))


def _metadata(version: PromptVersion) -> list[str]:
    fields: dict[str, Any] = {
        "model_config": version.model_config,
        "response_format": version.response_format,
    }
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
            rows.append(
                SideRow(
                    None if li is None else li + 1,
                    "" if li is None else _bare(a[li]),
                    kind_l if li is not None else "",
                    None if rj is None else rj + 1,
                    "" if rj is None else _bare(b[rj]),
                    kind_r if rj is not None else "",
                )
            )
    return rows


def _bare(line: str) -> str:
    """``line`` without its ending (``\\n`` or ``\\r\\n``)."""
    return line.removesuffix("\n").removesuffix("\r") if line.endswith("\n") else line
