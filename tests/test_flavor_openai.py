"""The openai flavor: the real ``openai`` client against a chat-completions server on 127.0.0.1.

The server (``examples/_chat_server.py``, started by each test) answers with
the messages it was sent, so every test sees exactly what reached the LLM.
Nothing is patched: the client finds the server through ``OPENAI_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors

pytest.importorskip("openai")

from .flavor_checks import ROOT, missing_extra_lines, travels, two_versions

sys.path.insert(0, str(ROOT / "examples"))
from _chat_server import ChatServer, running

KEY = "sk-test-never-stored-0123456789"
V1 = "You answer questions about {{ topic }} in one line."
V2 = "You are a pirate. Talk about {{ topic }} like one."


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    with running() as chat:
        monkeypatch.setenv("OPENAI_BASE_URL", chat.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield chat


@pytest.fixture
def qa(registry: gitprompts.Registry) -> gitprompts.Registry:
    two_versions("qa", V1, V2)
    return registry


def _system(server: ChatServer, index: int = -1) -> str:
    messages = server.requests[index]["body"]["messages"]
    return str(messages[0]["content"])


def test_messages_from_a_registry_prompt_stay_pinned_after_the_alias_moves(
    qa: gitprompts.Registry,
    server: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with gitprompts.start_run(run_name="support") as run:
        info = gitprompts.openai.log_model(
            "gpt-4o-mini",
            "chat.completions",
            name="model",
            messages=[
                {"role": "system", "content": "prompts:/qa@production"},
                {"role": "user", "content": "{question}"},
            ],
            temperature=0,
        )
    assert info.flavor == "openai" and info.manifest.loader == "openai-json"
    assert [(e.uri, e.version, e.source) for e in info.manifest.prompts] == [
        ("prompts:/qa@production", 1, "explicit")
    ]
    gitprompts.set_prompt_alias("qa", "production", 2)

    model = gitprompts.openai.load_model(f"runs:/{run.info.run_id}/model")
    assert model.variables == ["topic", "question"]
    [answer] = model.predict({"topic": "git", "question": "What is a tag?"})
    pinned = "You answer questions about git in one line."
    assert answer == f"system: {pinned}\nuser: What is a tag?"
    request = server.requests[-1]
    assert request["authorization"] == f"Bearer {KEY}"  # from the environment at load time
    assert request["body"]["model"] == "gpt-4o-mini" and request["body"]["temperature"] == 0

    # from other threads and from asyncio tasks, the same pinned text
    seen: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: seen.append(model.predict({"topic": "t", "question": "q"})[0])
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def many() -> list[list[str | None]]:
        calls = [
            asyncio.to_thread(model.predict, {"topic": "t", "question": "q"}) for _ in range(3)
        ]
        return list(await asyncio.gather(*calls))

    seen += [str(a[0]) for a in asyncio.run(many())]
    assert seen == ["system: You answer questions about t in one line.\nuser: q"] * 6
    # everyone else sees the registry as it is
    assert gitprompts.load_prompt("qa@production").template == V2

    travels(
        info,
        qa,
        tmp_path,
        monkeypatch,
        load=gitprompts.openai.load_model,
        call=lambda m: str(m.predict({"topic": "git", "question": "?"})[0]),
        predict=lambda m: str(m.predict({"topic": "git", "question": "?"})),
        pinned=pinned,
    )
    # the key is read from the environment, never written with the model
    for path in (tmp_path / "gitprompts-home" / "artifacts").rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes()


def test_a_chat_prompt_as_the_messages_and_a_string_input(
    registry: gitprompts.Registry, server: ChatServer
) -> None:
    gitprompts.register_prompt(
        "support",
        [
            {"role": "system", "content": 'Answer as JSON {"answer": ...} for {{ company }}.'},
            {"role": "user", "content": "{{ question }}"},
        ],
    )
    chat = gitprompts.load_prompt("support", version=1)
    info = gitprompts.openai.log_model("gpt-4o-mini", "chat.completions", messages=chat)
    assert info.prompt_uris == ["prompts:/support/1"]
    model = gitprompts.pyfunc.load_model(info.model_uri)
    answers = model.predict([{"company": "Acme", "question": "Hours?"}])
    assert answers == ['system: Answer as JSON {"answer": ...} for Acme.\nuser: Hours?']
    plain = gitprompts.openai.log_model("gpt-4o-mini", "chat.completions", name="plain")
    assert gitprompts.openai.load_model(plain.model_uri).predict("Hi") == ["user: Hi"]


MODEL_CODE = """
import openai

import gitprompts

client = openai.OpenAI()  # key and base URL from the environment, here and at load time
AT_IMPORT = gitprompts.load_prompt("prompts:/qa@production")


def answer(question):
    at_call = gitprompts.load_prompt("qa@production")
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": AT_IMPORT.format(topic="import")},
            {"role": "system", "content": at_call.format(topic="call")},
            {"role": "user", "content": question},
        ],
    )
    return response.choices[0].message.content


gitprompts.set_model(answer)
"""


def test_models_from_code_capture_the_prompt_and_keep_it_at_import_and_call_time(
    qa: gitprompts.Registry, server: ChatServer, tmp_path: Path
) -> None:
    script = tmp_path / "support_bot.py"
    script.write_text(MODEL_CODE)
    info = gitprompts.openai.log_model(str(script), name="bot")
    assert info.flavor == "openai" and info.manifest.loader == "code"
    assert [(e.uri, e.version, e.source) for e in info.manifest.prompts] == [
        ("prompts:/qa@production", 1, "auto")
    ]
    gitprompts.set_prompt_alias("qa", "production", 2)
    model = gitprompts.openai.load_model(info.model_uri)
    expected = (
        "system: You answer questions about import in one line.\n"
        "system: You answer questions about call in one line.\nuser: Why?"
    )
    assert model.predict("Why?") == expected
    # the model's own function, called later from a thread or a task, stays pinned
    function = model.unwrap_python_model()
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(function("Why?")))
    thread.start()
    thread.join()
    seen.append(asyncio.run(asyncio.to_thread(function, "Why?")))
    assert seen == [expected, expected]
    assert KEY.encode() not in script.read_bytes()


def test_bad_arguments_are_refused_before_anything_is_written(
    qa: gitprompts.Registry, server: ChatServer, home: Path
) -> None:
    def fails(match: str, *args: object, **kwargs: object) -> None:
        with pytest.raises((errors.InvalidInputError, errors.NotFoundError), match=match):
            gitprompts.openai.log_model(*args, **kwargs)
        assert not (home / "artifacts" / "models").exists()

    fails("api_key cannot be stored", "gpt-4o-mini", "chat.completions", api_key="sk-x")
    fails("task 'embeddings' is not supported", "gpt-4o-mini", "embeddings")
    fails("messages entry 3", "gpt-4o-mini", messages=[3])
    fails("JSON values", "gpt-4o-mini", temperature=object())
    fails("cannot log model 42", 42)
    fails(
        "alias 'nope'", "gpt-4o-mini", messages=[{"role": "system", "content": "prompts:/qa@nope"}]
    )
    import openai

    info = gitprompts.openai.log_model("gpt-4o-mini", openai.chat.completions, messages=[])
    assert gitprompts.openai.load_model(info.model_uri).task == "chat.completions"


def test_without_the_openai_library_one_line_names_the_extra(
    qa: gitprompts.Registry, tmp_path: Path
) -> None:
    assert missing_extra_lines(
        "openai", "gitprompts.openai.log_model('gpt-4o-mini', 'chat.completions')"
    ) == [
        "the openai flavor needs 'openai', which is not installed: pip install 'gitprompts[openai]'"
    ]


def test_import_gitprompts_imports_no_flavor_library() -> None:
    code = (
        "import sys, gitprompts\n"
        "gitprompts.openai, gitprompts.llama_index, gitprompts.dspy, gitprompts.log_model\n"
        "print(sorted(m for m in ('openai', 'llama_index', 'dspy') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b'{"schema_version": 9, "model": ["x"]}', "schema_version 9 is newer"),
        (
            b'{"model": "m", "task": "chat.completions", "messages": [{"role": 1}]}',
            "invalid openai model",
        ),
        (b"\xff" * 10, "not a gitprompts openai model"),
        (b" " * (5 << 20), "larger than the 4194304-byte limit"),
    ],
)
def test_a_forged_model_file_is_refused_by_name(
    registry: gitprompts.Registry, server: ChatServer, tmp_path: Path, content: bytes, match: str
) -> None:
    from .flavor_checks import forge_entry

    info = gitprompts.openai.log_model("gpt-4o-mini", "chat.completions")
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    forge_entry(exported, "openai.json", content)
    with pytest.raises(errors.ModelError, match=match) as raised:
        gitprompts.openai.load_model(exported)
    assert "openai.json" in str(raised.value)
