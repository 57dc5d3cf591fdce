"""The langchain flavor with LangChain's fake chat models: no network."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gitprompts

pytest.importorskip("langchain_core")
pytest.importorskip("langgraph")

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def summarization(registry: gitprompts.Registry) -> gitprompts.Registry:
    gitprompts.register_prompt("summarization-prompt", "Summarize: {{ sentences }}")
    gitprompts.register_prompt(
        "summarization-prompt",
        "Summarize the content in {{ num_sentences }} sentences: {{ sentences }}",
    )
    gitprompts.set_prompt_alias("summarization-prompt", "production", 2)
    return registry


def test_seed_example_1_chain_logged_with_explicit_prompt(
    summarization: gitprompts.Registry,
) -> None:
    prompt = gitprompts.load_prompt("prompts:/summarization-prompt/2")
    langchain_prompt = ChatPromptTemplate.from_messages(
        [("system", prompt.to_single_brace_format()), ("placeholder", "{messages}")]
    )
    chain = langchain_prompt | FakeListChatModel(responses=["short."])
    with gitprompts.start_run(run_name="summarizer-model") as run:
        info = gitprompts.langchain.log_model(
            chain, name="model", prompts=["prompts:/summarization-prompt/2"]
        )
    assert info.flavor == "langchain"
    assert info.manifest.loader == "pickle"  # the fake model has no LangChain serialisation
    assert info.prompt_uris == ["prompts:/summarization-prompt/2"]
    loaded = gitprompts.load_model(f"runs:/{run.info.run_id}/model")
    assert loaded.invoke({"num_sentences": 1, "sentences": "A."}).content == "short."
    assert type(loaded) is type(chain)
    assert [m.model_id for m in gitprompts.search_models(prompt="summarization-prompt/2")] == [
        info.model_id
    ]


def test_serialisable_runnables_use_langchain_json(summarization: gitprompts.Registry) -> None:
    template = ChatPromptTemplate.from_messages([("system", "Be {style}.")])
    info = gitprompts.log_model(template, name="template")
    assert (info.flavor, info.manifest.loader) == ("langchain", "langchain-json")
    loaded = gitprompts.langchain.load_model(info.model_uri)
    assert loaded.invoke({"style": "brief"}).to_messages()[0].content == "Be brief."


def test_invoke_sees_pins_for_call_time_loads(summarization: gitprompts.Registry) -> None:
    def system_text(_: object) -> str:
        return gitprompts.load_prompt("summarization-prompt@production").template

    chain = RunnableLambda(system_text)
    info = gitprompts.langchain.log_model(
        chain, name="lambda", prompts=["prompts:/summarization-prompt@production"]
    )
    gitprompts.set_prompt_alias("summarization-prompt", "production", 1)
    loaded = gitprompts.langchain.load_model(info.model_uri)
    pinned = "Summarize the content in {{ num_sentences }} sentences: {{ sentences }}"
    assert loaded.invoke({}) == pinned
    assert loaded.batch([{}, {}]) == [pinned, pinned]
    assert list(loaded.stream({})) == [pinned]
    assert asyncio.run(loaded.ainvoke({})) == pinned
    # Outside the model, the registry answers.
    assert system_text(None) == "Summarize: {{ sentences }}"


def test_seed_example_2_graph_from_code(registry: gitprompts.Registry, tmp_path: Path) -> None:
    gitprompts.register_prompt("chat-prompt", "You are an expert in programming.")
    gitprompts.set_prompt_alias("chat-prompt", "production", 1)
    examples = ROOT / "examples"
    with gitprompts.start_run():
        info = gitprompts.langchain.log_model(
            str(examples / "chatbot.py"), name="graph", code_paths=[str(examples / "_common.py")]
        )
    assert [(e.uri, e.version, e.source) for e in info.manifest.prompts] == [
        ("prompts:/chat-prompt@production", 1, "auto")
    ]
    gitprompts.register_prompt("chat-prompt", "You are a pirate.")
    gitprompts.set_prompt_alias("chat-prompt", "production", 2)
    graph = gitprompts.langchain.load_model(info.model_uri)
    result = graph.invoke({"messages": [{"role": "user", "content": "Threads or processes?"}]})
    system = [m.content for m in result["messages"] if m.type == "system"]
    assert system == ["You are an expert in programming."]
    assert result["messages"][-1].type == "ai"


@pytest.mark.parametrize("example", ["summarization_chain.py", "log_chatbot.py"])
def test_examples_run_offline(example: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["GITPROMPTS_HOME"] = str(tmp_path / "example-home")
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / example)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "logged: models:/" in result.stdout
    if example == "log_chatbot.py":
        assert (
            "captured prompt: prompts:/chat-prompt@production -> version 1 (auto)" in result.stdout
        )
        assert "system: You are an expert in programming." in result.stdout
    else:
        assert (
            "pinned prompt: prompts:/summarization-prompt/2 -> version 2 (explicit)"
            in result.stdout
        )


def test_loading_a_langchain_model_without_langchain_says_which_extra(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    """In a process where LangChain cannot be imported: one ModelError naming the extra."""
    import subprocess
    import sys

    from langchain_core.prompts import PromptTemplate

    info = gitprompts.langchain.log_model(PromptTemplate.from_template("Hi {x}"), name="t")
    assert info.manifest.loader == "langchain-json"
    code = (
        "import sys\n"
        "class NoLangChain:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('langchain_core', 'langgraph'):\n"
        "            raise ImportError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, NoLangChain())\n"
        "import gitprompts\n"
        "try:\n"
        "    gitprompts.load_model(sys.argv[1])\n"
        "except gitprompts.errors.ModelError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, info.model_uri], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "pip install 'gitprompts[langchain]'" in run.stdout
