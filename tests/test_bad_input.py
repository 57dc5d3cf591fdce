"""Refused calls raise a specific gitprompts.errors exception and write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors
from tests.conftest import git


def _refs_and_objects(path: Path) -> tuple[str, int]:
    refs = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=path)
    objects = sum(1 for p in (path / "objects").rglob("*") if p.is_file())
    return refs, objects


@pytest.fixture
def seeded(registry: gitprompts.Registry) -> gitprompts.Registry:
    gitprompts.register_prompt("p", "v1 {{ x }}")
    gitprompts.register_prompt("p", "v2 {{ x }}")
    return registry


CASES: list[tuple[Callable[[], object], type[errors.GitPromptsError], str]] = [
    (lambda: gitprompts.register_prompt("../x", "t"), errors.InvalidPromptNameError, "'../x'"),
    (lambda: gitprompts.register_prompt("a/b", "t"), errors.InvalidPromptNameError, "'a/b'"),
    (lambda: gitprompts.register_prompt("x.lock", "t"), errors.InvalidPromptNameError, "'.lock'"),
    (lambda: gitprompts.register_prompt("", "t"), errors.InvalidPromptNameError, "empty"),
    (
        lambda: gitprompts.register_prompt("x" * 256, "t"),
        errors.InvalidPromptNameError,
        "248 bytes",
    ),
    (
        lambda: gitprompts.register_prompt("a\x07b", "t"),
        errors.InvalidPromptNameError,
        "not allowed",
    ),
    (lambda: gitprompts.register_prompt("p", 3), errors.InvalidTemplateError, "a string or a list"),  # type: ignore[arg-type]
    (
        lambda: gitprompts.register_prompt("p", "Hi {{ name"),
        errors.InvalidTemplateError,
        "never closed",
    ),
    (
        lambda: gitprompts.register_prompt("p", [{"role": "user"}]),
        errors.InvalidTemplateError,
        "'content'",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", tags=["a"]),
        errors.InvalidInputError,
        "tags must be a dict",
    ),  # type: ignore[arg-type]
    (
        lambda: gitprompts.register_prompt("p", "t", model_config={"f": object()}),
        errors.InvalidInputError,
        "model_config",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", commit_message=5),
        errors.InvalidInputError,
        "commit_message",
    ),  # type: ignore[arg-type]
    (lambda: gitprompts.load_prompt("nope/1"), errors.PromptNotFoundError, "'nope'"),
    (lambda: gitprompts.load_prompt("p/9"), errors.PromptVersionNotFoundError, "up to 2"),
    (lambda: gitprompts.load_prompt("p@prod"), errors.AliasNotFoundError, "'prod'"),
    (
        lambda: gitprompts.load_prompt("prompts:/p/x"),
        errors.InvalidURIError,
        "prompts:/<name>/<version>",
    ),
    (lambda: gitprompts.load_prompt("prompts:p/1"), errors.InvalidURIError, "'prompts:p/1'"),
    (
        lambda: gitprompts.set_prompt_alias("p", "production", 7),
        errors.PromptVersionNotFoundError,
        "version 7",
    ),
    (lambda: gitprompts.set_prompt_alias("p", "latest", 1), errors.InvalidAliasError, "'latest'"),
    (
        lambda: gitprompts.set_prompt_alias("p", "bad alias", 1),
        errors.InvalidAliasError,
        "'bad alias'",
    ),
    (
        lambda: gitprompts.set_prompt_alias("nope", "production", 1),
        errors.PromptNotFoundError,
        "'nope'",
    ),
    (
        lambda: gitprompts.delete_prompt_alias("p", "production"),
        errors.AliasNotFoundError,
        "production",
    ),
    (
        lambda: gitprompts.delete_prompt_version("p", 0),
        errors.InvalidVersionError,
        "positive integer",
    ),
    (
        lambda: gitprompts.delete_prompt_version("p", 3),
        errors.PromptVersionNotFoundError,
        "version 3",
    ),
    (
        lambda: gitprompts.set_prompt_version_tag("p", 1, "", "v"),
        errors.InvalidInputError,
        "non-empty",
    ),
    (lambda: gitprompts.search_prompts("name ~ 'x'"), errors.InvalidFilterError, "name ~ 'x'"),
    (lambda: gitprompts.search_prompts(max_results=0), errors.InvalidInputError, "max_results"),
    # Values YAML would write but no reader could take back (each used to poison the registry).
    (
        lambda: gitprompts.register_prompt("p", "t", model_config={(1, 2): "x"}),
        errors.InvalidInputError,
        "tuple key (1, 2)",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", model_config={"stop": {"a", "b"}}),
        errors.InvalidInputError,
        "holds a set at ['stop']",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", model_config={"when": date(2026, 1, 1)}),
        errors.InvalidInputError,
        "holds a date",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", response_format={"raw": b"x"}),
        errors.InvalidInputError,
        "holds a bytes",
    ),
    (
        lambda: gitprompts.register_prompt("p", "t", model_config={"t": float("nan")}),
        errors.InvalidInputError,
        "nan",
    ),
]


@pytest.mark.parametrize(("call", "error", "needle"), CASES)
def test_refused_and_nothing_written(
    seeded: gitprompts.Registry, call: Callable[[], object], error: type[Exception], needle: str
) -> None:
    before = _refs_and_objects(seeded.path)
    with pytest.raises(error) as info:
        call()
    assert needle in str(info.value)
    assert isinstance(info.value, errors.GitPromptsError)
    assert _refs_and_objects(seeded.path) == before


def test_registry_path_that_is_not_a_repository(tmp_path: Path) -> None:
    not_repo = tmp_path / "notes"
    not_repo.mkdir()
    (not_repo / "todo.txt").write_text("x")
    gitprompts.set_registry(not_repo)
    with pytest.raises(errors.NotARegistryError, match="not a gitprompts registry") as info:
        gitprompts.load_prompt("p/1")
    assert str(not_repo) in str(info.value)
    assert sorted(p.name for p in not_repo.iterdir()) == ["todo.txt"]


def test_a_file_is_not_a_registry(tmp_path: Path) -> None:
    file = tmp_path / "file.git"
    file.write_text("x")
    with pytest.raises(errors.NotARegistryError):
        gitprompts.Registry(file)


def test_allow_missing_still_refuses_malformed_uris(seeded: gitprompts.Registry) -> None:
    assert gitprompts.load_prompt("nope/1", allow_missing=True) is None
    with pytest.raises(errors.InvalidURIError):
        gitprompts.load_prompt("prompts:/p/zero", allow_missing=True)


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("GIT_AUTHOR_NAME", "Ada\nLovelace", "a newline"),
        ("GIT_AUTHOR_NAME", "Ada <ada>", "'<'"),
        ("GIT_AUTHOR_EMAIL", "ada@example.com>", "'>'"),
    ],
)
def test_identity_that_would_corrupt_a_commit_is_refused(
    seeded: gitprompts.Registry,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    needle: str,
) -> None:
    monkeypatch.setenv(variable, value)
    before = _refs_and_objects(seeded.path)
    with pytest.raises(errors.InvalidIdentityError, match=needle) as info:
        gitprompts.register_prompt("p", "v3")
    assert "GIT_AUTHOR" in str(info.value) and repr(value) in str(info.value)
    assert _refs_and_objects(seeded.path) == before
    git("fsck", "--strict", cwd=seeded.path)  # raises if any object is malformed


def test_listing_after_refused_values_still_works(seeded: gitprompts.Registry) -> None:
    with pytest.raises(errors.InvalidInputError):
        gitprompts.register_prompt("q", "t", model_config={(1, 2): "x"})
    assert [p.name for p in gitprompts.search_prompts()] == ["p"]
