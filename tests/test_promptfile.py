from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitprompts import errors
from gitprompts.core import promptfile
from gitprompts.core.promptfile import PromptFile

# Any Unicode text git can store as UTF-8 (lone surrogates cannot be encoded at all).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


def _no_unclosed_braces(s: str) -> bool:
    try:
        promptfile.check_template(s)
    except errors.InvalidTemplateError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    body=text.filter(_no_unclosed_braces),
    message=st.none() | text,
    tags=st.dictionaries(text.filter(bool), text, max_size=3),
)
def test_text_prompt_round_trips_byte_for_byte(
    body: str, message: str | None, tags: dict[str, str]
) -> None:
    file = PromptFile(type="text", template=body, commit_message=message, tags=tags)
    data = promptfile.encode(file)
    assert data.endswith(body.encode("utf-8"))
    assert promptfile.decode(data) == file


@settings(max_examples=200, deadline=None)
@given(
    contents=st.lists(text.filter(_no_unclosed_braces), min_size=1, max_size=4),
    role=st.sampled_from(["system", "user", "assistant"]),
)
def test_chat_prompt_round_trips(contents: list[str], role: str) -> None:
    messages = [{"role": role, "content": c} for c in contents]
    file = PromptFile(type="chat", template=messages, model_config={"temperature": 0.5})
    assert promptfile.decode(promptfile.encode(file)) == file


def test_file_is_readable_yaml_front_matter_then_body() -> None:
    data = promptfile.encode(PromptFile(template="Hi {{ name }}", tags={"team": "nlp"}))
    assert data == b"---\ntype: text\ntags:\n  team: nlp\n---\nHi {{ name }}"


def test_multiline_chat_content_is_a_literal_block() -> None:
    data = promptfile.encode(
        PromptFile(type="chat", template=[{"role": "system", "content": "line 1\nline 2\n"}])
    )
    assert b"content: |\n    line 1\n    line 2\n" in data


def test_front_matter_delimiter_inside_metadata_cannot_end_it_early() -> None:
    file = PromptFile(template="body", commit_message="a\n---\nb")
    assert promptfile.decode(promptfile.encode(file)) == file


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (42, "expected a string or a list"),
        ([], "at least one message"),
        ([{"role": "user"}], "exactly the keys 'role' and 'content'"),
        ([{"role": "", "content": "x"}], "non-empty string 'role'"),
        ("Hello {{ name", "never closed"),
        ("{{ a {{ b }}", "never closed"),
        ("{% if x %}unterminated", "Jinja2 syntax error"),
        ("\ud800", "not valid Unicode"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(template: object, reason: str) -> None:
    with pytest.raises(errors.InvalidTemplateError, match=reason):
        promptfile.check_template(template)


def test_literal_closing_braces_are_fine() -> None:
    assert promptfile.check_template('JSON like {"a": {"b": 1}}')[0] == "text"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"---\n: [unclosed\n---\nbody", "not valid YAML"),
        (b"---\n- a list\n---\n", "must be a mapping"),
        (b"---\ntype: video\n---\n", "type must be"),
        (b"---\ntype: text\ntags: [1]\n---\n", "tags must be a mapping"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_corrupt_files_name_the_problem(data: bytes, reason: str) -> None:
    with pytest.raises(errors.CorruptPromptFileError, match=reason):
        promptfile.decode(data, "prompts/x.prompt")
