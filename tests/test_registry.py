from __future__ import annotations

from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors
from tests.conftest import git


def test_register_and_load_by_every_form(registry: gitprompts.Registry) -> None:
    v1 = gitprompts.register_prompt("summarize", "Summarize {{ text }}.", commit_message="first")
    v2 = gitprompts.register_prompt("summarize", "Summarize {{ text }} in {{ n }} sentences.")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.uri == "prompts:/summarize/1"
    assert gitprompts.load_prompt("prompts:/summarize/1").template == "Summarize {{ text }}."
    assert gitprompts.load_prompt("summarize", version=2).template == v2.template
    assert gitprompts.load_prompt("summarize", version="1").version == 1
    assert gitprompts.load_prompt("prompts:/summarize@latest").version == 2
    assert gitprompts.load_prompt("summarize").version == 2
    gitprompts.set_prompt_alias("summarize", "production", 1)
    loaded = gitprompts.load_prompt("prompts:/summarize@production")
    assert loaded.version == 1
    assert loaded.aliases == ["production"]
    assert loaded.commit_message == "first"
    assert v2.commit_message is None


def test_metadata_round_trips(registry: gitprompts.Registry) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Answer(pydantic.BaseModel):
        summary: str
        confidence: float

    v = gitprompts.register_prompt(
        "qa",
        [{"role": "system", "content": "Be {{ style }}."}, {"role": "user", "content": "{{ q }}"}],
        commit_message="chat",
        tags={"team": "nlp", "owner": "ada"},
        response_format=Answer,
        model_config={"model_name": "gpt-4o-mini", "temperature": 0.1},
    )
    loaded = gitprompts.load_prompt("prompts:/qa/1")
    assert loaded == v
    assert not loaded.is_text_prompt
    assert loaded.tags == {"team": "nlp", "owner": "ada"}
    assert loaded.response_format == Answer.model_json_schema()
    assert loaded.model_config == {"model_name": "gpt-4o-mini", "temperature": 0.1}
    assert loaded.variables == {"style", "q"}
    assert loaded.creation_timestamp > 1_600_000_000_000  # milliseconds, as in MLflow
    assert loaded.format(style="terse", q="Why?") == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Why?"},
    ]


def test_aliases_move_and_are_never_stale(registry: gitprompts.Registry) -> None:
    for i in range(3):
        gitprompts.register_prompt("p", f"v{i + 1}")
    cached = gitprompts.load_prompt("prompts:/p/2")
    gitprompts.set_prompt_alias("p", "production", 2)
    # A version loaded again after an alias was set shows the alias (MLflow's cache does not).
    assert gitprompts.load_prompt("prompts:/p/2").aliases == ["production"]
    assert cached.aliases == []
    gitprompts.set_prompt_alias("p", "production", 3)
    assert gitprompts.load_prompt("p@production").template == "v3"
    gitprompts.delete_prompt_alias("p", "production")
    with pytest.raises(errors.AliasNotFoundError, match="production"):
        gitprompts.load_prompt("p@production")
    assert gitprompts.load_prompt("p@production", allow_missing=True) is None


def test_deleted_version_number_is_never_reused(registry: gitprompts.Registry) -> None:
    for i in range(3):
        gitprompts.register_prompt("p", f"v{i + 1}")
    gitprompts.set_prompt_alias("p", "production", 3)
    gitprompts.delete_prompt_version("p", 3)
    with pytest.raises(errors.PromptVersionNotFoundError, match="deleted"):
        gitprompts.load_prompt("prompts:/p/3")
    assert gitprompts.load_prompt("p@latest").version == 2
    assert "production" not in registry.aliases("p")
    assert gitprompts.register_prompt("p", "v4").version == 4


def test_version_tags(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("p", "x", tags={"a": "1"})
    gitprompts.set_prompt_version_tag("p", 1, "b", "2")
    assert gitprompts.load_prompt("p/1").tags == {"a": "1", "b": "2"}
    gitprompts.delete_prompt_version_tag("p", 1, "a")
    assert gitprompts.load_prompt("p/1").tags == {"b": "2"}
    with pytest.raises(errors.InvalidInputError, match="no tag 'zzz'"):
        gitprompts.delete_prompt_version_tag("p", 1, "zzz")


def test_search_prompts(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("summarize-short", "a", tags={"team": "nlp"})
    gitprompts.register_prompt("summarize-long", "b", tags={"team": "search"})
    gitprompts.register_prompt("translate", "c", tags={"team": "nlp"})
    names = lambda f, **kw: [p.name for p in gitprompts.search_prompts(f, **kw)]  # noqa: E731
    assert names(None) == ["summarize-long", "summarize-short", "translate"]
    assert names("name LIKE 'summarize%'") == ["summarize-long", "summarize-short"]
    assert names("name ILIKE 'SUMMARIZE-S%'") == ["summarize-short"]
    assert names("tags.team = 'nlp'") == ["summarize-short", "translate"]
    assert names("name LIKE 'summ%' AND tags.team != 'nlp'") == ["summarize-long"]
    assert names(None, max_results=1) == ["summarize-long"]
    with pytest.raises(errors.InvalidFilterError, match="OR"):
        gitprompts.search_prompts("name = 'a' OR name = 'b'")


def test_default_registry_is_created_in_gitprompts_home(home: Path) -> None:
    gitprompts.register_prompt("p", "x")
    assert (home / "registry.git" / "HEAD").is_file()
    assert (
        git("--git-dir", str(home / "registry.git"), "rev-parse", "--is-bare-repository").strip()
        == "true"
    )


def test_set_registry_and_env_choose_another(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "team.git"
    gitprompts.set_registry(other)
    gitprompts.get_registry(create=True)  # only the default registry is created implicitly
    gitprompts.register_prompt("p", "in team")
    assert (other / "HEAD").exists()
    assert not (home / "registry.git").exists()
    gitprompts.set_registry(None)
    monkeypatch.setenv("GITPROMPTS_REGISTRY", str(other))
    assert gitprompts.load_prompt("p/1").template == "in team"


@pytest.mark.parametrize(
    "template",
    [
        "",
        "no newline at end",
        "line\r\nwith CRLF\r\n",
        "---\nlooks like front matter\n---\nbody",
        "ünïcødé ✓ 漢字\n\n",
        "  \n\t",
    ],
)
def test_template_bytes_round_trip(registry: gitprompts.Registry, template: str) -> None:
    gitprompts.register_prompt("p", template)
    gitprompts.config.forget_registries()  # read it back through a fresh handle, not the cache
    assert gitprompts.load_prompt("p/1").template == template
