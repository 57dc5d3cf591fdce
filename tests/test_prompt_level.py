"""Prompt-level tags, model config edited after registration, and deleting a prompt (MLflow's).

Each goes through the API, the CLI (CliRunner and a real process), the state
file (``state/<name>.json``), the server hook and the rebase merge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts import errors
from gitprompts.cli import main
from gitprompts.core import layout, state
from gitprompts.core.merge import merge_state
from gitprompts.core.state import State
from gitprompts.registry import Registry

from .conftest import git


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="gitprompts")


def ok(*args: str, input: str | None = None) -> Result:
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def user_error(*args: str, naming: str) -> str:
    result = run(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and naming in lines[0], lines
    return lines[0]


def _main(reg: Registry) -> str:
    return git("--git-dir", str(reg.path), "rev-parse", "main").strip()


# -- prompt-level tags ----------------------------------------------------------------


def test_register_tags_tag_the_prompt_so_search_still_finds_it(registry: Registry) -> None:
    gitprompts.register_prompt("summarize", "Sum {{ t }}", tags={"team": "nlp"})
    v2 = gitprompts.register_prompt("summarize", "Summarize {{ t }}")
    assert v2.tags == {}  # the version's own tags are its own
    found = gitprompts.search_prompts("tags.team = 'nlp'")
    assert [p.name for p in found] == ["summarize"]
    assert found[0].tags == {"team": "nlp"} and found[0].latest_version == 2
    assert gitprompts.get_prompt_tags("summarize") == {"team": "nlp"}


def test_a_later_register_sets_its_tags_on_the_prompt_key_by_key(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a", tags={"team": "nlp", "stage": "draft"})
    gitprompts.register_prompt("p", "b", tags={"team": "search"})
    assert gitprompts.get_prompt_tags("p") == {"team": "search", "stage": "draft"}


def test_set_and_delete_prompt_tag(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a", tags={"team": "nlp"})
    gitprompts.set_prompt_tag("p", "owner", "ada")
    assert gitprompts.get_prompt_tags("p") == {"team": "nlp", "owner": "ada"}
    assert gitprompts.load_prompt("p", version=1).tags == {"team": "nlp"}  # version untouched
    gitprompts.delete_prompt_tag("p", "team")
    assert gitprompts.get_prompt_tags("p") == {"owner": "ada"}
    assert gitprompts.search_prompts("tags.team = 'nlp'") == []
    # Each edit is a commit on main touching only the state file.
    log = git("--git-dir", str(registry.path), "log", "--format=%s", "-n", "2", "main")
    assert log.splitlines() == ["Delete tag team from prompt p", "Set tag owner on prompt p"]


def test_prompt_tag_refusals_name_the_input_and_write_nothing(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a")
    before = _main(registry)
    with pytest.raises(errors.PromptNotFoundError, match="'nope'"):
        gitprompts.set_prompt_tag("nope", "k", "v")
    with pytest.raises(errors.InvalidInputError, match="tag key ''"):
        gitprompts.set_prompt_tag("p", "", "v")
    with pytest.raises(errors.InvalidInputError, match="tag 'k' has a list value"):
        gitprompts.set_prompt_tag("p", "k", ["v"])  # type: ignore[arg-type]
    # MLflow 3.17.2 silently does nothing here (tests/record_mlflow_prompt_level.py);
    # we raise on purpose, as for a version tag (README: "differs from MLflow").
    with pytest.raises(errors.InvalidInputError, match=r"prompt 'p' has no tag 'k'.*none"):
        gitprompts.delete_prompt_tag("p", "k")
    with pytest.raises(errors.PromptNotFoundError):
        gitprompts.get_prompt_tags("nope")
    assert _main(registry) == before


def test_a_state_without_prompt_tags_lists_the_latest_versions_tags(tmp_path: Path) -> None:
    """Registries written before prompt-level tags keep their search results."""
    reg = Registry(tmp_path / "r.git")
    reg.register("p", "a", tags={"team": "nlp"})
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    (work / layout.state_path("p")).write_text('{"latest": 1}\n')
    git("-C", str(work), "commit", "-qam", "an older writer's state")
    git("-C", str(work), "push", "-q", "origin", "HEAD:main")
    fresh = Registry(reg.path, create=False)
    assert fresh.prompt_tags("p") == {"team": "nlp"}
    assert [p.tags for p in fresh.prompts()] == [{"team": "nlp"}]
    fresh.set_prompt_tag("p", "owner", "ada")  # the fallback becomes the recorded tags
    assert fresh.prompt_tags("p") == {"team": "nlp", "owner": "ada"}


# -- model config edited after registration ------------------------------------------


def test_set_and_delete_prompt_model_config(registry: Registry) -> None:
    v1 = gitprompts.register_prompt("p", "Hi {{ x }}", model_config={"temperature": 0.1})
    gitprompts.set_prompt_model_config("p", 1, {"model_name": "gpt-4o", "temperature": 0.5})
    loaded = gitprompts.load_prompt("prompts:/p/1")
    assert loaded is not None
    assert loaded.model_config == {"model_name": "gpt-4o", "temperature": 0.5}
    assert (loaded.template, loaded.blob_id) == (v1.template, v1.blob_id)  # immutable
    assert "temperature: 0.1" in git(
        "--git-dir", str(registry.path), "show", f"prompts/p/1:{layout.prompt_path('p')}"
    )
    gitprompts.delete_prompt_model_config("p", 1)
    assert gitprompts.load_prompt("prompts:/p/1").model_config is None  # type: ignore[union-attr]
    gitprompts.register_prompt("p", "v2", model_config={"top_p": 0.9})
    assert gitprompts.load_prompt("p", version=2).model_config == {"top_p": 0.9}  # type: ignore[union-attr]


def test_model_config_refusals_write_nothing(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a")
    gitprompts.register_prompt("p", "b")
    gitprompts.delete_prompt_version("p", 2)
    before = _main(registry)
    with pytest.raises(errors.InvalidInputError, match="model_config must be a dict"):
        gitprompts.set_prompt_model_config("p", 1, "hot")  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInputError, match="model_config holds a set"):
        gitprompts.set_prompt_model_config("p", 1, {"seed": {1}})
    with pytest.raises(errors.PromptVersionNotFoundError, match="deleted"):
        gitprompts.set_prompt_model_config("p", 2, {"temperature": 1})
    with pytest.raises(errors.PromptVersionNotFoundError):
        gitprompts.delete_prompt_model_config("p", 7)
    assert _main(registry) == before


# -- deleting a prompt -----------------------------------------------------------------


def test_delete_prompt_keeps_tags_and_numbers(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a", tags={"team": "nlp"})
    gitprompts.register_prompt("p", "b")
    gitprompts.set_prompt_alias("p", "production", 1)
    gitprompts.register_prompt("other", "c")
    gitprompts.delete_prompt("p")
    with pytest.raises(errors.PromptVersionNotFoundError, match="deleted"):
        gitprompts.load_prompt("prompts:/p/1")
    with pytest.raises(errors.PromptNotFoundError):
        gitprompts.load_prompt("prompts:/p@production")
    assert gitprompts.load_prompt("p", version="latest", allow_missing=True) is None
    assert [p.name for p in gitprompts.search_prompts()] == ["other"]
    tags = git("--git-dir", str(registry.path), "tag", "--list", "prompts/p/*").split()
    assert tags == ["prompts/p/1", "prompts/p/2"]  # published history stays
    with pytest.raises(errors.PromptNotFoundError):
        gitprompts.delete_prompt("p")
    again = gitprompts.register_prompt("p", "d")
    assert again.version == 3  # numbers are never reused (MLflow 3.17.2 gives 1: on purpose)
    assert gitprompts.get_prompt_tags("p") == {}
    assert [v.version for v in registry.versions("p")] == [3]


# -- the CLI ------------------------------------------------------------------------


def test_cli_tag_set_list_remove(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a", tags={"team": "nlp"})
    gitprompts.register_prompt("p", "b")
    assert ok("tag", "set", "p", "owner", "ada").stdout == "p: owner=ada\n"
    assert ok("tag", "list", "p").stdout.splitlines() == [
        "KEY    VALUE",
        "owner  ada",
        "team   nlp",
    ]
    assert json.loads(ok("tag", "list", "p", "--json").stdout) == {"owner": "ada", "team": "nlp"}
    assert ok("list", "--filter", "tags.team = 'nlp'", "--json").stdout.count('"name": "p"') == 1
    assert ok("tag", "remove", "p", "team").stdout == "p: removed team\n"
    ok("tag", "rm", "p", "owner")
    assert ok("tag", "list", "p").stderr == "No tags on p.\n"
    user_error("tag", "remove", "p", "team", naming="'team'")
    user_error("tag", "set", "nope", "k", "v", naming="'nope'")


def test_cli_model_config_set_and_remove(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a", model_config={"temperature": 0.1})
    ok("model-config", "set", "p", "1", '{"temperature": 0.7}')
    shown = json.loads(ok("show", "p/1", "--json").stdout)
    assert shown["model_config"] == {"temperature": 0.7}
    ok("model-config", "remove", "p", "1")
    assert json.loads(ok("show", "p/1", "--json").stdout)["model_config"] is None
    user_error("model-config", "set", "p", "1", "{oops", naming="{oops")
    user_error("model-config", "set", "p", "9", "{}", naming="version 9")


def test_cli_delete_prompt(registry: Registry) -> None:
    gitprompts.register_prompt("p", "a")
    result = run("delete", "p", input="n\n")
    assert result.exit_code == 1 and gitprompts.search_prompts() != []
    assert ok("delete", "p", "--yes").stdout == "Deleted prompt p (1 version)\n"
    assert gitprompts.search_prompts() == []
    user_error("delete", "p", "--yes", naming="'p'")


def test_cli_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "GITPROMPTS_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gitprompts", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    assert cli("register", "p", "-t", "hi", "--tag", "team=nlp").returncode == 0
    assert cli("register", "p", "-t", "hi again").returncode == 0
    listed = json.loads(cli("list", "--filter", "tags.team = 'nlp'", "--json").stdout)
    assert [row["name"] for row in listed] == ["p"]
    refused = cli("tag", "remove", "p", "owner")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert cli("delete", "p", "--yes").returncode == 0
    assert json.loads(cli("list", "--json").stdout) == []


# -- the state file, the hook, the merge ---------------------------------------------


def test_state_round_trips_and_old_files_still_read() -> None:
    s = State(latest=2, prompt_tags={"team": "nlp"}, model_configs={"1": {"t": 1}, "2": None})
    assert state.decode(state.encode(s)) == s
    old = state.decode(b'{"schema_version": 1, "latest": 2}')
    assert old.prompt_tags is None and old.model_configs == {}


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("record", "named"),
    [
        ({"model_configs": {"01": {}}}, "model_configs key '01'"),
        ({"model_configs": {"1": [1]}}, "model_configs"),
        ({"model_configs": {"1": {"a": _deep(40)}}}, "nested"),
        ({"prompt_tags": {"k": 1}}, "prompt_tags"),
        ({"prompt_tags": {"": "v"}}, "prompt_tags"),
    ],
)
def test_state_decode_refuses_bad_new_fields(record: dict[str, object], named: str) -> None:
    with pytest.raises(errors.CorruptStateFileError, match=named):
        state.decode(json.dumps({"latest": 1, **record}).encode(), "state/p.json")


def _push_state(work: Path, text: str) -> subprocess.CompletedProcess[str]:
    (work / layout.state_path("greet")).write_text(text)
    git("-C", str(work), "commit", "-qam", "edit state")
    return subprocess.run(
        ["git", "-C", str(work), "push", "--porcelain", "origin", "HEAD:refs/heads/main"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_hook_refuses_model_config_for_a_missing_version(served: tuple[Path, Path]) -> None:
    _, work = served
    result = _push_state(work, '{"latest": 1, "model_configs": {"9": {"t": 1}}}')
    assert result.returncode != 0
    assert "model_configs names version 9, which does not exist" in result.stderr


def test_hook_accepts_prompt_tags_and_model_config_of_a_real_version(
    served: tuple[Path, Path],
) -> None:
    server, work = served
    text = '{"latest": 1, "prompt_tags": {"team": "nlp"}, "model_configs": {"1": {"t": 1}}}'
    result = _push_state(work, text)
    assert result.returncode == 0, result.stderr
    reg = Registry(server, create=False)
    assert reg.prompt_tags("greet") == {"team": "nlp"}
    assert reg.get("greet", 1).model_config == {"t": 1}


MERGE_CASES = [
    pytest.param(
        State(latest=1, prompt_tags={"a": "1"}),
        State(latest=1, prompt_tags={"a": "2"}),
        State(latest=1, prompt_tags={"a": "1", "b": "3"}),
        {},
        {"a": "2", "b": "3"},
        {},
        id="prompt-tag-set-locally-remote-added-another",
    ),
    pytest.param(
        State(latest=1, prompt_tags={"a": "1", "b": "2"}),
        State(latest=1, prompt_tags={"b": "2"}),
        State(latest=1, prompt_tags={"a": "9", "b": "2"}),
        {},
        {"b": "2"},
        {},
        id="prompt-tag-deleted-locally-wins",
    ),
    pytest.param(
        State(latest=1),
        State(latest=1),
        State(latest=1, prompt_tags={"x": "y"}),
        {},
        {"x": "y"},
        {},
        id="local-commit-left-prompt-tags-alone",
    ),
    pytest.param(
        State(latest=1, prompt_tags={}),
        State(latest=2, prompt_tags={}, model_configs={"2": {"t": 1}}),
        State(latest=3, model_configs={"1": None}),
        {2: 4},
        None,
        {"1": None, "4": {"t": 1}},
        id="model-config-follows-a-renumbered-version",
    ),
    pytest.param(
        State(latest=1, model_configs={"1": {"t": 1}}),
        State(latest=1),
        State(latest=1, model_configs={"1": {"t": 2}}),
        {},
        None,
        {},
        id="model-config-override-removed-locally",
    ),
]


@pytest.mark.parametrize(("before", "after", "onto", "numbers", "tags", "configs"), MERGE_CASES)
def test_merge_state_merges_the_new_fields(
    before: State,
    after: State,
    onto: State,
    numbers: dict[int, int],
    tags: dict[str, str] | None,
    configs: dict[str, object],
) -> None:
    merged, _ = merge_state(
        "p", before, after, onto, numbers=numbers, remote_moves={}, local_at=100
    )
    assert merged.prompt_tags == tags
    assert merged.model_configs == configs
