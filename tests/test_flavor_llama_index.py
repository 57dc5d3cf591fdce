"""The llama_index flavor with LlamaIndex's own test doubles: ``MockLLM`` and ``MockEmbedding``.

``MockLLM`` answers with the prompt it was given, so the answer shows exactly
which template text reached the LLM.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors

pytest.importorskip("llama_index.core")

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

from .flavor_checks import missing_extra_lines, travels, two_versions

V1 = 'Context: {{ context_str }}\nAnswer as JSON {"answer": ...}: {{ query_str }}'
V2 = "Arr, pirate context {{ context_str }}: {{ query_str }}"
PINNED = 'Context: Git stores snapshots.\nAnswer as JSON {"answer": ...}: What is a commit?'


@pytest.fixture
def mocks() -> Iterator[None]:
    """LlamaIndex's global Settings hold the mocks while the index is built and logged."""
    Settings.llm = MockLLM()
    Settings.embed_model = MockEmbedding(embed_dim=8)
    yield
    Settings._llm = None
    Settings._embed_model = None


@pytest.fixture
def qa(registry: gitprompts.Registry) -> gitprompts.Registry:
    two_versions("qa", V1, V2)
    return registry


def _index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents([Document(text="Git stores snapshots.")])


def test_an_index_logged_with_a_pinned_template_answers_with_it_after_the_alias_moves(
    qa: gitprompts.Registry, mocks: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = gitprompts.llama_index.log_model(
        _index(),
        name="index",
        engine_type="query",
        model_config={"text_qa_template": "prompts:/qa@production", "similarity_top_k": 1},
    )
    assert (info.flavor, info.manifest.loader) == ("llama_index", "llama-index-persist")
    assert [(e.uri, e.version, e.source) for e in info.manifest.prompts] == [
        ("prompts:/qa@production", 1, "explicit")
    ]
    gitprompts.set_prompt_alias("qa", "production", 2)
    # The LLM and the embedding model come back from the model, not from Settings.
    Settings._llm = None
    Settings._embed_model = None

    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict("What is a commit?") == PINNED
    assert model.predict(["What is a commit?"]) == [PINNED]
    index = gitprompts.llama_index.load_model(info.model_uri)
    engine = index.as_query_engine()
    assert str(engine.query("What is a commit?")) == PINNED
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(str(engine.query("What is a commit?"))))
    thread.start()
    thread.join()

    async def many() -> list[str]:
        answers = await asyncio.gather(*(engine.aquery("What is a commit?") for _ in range(3)))
        return [str(a) for a in answers]

    seen += asyncio.run(many())
    assert seen == [PINNED] * 4

    travels(
        info,
        qa,
        tmp_path,
        monkeypatch,
        load=gitprompts.pyfunc.load_model,
        call=lambda m: str(m.predict("What is a commit?")),
        predict=lambda m: str(m.predict({"query_str": "What is a commit?"})),
        pinned=PINNED,
    )


def test_prompt_template_keeps_literal_braces_and_refuses_a_brace_word(
    registry: gitprompts.Registry,
) -> None:
    gitprompts.register_prompt("json", 'Reply as JSON {"a": {{ x }}, "b": [1, 2]}')
    template = gitprompts.llama_index.prompt_template(gitprompts.load_prompt("json/1"))
    assert template.template_vars == ["x"]
    assert template.format(x=1) == 'Reply as JSON {"a": 1, "b": [1, 2]}'
    gitprompts.register_prompt("chat", [{"role": "system", "content": "Be {{ tone }} {x: 1}."}])
    chat = gitprompts.llama_index.prompt_template(gitprompts.load_prompt("chat/1"))
    assert chat.format_messages(tone="brief")[0].content == "Be brief {x: 1}."
    gitprompts.register_prompt("word", "Fill {{ x }} but not {word}")
    with pytest.raises(errors.InvalidTemplateError, match="would read word as variables"):
        gitprompts.llama_index.prompt_template(gitprompts.load_prompt("word/1"))


WORKFLOW = """
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.workflow import StartEvent, StopEvent, Workflow, step

import gitprompts

TEMPLATE = gitprompts.load_prompt("prompts:/qa@production")  # at import time
index = VectorStoreIndex.from_documents(
    [Document(text="Git stores snapshots.")], embed_model=MockEmbedding(embed_dim=8)
)
engine = index.as_query_engine(
    llm=MockLLM(), text_qa_template=gitprompts.llama_index.prompt_template(TEMPLATE)
)


class Answer(Workflow):
    @step
    async def answer(self, ev: StartEvent) -> StopEvent:
        style = gitprompts.load_prompt("style@production")  # at call time
        reply = await engine.aquery(ev.query_str)
        return StopEvent(result=f"{style.template} | {reply}")


gitprompts.set_model(Answer(timeout=30))
"""


def test_a_workflow_from_code_keeps_its_prompts_at_import_and_call_time(
    qa: gitprompts.Registry, tmp_path: Path
) -> None:
    two_versions("style", "Be brief.", "Be loud!")
    script = tmp_path / "answer_flow.py"
    script.write_text(WORKFLOW)
    # The call-time prompt is not loaded while logging: name it in prompts=.
    info = gitprompts.llama_index.log_model(str(script), name="flow", prompts=["style@production"])
    assert (info.flavor, info.manifest.loader) == ("llama_index", "code")
    assert sorted((e.uri, e.version, e.source) for e in info.manifest.prompts) == [
        ("prompts:/qa@production", 1, "auto"),
        ("style@production", 1, "explicit"),
    ]
    gitprompts.set_prompt_alias("qa", "production", 2)
    gitprompts.set_prompt_alias("style", "production", 2)
    expected = f"Be brief. | {PINNED}"
    flow = gitprompts.llama_index.load_model(info.model_uri)

    async def twice() -> list[str]:
        runs = [flow.run(query_str="What is a commit?") for _ in range(2)]
        return [str(r) for r in await asyncio.gather(*runs)]

    assert asyncio.run(twice()) == [expected, expected]
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict({"query_str": "What is a commit?"}) == expected


def test_engines_are_refused_with_how_to_log_them(
    qa: gitprompts.Registry, mocks: None, home: Path
) -> None:
    with pytest.raises(errors.InvalidModelError, match="log an engine or a workflow from a script"):
        gitprompts.llama_index.log_model(_index().as_query_engine())
    with pytest.raises(errors.InvalidInputError, match="engine_type 'sql' is not one of"):
        gitprompts.llama_index.log_model(_index(), engine_type="sql")
    with pytest.raises(errors.InvalidInputError, match="engine_type= and model_config= are for"):
        gitprompts.llama_index.log_model("engine.py", engine_type="query")
    assert not (home / "artifacts" / "models").exists()


def test_without_llama_index_one_line_names_the_extra(registry: gitprompts.Registry) -> None:
    assert missing_extra_lines("llama_index", "gitprompts.llama_index.log_model(object())") == [
        "the llama_index flavor needs 'llama_index.core', which is not installed: "
        "pip install 'gitprompts[llama-index]'"
    ]


def test_gitprompts_log_model_detects_an_index(qa: gitprompts.Registry, mocks: None) -> None:
    info = gitprompts.log_model(_index(), name="index", prompts=["qa/1"])
    assert (info.flavor, info.manifest.loader) == ("llama_index", "llama-index-persist")
    index = gitprompts.load_model(info.model_uri)
    assert isinstance(index, VectorStoreIndex)


def test_a_chat_engine_gets_its_pinned_system_prompt(
    registry: gitprompts.Registry, mocks: None
) -> None:
    two_versions("terse", "You are terse; braces {stay} as written.", "You are chatty.")
    info = gitprompts.llama_index.log_model(
        _index(),
        engine_type="chat",
        model_config={"chat_mode": "simple", "system_prompt": "prompts:/terse@production"},
    )
    gitprompts.set_prompt_alias("terse", "production", 2)
    expected = "system: You are terse; braces {stay} as written.\nuser: Hi\nassistant: "
    # LlamaIndex's chat memory leaves an aiosqlite connection unclosed: its
    # ResourceWarning is LlamaIndex's, so the engines are collected here, inside
    # this test, where it is ignored (not in whichever test the GC next runs in).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        model = gitprompts.pyfunc.load_model(info.model_uri)
        assert model.predict({"message": "Hi"}) == expected
        index = gitprompts.llama_index.load_model(info.model_uri)
        assert str(index.as_chat_engine().chat("Hi")) == expected
        # the other engines get the stored LLM, not the chat settings
        assert type(index.as_query_engine()).__name__ == "RetrieverQueryEngine"
        del model, index
        gc.collect()
