"""The ``gitprompts`` command line through click's CliRunner: every command, every error path.

User errors exit 1 with exactly one line on stderr that names the input;
usage errors exit 2 (click's own message).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import LAZY_COMMANDS, SUMMARIES, main


def run(*args: str, input: str | bytes | None = None, color: bool = False) -> Result:
    return CliRunner().invoke(main, list(args), input=input, color=color, prog_name="gitprompts")


def ok(*args: str, input: str | bytes | None = None) -> Result:
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def user_error(*args: str, naming: str, input: str | bytes | None = None) -> str:
    """Exit 1, one line on stderr that mentions ``naming``; returns that line."""
    result = run(*args, input=input)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert naming in lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def usage_error(*args: str, input: str | bytes | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert "Error:" in result.stderr
    return result.stderr


@pytest.fixture
def greet(registry: gitprompts.Registry) -> None:
    """``greet`` with versions 1 and 2, production on 1."""
    gitprompts.register_prompt("greet", "Hello {{ name }}!", commit_message="first")
    gitprompts.register_prompt(
        "greet", "Hello {{ name }}, welcome to {{ place }}!\n", commit_message="add place"
    )
    gitprompts.set_prompt_alias("greet", "production", 1)


# -- the group -----------------------------------------------------------------


def test_help_lists_every_command_with_its_summary() -> None:
    out = ok("--help").stdout
    for name in LAZY_COMMANDS:
        assert name in out
        assert SUMMARIES[name] in out
    assert ok("-h").stdout == out


def test_every_lazy_command_imports_and_has_help() -> None:
    assert set(LAZY_COMMANDS) == set(SUMMARIES)
    for name in LAZY_COMMANDS:
        assert ok(name, "--help").stdout.startswith("Usage: ")


def _paragraphs(text: str) -> list[str]:
    """``text``'s blank-line-separated paragraphs, each with its wrapped lines joined."""
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def test_each_summary_is_the_command_help_and_the_group_listing() -> None:
    listing = ok("--help").stdout.split("Commands:\n", 1)[1]
    rows = {}
    for line in listing.splitlines():
        if line.startswith("  ") and not line.startswith("   "):  # a new row: "  name  summary"
            name, _, summary = line.strip().partition(" ")
            rows[name] = summary
        else:  # a summary wrapped onto the next line
            rows[name] += " " + line.strip()
    for name, summary in SUMMARIES.items():
        assert " ".join(rows[name].split()) == summary, name
        usage, first, *_ = _paragraphs(ok(name, "--help").stdout)
        assert usage.startswith(f"Usage: gitprompts {name} ")
        assert first == summary, name
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.get_short_help_str(limit=200) == summary


def test_version() -> None:
    assert ok("--version").stdout == f"gitprompts {gitprompts.__version__}\n"


def test_unknown_command_is_a_usage_error() -> None:
    assert "No such command 'frobnicate'" in usage_error("frobnicate")


def test_debug_shows_the_traceback(greet: None) -> None:
    result = run("--debug", "show", "greet/9")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: version 9 of prompt 'greet' not found")


def test_registry_option_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "team.git"
    ok("init", str(elsewhere))
    assert ok("--registry", str(elsewhere), "register", "x", "-t", "hi").stdout == "prompts:/x/1\n"
    assert (elsewhere / "HEAD").exists()
    assert ok("list", "--json").stdout == "[]\n"  # the default registry is untouched
    monkeypatch.setenv("GITPROMPTS_REGISTRY", str(elsewhere))
    assert ok("show", "x/1", "--raw").stdout == "hi"


def test_home_option_beats_registry_from_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITPROMPTS_REGISTRY", str(tmp_path / "env.git"))
    ok("--home", str(tmp_path / "h"), "register", "x", "-t", "hi")
    assert (tmp_path / "h" / "registry.git" / "HEAD").exists()
    assert not (tmp_path / "env.git").exists()


# -- init ------------------------------------------------------------------------


def test_init_default_and_path(home: Path, tmp_path: Path) -> None:
    out = ok("init").stdout
    assert out == f"Initialized empty gitprompts registry in {home / 'registry.git'}\n"
    assert ok("init").stdout.startswith("Existing gitprompts registry in ")
    data = json.loads(ok("init", str(tmp_path / "r.git"), "--json").stdout)
    assert data == {"path": str(tmp_path / "r.git"), "created": True}


def test_init_refuses_a_directory_that_is_not_a_registry(tmp_path: Path) -> None:
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "file.txt").write_text("x")
    user_error("init", str(tmp_path / "stuff"), naming=str(tmp_path / "stuff"))


# -- register --------------------------------------------------------------------


def test_register_from_template_option_with_metadata(registry: gitprompts.Registry) -> None:
    out = ok(
        "register", "greet", "-t", "Hi {{ name }}", "-m", "first", "--tag", "team=nlp",
        "--tag", "expr=a=b", "--alias", "production", "--alias", "staging",
        "--model-config", '{"temperature": 0.2}',
        "--response-format", '{"type": "object"}',
    ).stdout  # fmt: skip
    assert out == "prompts:/greet/1\n"
    v = gitprompts.load_prompt("greet@staging")
    assert v is not None
    assert (v.template, v.commit_message, v.tags) == ("Hi {{ name }}", "first", {
        "team": "nlp", "expr": "a=b"})  # fmt: skip
    assert v.aliases == ["production", "staging"]
    assert v.model_config == {"temperature": 0.2}
    assert v.response_format == {"type": "object"}


def test_register_from_stdin_keeps_bytes(registry: gitprompts.Registry) -> None:
    ok("register", "x", input=b"line one\r\nline two")
    v = gitprompts.load_prompt("x/1")
    assert v is not None and v.template == "line one\r\nline two"


def test_register_from_prompt_file_uses_front_matter(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    f = tmp_path / "s.prompt"
    f.write_bytes(
        b"---\ntype: text\ncommit_message: from file\ntags:\n  team: nlp\n"
        b"model_config:\n  temperature: 0.5\n---\n---\nSummarize {{ text }}"
    )
    ok("register", "s", "-f", str(f), "--tag", "env=dev")
    v = gitprompts.load_prompt("s/1")
    assert v is not None
    assert v.template == "---\nSummarize {{ text }}"
    assert v.commit_message == "from file"
    assert v.tags == {"team": "nlp", "env": "dev"}
    assert v.model_config == {"temperature": 0.5}
    ok("register", "s", "-f", str(f), "-m", "override", "--model-config", '{"temperature": 1}')
    v2 = gitprompts.load_prompt("s/2")
    assert v2 is not None and v2.commit_message == "override"
    assert v2.model_config == {"temperature": 1}


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("chat.json", '[{"role": "system", "content": "Be {{ tone }}"}, '
                      '{"role": "user", "content": "{{ q }}"}]'),
        ("chat.yaml", "messages:\n- role: system\n  content: Be {{ tone }}\n"
                      "- role: user\n  content: '{{ q }}'\n"),
    ],
)  # fmt: skip
def test_register_chat_prompt_from_json_and_yaml(
    registry: gitprompts.Registry, tmp_path: Path, filename: str, content: str
) -> None:
    (tmp_path / filename).write_text(content)
    ok("register", "chat", "-f", str(tmp_path / filename))
    v = gitprompts.load_prompt("chat/1")
    assert v is not None
    assert v.template == [
        {"role": "system", "content": "Be {{ tone }}"},
        {"role": "user", "content": "{{ q }}"},
    ]


def test_register_plain_text_file_and_config_files(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    (tmp_path / "t.txt").write_text("[{not json}] {{ x }}\n")
    (tmp_path / "mc.yaml").write_text("temperature: 0.1\nmax_tokens: 10\n")
    (tmp_path / "rf.json").write_text('{"type": "object"}')
    out = ok(
        "register", "t", "-f", str(tmp_path / "t.txt"), "--model-config", str(tmp_path / "mc.yaml"),
        "--response-format", str(tmp_path / "rf.json"), "--json",
    ).stdout  # fmt: skip
    data = json.loads(out)
    assert data["template"] == "[{not json}] {{ x }}\n"
    assert data["model_config"] == {"temperature": 0.1, "max_tokens": 10}
    assert data["response_format"] == {"type": "object"}


def test_register_errors(registry: gitprompts.Registry, tmp_path: Path) -> None:
    user_error("register", "../bad", "-t", "x", naming="'../bad'")
    user_error("register", "x", "-t", "Hi {{ name", naming="never closed")
    user_error("register", "x", "-t", "x", "--alias", "latest", naming="'latest'")
    user_error("register", "x", "-t", "x", "--model-config", "nope", naming="'nope'")
    user_error("register", "x", "-t", "x", "--model-config", "[1]", naming="'[1]'")
    (tmp_path / "bad.json").write_text("{oops")
    user_error("register", "x", "-f", str(tmp_path / "bad.json"), naming="bad.json")
    (tmp_path / "num.json").write_text("42")
    user_error("register", "x", "-f", str(tmp_path / "num.json"), naming="num.json")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe")
    user_error("register", "x", "-f", str(tmp_path / "bin.txt"), naming="bin.txt")
    (tmp_path / "bad.prompt").write_text("---\ntype: weird\n---\nx")
    user_error("register", "x", "-f", str(tmp_path / "bad.prompt"), naming="bad.prompt")
    assert gitprompts.search_prompts() == []  # nothing was written


def test_register_usage_errors(registry: gitprompts.Registry, tmp_path: Path) -> None:
    assert "'a' is not KEY=VALUE" in usage_error("register", "x", "-t", "y", "--tag", "a")
    (tmp_path / "t.txt").write_text("y")
    assert "not both" in usage_error("register", "x", "-t", "y", "-f", str(tmp_path / "t.txt"))
    assert "No such file" in usage_error("register", "x", "-f", str(tmp_path / "missing"))
    assert "standard input was empty" in usage_error("register", "x", input="")
    usage_error("register")


# -- show -------------------------------------------------------------------------


def test_show_human(greet: None) -> None:
    out = ok("show", "greet@production").stdout
    assert out.startswith("prompts:/greet/1\ntype:      text\n")
    assert "message:   first\n" in out
    assert "aliases:   production\n" in out
    assert "variables: name\n" in out
    assert out.endswith("\nHello {{ name }}!\n")
    assert ok("show", "greet").stdout.startswith("prompts:/greet/2\n")  # a bare name: latest
    assert ok("show", "prompts:/greet/2").stdout.endswith("{{ place }}!\n")


def test_show_raw_is_exact(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("x", "---\r\nNo newline {{ a }}\r\nü")
    assert ok("show", "x/1", "--raw").stdout_bytes == "---\r\nNo newline {{ a }}\r\nü".encode()


def test_show_json_keys(greet: None) -> None:
    data = json.loads(ok("show", "greet/1", "--json").stdout)
    assert list(data) == [
        "name", "version", "uri", "type", "template", "variables", "commit_message", "tags",
        "aliases", "created", "creation_timestamp", "user_id", "model_config",
        "response_format", "commit_id", "blob_id",
    ]  # fmt: skip
    assert data["uri"] == "prompts:/greet/1"
    assert data["aliases"] == ["production"]
    assert data["user_id"] == "Test Author <author@example.com>"
    assert data["created"].endswith("Z")


def test_show_chat(registry: gitprompts.Registry) -> None:
    messages = [{"role": "system", "content": "Be {{ tone }}"}, {"role": "user", "content": "hi"}]
    gitprompts.register_prompt("chat", messages)
    assert json.loads(ok("show", "chat/1", "--raw").stdout) == messages
    assert "[system]\nBe {{ tone }}\n[user]\nhi\n" in ok("show", "chat/1").stdout


def test_show_errors(greet: None) -> None:
    user_error("show", "greet/7", naming="version 7 of prompt 'greet'")
    user_error("show", "nope/1", naming="'nope'")
    user_error("show", "greet@staging", naming="'staging'")
    user_error("show", "greet/x", naming="'greet/x'")
    user_error("show", "bad name/1", naming="'bad name/1'")
    usage_error("show")


# -- list / log -------------------------------------------------------------------


def test_list(greet: None) -> None:
    gitprompts.register_prompt("other", "x", tags={"team": "nlp"})
    lines = ok("list").stdout.splitlines()
    assert lines[0].split() == ["NAME", "LATEST", "ALIASES", "UPDATED"]
    assert lines[1].split()[:3] == ["greet", "2", "production=1"]
    assert lines[2].split()[:3] == ["other", "1", "-"]
    data = json.loads(ok("list", "--filter", "tags.team = 'nlp'", "--json").stdout)
    assert [list(d) for d in data] == [
        ["name", "latest_version", "uri", "aliases", "tags", "updated", "updated_timestamp"]
    ]
    assert data[0]["name"] == "other"
    assert len(json.loads(ok("list", "--max", "1", "--json").stdout)) == 1
    result = ok("list", "--filter", "name = 'zzz'")
    assert (result.stdout, result.stderr) == ("", "No prompts match.\n")


def test_list_errors(registry: gitprompts.Registry) -> None:
    user_error("list", "--filter", "name ~ 'x'", naming="name ~ 'x'")
    usage_error("list", "--max", "0")


def test_log(greet: None) -> None:
    lines = ok("log", "greet").stdout.splitlines()
    assert lines[0].split() == ["VERSION", "DATE", "AUTHOR", "ALIASES", "MESSAGE"]
    assert lines[1].startswith("2 ") and lines[1].endswith("add place")
    assert "Test Author" in lines[1]
    assert "production" in lines[2]
    data = json.loads(ok("log", "greet", "--json", "-n", "1").stdout)
    assert [d["version"] for d in data] == [2]
    assert "template" not in data[0]
    user_error("log", "nope", naming="'nope'")


# -- diff -------------------------------------------------------------------------


DIFF_1_2 = """\
--- prompts:/greet/1
+++ prompts:/greet/2
@@ -1 +1 @@
-Hello {{ name }}!
\\ No newline at end of file
+Hello {{ name }}, welcome to {{ place }}!
--- prompts:/greet/1 (metadata)
+++ prompts:/greet/2 (metadata)
@@ -1 +1 @@
-commit_message: "first"
+commit_message: "add place"
"""


def test_diff_forms(greet: None) -> None:
    gitprompts.set_prompt_alias("greet", "staging", 2)
    assert ok("diff", "greet", "1", "2").stdout == DIFF_1_2
    assert ok("diff", "greet", "production", "staging").stdout == DIFF_1_2
    assert ok("diff", "greet@production", "prompts:/greet/2").stdout == DIFF_1_2
    assert ok("diff", "greet").stdout == DIFF_1_2
    assert ok("diff", "greet", "2", "2").stdout == ""


def test_diff_colour_only_when_asked_or_on_a_terminal(greet: None) -> None:
    assert "\x1b[" not in ok("diff", "greet", "1", "2").stdout  # not a terminal
    coloured = run("diff", "greet", "1", "2", color=True).stdout
    assert "\x1b[31m-Hello {{ name }}!" in coloured
    assert "\x1b[32m+Hello" in coloured
    forced = ok("diff", "greet", "1", "2", "--color").stdout
    assert "\x1b[32m+Hello" in forced


def test_diff_json_and_metadata(greet: None) -> None:
    gitprompts.register_prompt("greet", "Hello {{ name }}!", model_config={"temperature": 1})
    data = json.loads(ok("diff", "greet", "1", "3", "--json").stdout)
    assert list(data) == ["a", "b", "identical", "diff"]
    assert data["identical"] is False
    assert '+model_config: {"temperature": 1}\n' in data["diff"]


def test_diff_chat(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("c", [{"role": "user", "content": "a"}])
    gitprompts.register_prompt("c", [{"role": "user", "content": "b"}])
    assert "[user]\n-a\n+b\n" in ok("diff", "c", "1", "2").stdout


def test_diff_errors(greet: None) -> None:
    gitprompts.register_prompt("single", "x")
    user_error("diff", "single", naming="'single'")
    user_error("diff", "greet", "1", "9", naming="version 9")
    user_error("diff", "greet", "1", "nope", naming="'nope'")
    usage_error("diff", "a", "b", "c", "d")
    usage_error("diff")


# -- alias ------------------------------------------------------------------------


def test_alias_set_list_rm(greet: None) -> None:
    assert ok("alias", "set", "greet", "staging", "2").stdout == (
        "prompts:/greet@staging -> prompts:/greet/2\n"
    )
    assert ok("alias", "list", "greet").stdout.splitlines()[1:] == [
        "greet  production  1",
        "greet  staging     2",
    ]
    data = json.loads(ok("alias", "list", "--json").stdout)
    assert data[1] == {"name": "greet", "alias": "staging", "version": 2, "uri": "prompts:/greet/2"}
    assert ok("alias", "rm", "greet", "staging").stdout == "Removed prompts:/greet@staging\n"
    assert [d["alias"] for d in json.loads(ok("alias", "list", "--json").stdout)] == ["production"]


def test_alias_errors(greet: None) -> None:
    user_error("alias", "set", "greet", "staging", "9", naming="version 9")
    user_error("alias", "set", "greet", "latest", "1", naming="'latest'")
    user_error("alias", "set", "nope", "x", "1", naming="'nope'")
    user_error("alias", "set", "greet", "x", "one", naming="'one'")
    user_error("alias", "rm", "greet", "staging", naming="'staging'")
    user_error("alias", "list", "nope", naming="'nope'")
    usage_error("alias", "set", "greet")
    result = ok("alias", "list", "--json")
    assert result.stdout.startswith("[")


def test_alias_list_empty(registry: gitprompts.Registry) -> None:
    result = ok("alias", "list")
    assert (result.stdout, result.stderr) == ("", "No aliases.\n")


# -- render -----------------------------------------------------------------------


def test_render(greet: None) -> None:
    assert ok("render", "greet/2", "-v", "name=Ada", "--var", "place=Paris").stdout == (
        "Hello Ada, welcome to Paris!\n"
    )
    assert ok("render", "greet@production", "-v", "name=a=b").stdout == "Hello a=b!"
    assert ok("render", "greet/2", "-v", "name=Ada", "--partial").stdout == (
        "Hello Ada, welcome to {{ place }}!\n"
    )
    data = json.loads(ok("render", "greet/2", "-v", "name=Ada", "--partial", "--json").stdout)
    assert data == {
        "uri": "prompts:/greet/2",
        "result": "Hello Ada, welcome to {{ place }}!\n",
        "missing": ["place"],
    }


def test_render_chat(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("c", [{"role": "user", "content": "Hi {{ n }}"}])
    assert json.loads(ok("render", "c/1", "-v", "n=Bo").stdout) == [
        {"role": "user", "content": "Hi Bo"}
    ]


def test_render_errors(greet: None) -> None:
    user_error("render", "greet/2", "-v", "name=Ada", naming="'place'")
    user_error("render", "greet/5", naming="version 5")
    assert "not KEY=VALUE" in usage_error("render", "greet/2", "-v", "name")


# -- delete-version ---------------------------------------------------------------


def test_delete_version(greet: None) -> None:
    result = run("delete-version", "greet", "2", input="n\n")
    assert result.exit_code == 1 and "Aborted!" in result.stderr
    assert gitprompts.load_prompt("greet/2") is not None
    result = ok("delete-version", "greet", "2", input="y\n")
    assert "Delete prompts:/greet/2? [y/N]" in result.stderr
    assert result.stdout == "Deleted prompts:/greet/2\n"
    assert gitprompts.load_prompt("greet/2", allow_missing=True) is None
    assert ok("delete-version", "greet", "1", "--yes").stdout == "Deleted prompts:/greet/1\n"


def test_delete_version_errors(greet: None) -> None:
    user_error("delete-version", "greet", "9", "--yes", naming="version 9")
    user_error("delete-version", "greet", "two", "--yes", naming="'two'")
    user_error("delete-version", "nope", "1", "--yes", naming="'nope'")
    usage_error("delete-version", "greet")


# -- demo --------------------------------------------------------------------------


def test_demo_runs_twice_on_one_home(home: Path) -> None:
    first = ok("demo").stdout
    assert f"registry: {home / 'registry.git'}" in first
    assert "-Summarize in {{ num_sentences }} sentences: {{ sentences }}" in first
    assert "Summarize in 2 plain sentences, no jargon:" in first
    second = ok("demo").stdout
    assert "prompts:/demo-summarize/" in second
    assert gitprompts.load_prompt("demo-summarize@production") is not None


def test_demo_home_option(tmp_path: Path) -> None:
    ok("demo", "--home", str(tmp_path / "demo-home"))
    assert (tmp_path / "demo-home" / "registry.git" / "HEAD").exists()


# -- completion --------------------------------------------------------------------


def complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import ShellComplete

    completer = ShellComplete(main, {}, "gitprompts", "_GITPROMPTS_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_completion_of_names_uris_and_aliases(greet: None) -> None:
    gitprompts.register_prompt("grumpy", "x")
    assert complete(["log"], "gr") == ["greet", "grumpy"]
    assert complete(["show"], "gre") == ["greet"]
    assert complete(["show"], "greet@") == ["greet@production", "greet@latest"]
    assert complete(["show"], "greet/") == ["greet/2", "greet/1"]
    assert complete(["show"], "prompts:/grum") == ["prompts:/grumpy"]
    assert complete(["alias", "rm", "greet"], "") == ["production"]
    assert complete(["diff", "greet"], "gru") == ["grumpy"]


def test_completion_reads_the_registry_option(tmp_path: Path) -> None:
    gitprompts.set_registry(tmp_path / "other.git")
    gitprompts.get_registry(create=True)
    gitprompts.register_prompt("elsewhere", "x")
    gitprompts.set_registry(None)
    assert complete(["show"], "else") == []
    assert complete(["--registry", str(tmp_path / "other.git"), "show"], "else") == ["elsewhere"]


def test_completion_never_fails(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x").write_text("x")
    assert complete(["--registry", str(tmp_path / "junk"), "show"], "") == []


def test_register_refuses_a_yaml_alias_bomb_in_a_chat_file(tmp_path: Path) -> None:
    """A .yaml chat template (or --model-config file) is read like a prompt file's front matter."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (tmp_path / "chat.yaml").write_text(bomb + "messages: [{role: user, content: hi}]\n")
    result = run("register", "greet", "-f", str(tmp_path / "chat.yaml"))
    assert result.exit_code == 1
    assert "anchors and aliases are not allowed" in result.stderr
    config = tmp_path / "config.yaml"
    config.write_text(bomb)
    result = run("register", "greet", "-t", "hi", "--model-config", str(config))
    assert result.exit_code == 1 and "anchor" in result.stderr


def test_register_refuses_a_template_larger_than_a_prompt_file_may_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITPROMPTS_MAX_PROMPT_BYTES", "100")
    big = tmp_path / "big.txt"
    big.write_text("x" * 10_000)
    result = run("register", "greet", "-f", str(big))
    assert result.exit_code == 1 and "over the limit of 100" in result.stderr
