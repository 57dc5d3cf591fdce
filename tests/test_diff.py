"""``gitprompts.core.diff``: the one diff behind ``gitprompts diff``, the web UI and the demo."""

from __future__ import annotations

from gitprompts.core.diff import (
    NO_NEWLINE,
    UnifiedRow,
    metadata_rows,
    side_rows,
    template_lines,
    unified_rows,
    unified_text,
    version_diff,
    version_rows,
)
from gitprompts.core.prompt import PromptVersion

CHAT = [
    {"role": "system", "content": "Be brief.\nUse {{ tone }}."},
    {"role": "user", "content": "{{ question }}"},
]


def kinds_and_texts(rows: list[UnifiedRow]) -> list[tuple[str, str]]:
    return [(r.kind, r.text) for r in rows]


# -- template_lines -----------------------------------------------------------------


def test_text_lines_keep_their_endings() -> None:
    assert template_lines("") == []
    assert template_lines("one") == ["one"]
    assert template_lines("one\n") == ["one\n"]
    assert template_lines("one\r\ntwo\n\nfour") == ["one\r\n", "two\n", "\n", "four"]


def test_only_newline_ends_a_line() -> None:
    # A form feed, a lone CR or U+2028 is part of the line, as in git.
    assert template_lines("a\fb\rc\u2028d\n") == ["a\fb\rc\u2028d\n"]


def test_chat_lines_are_role_sections() -> None:
    assert template_lines(CHAT) == [
        "[system]\n",
        "Be brief.\n",
        "Use {{ tone }}.\n",
        "[user]\n",
        "{{ question }}\n",
    ]


def test_chat_message_content_ending_or_empty_adds_no_line() -> None:
    ended = [{"role": "user", "content": "hi\n"}, {"role": "assistant", "content": ""}]
    assert template_lines(ended) == ["[user]\n", "hi\n", "[assistant]\n"]


# -- unified rows and text ----------------------------------------------------------


def test_equal_templates_have_no_rows() -> None:
    assert unified_rows("same\n", "same\n", "a", "b") == []
    assert unified_rows(CHAT, [dict(m) for m in CHAT], "a", "b") == []
    assert unified_text([]) == ""


def test_added_and_removed_lines() -> None:
    rows = unified_rows("keep\ndrop\n", "keep\nnew\nmore\n", "v1", "v2")
    assert kinds_and_texts(rows) == [
        ("file", "--- v1"),
        ("file", "+++ v2"),
        ("hunk", "@@ -1,2 +1,3 @@"),
        ("ctx", " keep"),
        ("del", "-drop"),
        ("add", "+new"),
        ("add", "+more"),
    ]
    assert unified_text(rows) == "--- v1\n+++ v2\n@@ -1,2 +1,3 @@\n keep\n-drop\n+new\n+more\n"


def test_context_limits_the_unchanged_lines_shown() -> None:
    old = "".join(f"{n}\n" for n in range(10))
    new = old.replace("5\n", "five\n")
    rows = unified_rows(old, new, "a", "b", context=1)
    assert [r.text for r in rows[2:]] == ["@@ -5,3 +5,3 @@", " 4", "-5", "+five", " 6"]


def test_no_trailing_newline_is_noted_as_git_does() -> None:
    text = unified_text(unified_rows("Hello!", "Hello!\nBye", "v1", "v2"))
    assert text == (
        f"--- v1\n+++ v2\n@@ -1 +1,2 @@\n-Hello!\n{NO_NEWLINE}\n+Hello!\n+Bye\n{NO_NEWLINE}\n"
    )
    rows = unified_rows("x\n", "x", "v1", "v2")
    assert [r.kind for r in rows] == ["file", "file", "hunk", "del", "add", "note"]


def test_a_page_can_ignore_line_endings() -> None:
    assert unified_rows("a\r\nb", "a\nb\n", "v1", "v2", ignore_line_endings=True) == []
    rows = unified_rows("a", "a\nb", "v1", "v2", ignore_line_endings=True)
    assert kinds_and_texts(rows)[2:] == [("hunk", "@@ -1 +1,2 @@"), ("ctx", " a"), ("add", "+b")]


def test_crlf_is_kept_in_the_text_and_dropped_from_what_a_page_shows() -> None:
    rows = unified_rows("a\r\n", "b\r\n", "v1", "v2")
    assert unified_text(rows).endswith("-a\r\n+b\r\n")
    assert [r.text for r in rows][-2:] == ["-a", "+b"]


def test_lines_that_look_like_headers_are_still_changes() -> None:
    rows = unified_rows("--- rule\n", "+++ y\n@@ z\n", "v1", "v2")
    assert kinds_and_texts(rows)[3:] == [("del", "---- rule"), ("add", "++++ y"), ("add", "+@@ z")]


def test_chat_diff_shows_the_role_of_a_changed_message() -> None:
    changed = [CHAT[0], {"role": "user", "content": "{{ q }}"}]
    text = unified_text(unified_rows(CHAT, changed, "v1", "v2"))
    assert " [user]\n-{{ question }}\n+{{ q }}\n" in text


def test_text_against_chat() -> None:
    rows = unified_rows("{{ question }}", CHAT, "v1", "v2", ignore_line_endings=True)
    assert [r.text for r in rows if r.kind in ("add", "del")] == [
        "+[system]",
        "+Be brief.",
        "+Use {{ tone }}.",
        "+[user]",
    ]


# -- versions: template and metadata ------------------------------------------------


def test_version_diff_adds_changed_metadata() -> None:
    old = PromptVersion("p", 1, "Hi", model_config={"temperature": 0})
    new = PromptVersion("p", 2, "Hi", model_config={"temperature": 1}, response_format={"a": "é"})
    assert version_diff(old, new) == (
        "--- prompts:/p/1 (metadata)\n"
        "+++ prompts:/p/2 (metadata)\n"
        "@@ -1 +1,2 @@\n"
        '-model_config: {"temperature": 0}\n'
        '+model_config: {"temperature": 1}\n'
        '+response_format: {"a": "é"}\n'
    )


def test_version_rows_template_first() -> None:
    old = PromptVersion("p", 1, "a\n")
    new = PromptVersion("p", 2, "b\n", model_config={"t": 1})
    files = [r.text for r in version_rows(old, new) if r.kind == "file"]
    assert files == [
        "--- prompts:/p/1",
        "+++ prompts:/p/2",
        "--- prompts:/p/1 (metadata)",
        "+++ prompts:/p/2 (metadata)",
    ]
    assert version_diff(old, PromptVersion("p", 2, "a\n")) == ""


# -- side by side -------------------------------------------------------------------


def test_side_rows_pair_changed_lines_and_number_both_sides() -> None:
    rows = side_rows("keep\nold\ngone\n", "keep\nnew\n")
    assert [(r.left_no, r.left, r.left_kind, r.right_no, r.right, r.right_kind) for r in rows] == [
        (1, "keep", "", 1, "keep", ""),
        (2, "old", "chg", 2, "new", "chg"),
        (3, "gone", "chg", None, "", ""),
    ]


def test_side_rows_added_and_removed() -> None:
    added = side_rows("a\n", "a\nb\n")
    assert [(r.left_no, r.right_no, r.right, r.right_kind) for r in added] == [
        (1, 1, "a", ""),
        (None, 2, "b", "add"),
    ]
    removed = side_rows("a\nb\n", "b\n")
    assert [(r.left_no, r.left, r.left_kind, r.right_no) for r in removed] == [
        (1, "a", "del", None),
        (2, "b", "", 1),
    ]


def test_side_rows_empty_when_equal_and_endings_ignored_on_request() -> None:
    assert side_rows("same", "same") == []
    assert side_rows(CHAT, CHAT) == []
    assert side_rows("a\r\nb", "a\nb\n", ignore_line_endings=True) == []
    assert [r.right_kind for r in side_rows("a", "a\n")] == ["chg"]


# -- tags and commit messages; word-level changes ----------------------------------


def test_version_diff_shows_commit_messages_and_tags() -> None:
    old = PromptVersion("p", 1, "Hi", commit_message="first", tags={"team": "a", "keep": "x"})
    new = PromptVersion(
        "p", 2, "Hi", commit_message="second\nline", tags={"team": "b", "keep": "x"}
    )
    assert version_diff(old, new) == (
        "--- prompts:/p/1 (metadata)\n"
        "+++ prompts:/p/2 (metadata)\n"
        "@@ -1,3 +1,3 @@\n"
        '-commit_message: "first"\n'
        '+commit_message: "second\\nline"\n'
        ' tags.keep: "x"\n'
        '-tags.team: "a"\n'
        '+tags.team: "b"\n'
    )
    assert metadata_rows(old, old) == []


def test_side_rows_mark_the_changed_words_of_a_replaced_line() -> None:
    [row] = side_rows("Summarize in 3 sentences <b>\n", "Summarize in 2 short sentences <b>\n")
    assert row.left_parts == (("Summarize in ", False), ("3", True), (" sentences <b>", False))
    assert row.right_parts == (
        ("Summarize in ", False),
        ("2 short", True),
        (" sentences <b>", False),
    )
    # added, removed and unchanged lines are whole: no parts
    rows = side_rows("a\n", "a\nb\n")
    assert [(r.left_parts, r.right_parts) for r in rows] == [((), ()), ((), ())]


def test_side_rows_word_parts_join_back_to_the_line() -> None:
    old, new = "x = {{ a }} + {{ b }}\n", "x={{ a }}  - {{ c }}\n"
    [row] = side_rows(old, new)
    assert "".join(t for t, _ in row.left_parts) == row.left
    assert "".join(t for t, _ in row.right_parts) == row.right
