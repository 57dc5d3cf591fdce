"""What a new user hits first: typos, Python wording, naming, identity.

Each case goes through the CLI (CliRunner, and a real process where the
shell's view matters) and through the API.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import main
from gitprompts.errors import (
    GitCommandError,
    IdentityWarning,
    MissingVariablesError,
    NotARegistryError,
    PromptNotFoundError,
)

SOURCE_ROOT = str(Path(gitprompts.__file__).resolve().parent.parent)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="gitprompts")


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def error_line(*args: str) -> str:
    """Exit 1 with one ``Error:`` line on stderr; returns it."""
    result = run(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitprompts", *args],
        capture_output=True,
        text=True,
        env={**(env or os.environ), "PYTHONPATH": SOURCE_ROOT},
        timeout=60,
    )


@pytest.fixture
def greet(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("greet", "Hello {{ name }} from {{ place }}")
    gitprompts.register_prompt("greet", "Hi {{ name }}")


# -- Must 2: a mistyped --registry creates nothing -----------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "x/1"],
        ["register", "x", "-t", "hi"],
        ["log", "x"],
        ["alias", "list"],
        ["remote", "list"],
    ],
)
def test_a_missing_registry_path_is_refused_not_created(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "typo"
    line = error_line("--registry", str(typo), *args)
    assert str(typo) in line
    assert f"gitprompts init {typo}" in line
    assert not typo.exists()


def test_a_missing_registry_from_the_environment_is_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo.git"
    result = cli("list", env={**os.environ, "GITPROMPTS_REGISTRY": str(typo)})
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"gitprompts init {typo}" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not typo.exists()


def test_init_and_the_default_home_still_create(tmp_path: Path, home: Path) -> None:
    made = tmp_path / "made.git"
    ok("--registry", str(made), "init")
    assert (made / "HEAD").exists()
    ok("--registry", str(made), "register", "x", "-t", "hi")
    other = tmp_path / "other.git"
    ok("init", str(other))
    assert (other / "HEAD").exists()
    ok("list")  # the default home registry is created on first use
    assert (home / "registry.git" / "HEAD").exists()
    ok("--home", str(tmp_path / "h"), "list")
    assert (tmp_path / "h" / "registry.git" / "HEAD").exists()


def test_api_set_registry_on_a_missing_path_raises(tmp_path: Path, home: Path) -> None:
    typo = tmp_path / "typo.git"
    gitprompts.set_registry(typo)
    with pytest.raises(NotARegistryError, match="gitprompts init") as caught:
        gitprompts.register_prompt("x", "hi")
    assert caught.value.path == typo
    with pytest.raises(NotARegistryError):
        gitprompts.search_prompts()
    assert not typo.exists()
    created = gitprompts.get_registry(typo, create=True)
    assert (typo / "HEAD").exists() and created.path == typo
    gitprompts.register_prompt("x", "hi")
    gitprompts.set_registry(None)
    assert gitprompts.register_prompt("y", "default home, created").version == 1
    assert (home / "registry.git" / "HEAD").exists()


# -- completion leaves deleted versions out ---------------------------------------


def complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import ShellComplete

    completer = ShellComplete(main, {}, "gitprompts", "_GITPROMPTS_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_completion_offers_live_versions_only(greet: None) -> None:
    gitprompts.register_prompt("greet", "third")
    gitprompts.delete_prompt_version("greet", 2)
    assert complete(["show"], "greet/") == ["greet/3", "greet/1"]


# -- the CLI speaks the CLI's language ------------------------------------------


def test_unknown_prompt_says_gitprompts_register_in_the_cli(registry: gitprompts.Registry) -> None:
    line = error_line("show", "nosuch")
    assert "gitprompts register nosuch" in line
    assert "register_prompt" not in line
    with pytest.raises(PromptNotFoundError, match=r"register_prompt\('nosuch'"):
        gitprompts.load_prompt("nosuch")


def test_missing_variable_says_v_and_partial_in_the_cli(greet: None) -> None:
    line = error_line("render", "greet/1", "-v", "name=Ada")
    assert "'place'" in line and "-v place=VALUE" in line and "--partial" in line
    assert "allow_partial" not in line and "format()" not in line
    with pytest.raises(MissingVariablesError, match="allow_partial=True"):
        gitprompts.load_prompt("greet/1").format(name="Ada")


# -- did you mean ------------------------------------------------------------------


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = run("shwo", "x")
    assert result.exit_code == 2
    assert "Did you mean 'show'?" in result.stderr
    assert "Did you mean" not in run("frobnicate").stderr


def test_a_mistyped_prompt_name_gets_a_suggestion(greet: None) -> None:
    gitprompts.register_prompt("summarize", "x")
    line = error_line("show", "gret@latest")
    assert "did you mean 'greet'?" in line
    with pytest.raises(PromptNotFoundError, match="did you mean 'summarize'") as caught:
        gitprompts.load_prompt("sumarize/1")
    assert caught.value.name == "sumarize"
    with pytest.raises(PromptNotFoundError) as far:
        gitprompts.load_prompt("zzzzzz")
    assert "did you mean" not in str(far.value)


# -- aliases: NAME@ALIAS, and remove with rm as its alias -----------------------------


def test_alias_set_accepts_name_at_alias(greet: None) -> None:
    assert ok("alias", "set", "greet@production", "1").stdout == (
        "prompts:/greet@production -> prompts:/greet/1\n"
    )
    assert gitprompts.load_prompt("greet@production").version == 1
    line = error_line("alias", "set", "greet@production", "staging", "1")
    assert "greet@production" in line
    assert run("alias", "set", "greet", "1").exit_code == 2  # NAME alone needs ALIAS


def test_alias_remove_and_rm(greet: None) -> None:
    gitprompts.set_prompt_alias("greet", "a", 1)
    gitprompts.set_prompt_alias("greet", "b", 1)
    assert ok("alias", "remove", "greet", "a").stdout == "Removed prompts:/greet@a\n"
    assert ok("alias", "rm", "greet", "b").stdout == "Removed prompts:/greet@b\n"
    assert gitprompts.load_prompt("greet/1").aliases == []
    assert "remove" in ok("alias", "--help").stdout


def test_remote_rm_is_remove(registry: gitprompts.Registry, tmp_path: Path) -> None:
    ok("remote", "add", "origin", str(tmp_path / "elsewhere.git"))
    ok("remote", "rm", "origin")
    assert "origin" not in ok("remote", "list").stdout


# -- no git identity: warn once, say how to set it -------------------------------------


def _no_identity_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_", "GIT_CONFIG", "EMAIL"))
    }
    bare_home = tmp_path / "no-identity-home"
    bare_home.mkdir()
    env.update(HOME=str(bare_home), XDG_CONFIG_HOME=str(bare_home), GIT_CONFIG_NOSYSTEM="1")
    env["GITPROMPTS_HOME"] = str(tmp_path / "gp")
    return env


def test_no_git_identity_warns_once_in_the_cli(tmp_path: Path) -> None:
    env = _no_identity_env(tmp_path)
    result = cli("register", "x", "-t", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "prompts:/x/1\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning: ")
    assert 'git config --global user.name "Your Name"' in lines[0]


def test_no_git_identity_warns_once_per_process_in_the_api(tmp_path: Path) -> None:
    code = (
        "import warnings, gitprompts\n"
        "from gitprompts.errors import IdentityWarning\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    gitprompts.register_prompt('x', 'one')\n"
        "    gitprompts.register_prompt('x', 'two')\n"
        "    gitprompts.set_prompt_alias('x', 'p', 1)\n"
        "print(sum(isinstance(w.message, IdentityWarning) for w in seen))\n"
        "print(gitprompts.load_prompt('x/1').user_id)\n"
    )
    env = {**_no_identity_env(tmp_path), "PYTHONPATH": SOURCE_ROOT}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    count, author = result.stdout.splitlines()
    assert count == "1"
    assert author  # still recorded, as the OS user
    assert issubclass(IdentityWarning, UserWarning)


def test_a_configured_identity_does_not_warn(registry: gitprompts.Registry) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentityWarning)
        gitprompts.register_prompt("x", "hi")


# -- an unreachable remote is named -------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["file:///nonexistent/gitprompts-test.git", "ssh://nohost.invalid/team/prompts.git"]
)
def test_an_unreachable_url_is_named(tmp_path: Path, url: str) -> None:
    env = {**os.environ, "GIT_SSH_COMMAND": "false"}
    result = cli("--registry", url, "list", env=env)
    assert result.returncode == 1
    assert url in result.stderr
    assert "-c protocol" not in result.stderr
    with pytest.raises(GitCommandError, match=url):
        gitprompts.clone(url, tmp_path / "copy.git")
