from __future__ import annotations

import pytest

from gitprompts import errors
from gitprompts.core.uri import (
    PromptRef,
    parse_prompt_uri,
    parse_version,
    resolve_ref,
    validate_name,
)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("prompts:/summarize/2", PromptRef("summarize", 2, None)),
        ("prompts:/summarize@production", PromptRef("summarize", None, "production")),
        ("prompts:/summarize@latest", PromptRef("summarize", None, "latest")),
        ("my.prompt-v_2/10", PromptRef("my.prompt-v_2", 10, None)),
        ("x@staging", PromptRef("x", None, "staging")),
    ],
)
def test_parse(uri: str, expected: PromptRef) -> None:
    assert parse_prompt_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "prompts:/",
        "prompts:/x",
        "prompts:/x/",
        "prompts:/x/0",
        "prompts:/x/-1",
        "prompts:/x/a",
        "prompts:/x/1/2",
        "prompts:/x@",
        "prompts:/x@a@b",
        "prompts:/../x/1",
        "prompts:/x@bad alias",
        17,
    ],
)
def test_malformed_uris_are_refused(uri: object) -> None:
    with pytest.raises(errors.InvalidURIError) as info:
        parse_prompt_uri(uri)  # type: ignore[arg-type]
    assert repr(uri) in str(info.value)
    assert any(
        hint in str(info.value) for hint in ("prompts:/<name>", "valid prompt name", "valid alias")
    )


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../x",
        "a/b",
        "x.lock",
        ".hidden",
        "a..b",
        "x" * 256,
        "tab\there",
        "nul\x00",
        "new\nline",
        "sp ace",
        "é",
    ],
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(errors.InvalidPromptNameError) as info:
        validate_name(name)
    assert "letters, digits" in str(info.value)


def test_valid_names() -> None:
    for name in ["a", "summarization-prompt", "v1.2_final", "x" * 248, "A9"]:
        assert validate_name(name) == name


def test_resolve_ref_forms() -> None:
    assert resolve_ref("x") == PromptRef("x", None, "latest")
    assert resolve_ref("x", 3) == PromptRef("x", 3, None)
    assert resolve_ref("x", "3") == PromptRef("x", 3, None)
    assert resolve_ref("x", "production") == PromptRef("x", None, "production")
    with pytest.raises(errors.InvalidURIError, match="either a URI"):
        resolve_ref("prompts:/x/1", version=2)
    with pytest.raises(errors.InvalidVersionError):
        resolve_ref("x", 0)
    with pytest.raises(errors.InvalidURIError):
        resolve_ref(["not", "hashable"])  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -3, "x", True, 1.5, None])
def test_parse_version_refuses(bad: object) -> None:
    with pytest.raises(errors.InvalidVersionError, match="positive integer"):
        parse_version(bad)
