"""The dspy flavor with DSPy's own test double, ``DummyLM``, whose history shows what it was sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors

pytest.importorskip("dspy")

import dspy
from dspy.teleprompt import LabeledFewShot
from dspy.utils import DummyLM

from .flavor_checks import missing_extra_lines, travels, two_versions

V1 = "Answer like a careful engineer, in one sentence."
V2 = "Answer like a pirate."
TRAIN = [dspy.Example(question="What is 2+2?", answer="4").with_inputs("question")]


@pytest.fixture
def lm() -> Iterator[DummyLM]:
    dummy = DummyLM([{"answer": "Snapshots."}] * 100)
    dspy.configure(lm=dummy)
    yield dummy
    dspy.configure(lm=None)


@pytest.fixture
def qa(registry: gitprompts.Registry) -> gitprompts.Registry:
    two_versions("qa-instructions", V1, V2)
    return registry


def _sent(lm: DummyLM) -> str:
    """Everything the last call sent to the LM."""
    return "\n".join(str(m["content"]) for m in lm.history[-1]["messages"])


def test_an_optimized_program_keeps_its_instructions_and_demos_after_the_alias_moves(
    qa: gitprompts.Registry, lm: DummyLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instructions = gitprompts.load_prompt("prompts:/qa-instructions@production").template
    program = dspy.Predict(dspy.Signature("question -> answer", instructions))
    compiled = LabeledFewShot(k=1).compile(program, trainset=TRAIN)
    info = gitprompts.dspy.log_model(
        compiled, name="qa", prompts=["prompts:/qa-instructions@production"]
    )
    assert (info.flavor, info.manifest.loader) == ("dspy", "dspy-program")
    assert info.prompt_uris == ["prompts:/qa-instructions/1"]
    gitprompts.set_prompt_alias("qa-instructions", "production", 2)

    loaded = gitprompts.dspy.load_model(info.model_uri)
    assert loaded(question="What is a commit?").answer == "Snapshots."
    sent = _sent(lm)
    assert V1 in sent and "What is 2+2?" in sent and V2 not in sent  # instructions and demo
    assert [d.question for d in loaded.demos] == ["What is 2+2?"]
    assert gitprompts.dspy.load_model(info.model_uri).signature.instructions == V1

    travels(
        info,
        qa,
        tmp_path,
        monkeypatch,
        load=gitprompts.dspy.load_model,
        call=lambda m: (m(question="Why?"), _sent(lm))[1],
        predict=lambda m: (m.predict({"question": "Why?"}), _sent(lm))[1],
        pinned=V1,
    )


PROGRAM = """
from pathlib import Path

import dspy

import gitprompts

INSTRUCTIONS = gitprompts.load_prompt("prompts:/qa-instructions@production")  # import time


class QA(dspy.Module):
    def __init__(self):
        super().__init__()
        self.respond = dspy.Predict(dspy.Signature("question -> answer", INSTRUCTIONS.template))

    def forward(self, question):
        style = gitprompts.load_prompt("qa-style@production")  # call time
        return self.respond(question=f"{question} ({style.template})")


program = QA()
state = Path(__file__).with_name("qa_state.json")
if state.exists():  # the optimized state, shipped beside the code (code_paths=)
    program.load(str(state))
gitprompts.set_model(program)
"""


def test_a_program_from_code_with_its_optimized_state_stays_pinned_in_threads_and_tasks(
    qa: gitprompts.Registry, lm: DummyLM, tmp_path: Path
) -> None:
    two_versions("qa-style", "Be brief.", "Shout!")
    script = tmp_path / "qa_program.py"
    script.write_text(PROGRAM)
    # Optimize the same program here and save its state (what an optimizer run leaves).
    namespace: dict[str, object] = {"__file__": str(tmp_path / "elsewhere.py")}
    exec(compile(PROGRAM, "qa_program.py", "exec"), namespace)
    state = tmp_path / "qa_state.json"
    LabeledFewShot(k=1).compile(namespace["program"], trainset=TRAIN).save(str(state))

    info = gitprompts.dspy.log_model(
        str(script), name="qa", prompts=["qa-style@production"], code_paths=[str(state)]
    )
    assert (info.flavor, info.manifest.loader) == ("dspy", "code")
    assert sorted((e.uri, e.version, e.source) for e in info.manifest.prompts) == [
        ("prompts:/qa-instructions@production", 1, "auto"),
        ("qa-style@production", 1, "explicit"),
    ]
    gitprompts.set_prompt_alias("qa-instructions", "production", 2)
    gitprompts.set_prompt_alias("qa-style", "production", 2)

    program = gitprompts.dspy.load_model(info.model_uri)
    seen: list[str] = []

    def ask() -> None:
        program(question="Why?")
        seen.append(_sent(lm))

    ask()
    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    asyncio.run(asyncio.to_thread(ask))
    for sent in seen:
        assert V1 in sent and "Why? (Be brief.)" in sent and "What is 2+2?" in sent
        assert V2 not in sent and "Shout!" not in sent
    assert len(seen) == 3
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict({"question": "Why?"}) == {"answer": "Snapshots."}


def test_bad_input_is_refused(qa: gitprompts.Registry, lm: DummyLM, home: Path) -> None:
    with pytest.raises(errors.InvalidModelError, match="expected a DSPy module"):
        gitprompts.dspy.log_model(lambda q: q)
    assert not (home / "artifacts" / "models").exists()
    info = gitprompts.dspy.log_model(dspy.Predict("question -> answer"), name="plain")
    with pytest.raises(errors.InvalidInputError, match="a dict of its input fields"):
        gitprompts.pyfunc.load_model(info.model_uri).predict("Why?")
    with pytest.raises(errors.InvalidInputError, match="logged with flavor 'dspy', not 'openai'"):
        gitprompts.models.api.load_raw(info.model_uri, flavor="openai")


def test_without_dspy_one_line_names_the_extra(registry: gitprompts.Registry) -> None:
    assert missing_extra_lines("dspy", "gitprompts.dspy.log_model(object())") == [
        "the dspy flavor needs 'dspy', which is not installed: pip install 'gitprompts[dspy]'"
    ]


def test_gitprompts_log_model_detects_a_program(qa: gitprompts.Registry, lm: DummyLM) -> None:
    info = gitprompts.log_model(dspy.Predict("question -> answer"), name="plain")
    assert (info.flavor, info.manifest.loader) == ("dspy", "dspy-program")
    assert gitprompts.load_model(info.model_uri)(question="Why?").answer == "Snapshots."


@pytest.mark.parametrize(
    ("files", "match"),
    [
        ({"../program.pkl": b"x"}, "not a plain file name"),
        ({"metadata.json": b"{}"}, r"not a saved DSPy program \(KeyError: 'dependency_versions'\)"),
        (
            {"metadata.json": b'{"dependency_versions": {}}', "program.pkl": b"not a pickle"},
            "DSPy could not load the program",
        ),
    ],
)
def test_a_forged_bundle_is_refused_by_name(
    registry: gitprompts.Registry, lm: DummyLM, tmp_path: Path, files: dict[str, bytes], match: str
) -> None:
    from gitprompts.models.flavors import bundle

    from .flavor_checks import forge_entry

    info = gitprompts.dspy.log_model(dspy.Predict("question -> answer"))
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    forge_entry(exported, "dspy.bundle", bundle.pack_files(files))
    with pytest.raises(errors.ModelError, match=match):
        gitprompts.dspy.load_model(exported)
    forge_entry(exported, "dspy.bundle", b"\xc1 not msgpack")
    with pytest.raises(errors.ModelError, match="bundle cannot be read"):
        gitprompts.dspy.load_model(exported)


def test_a_program_saved_with_other_versions_loads_with_dspy_s_warning(
    registry: gitprompts.Registry,
    lm: DummyLM,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import cloudpickle

    from gitprompts.models.flavors import bundle

    from .flavor_checks import forge_entry

    info = gitprompts.dspy.log_model(dspy.Predict("question -> answer"))
    exported = gitprompts.save_model(info.model_uri, tmp_path / "export")
    files = {
        "metadata.json": b'{"dependency_versions": {"dspy": "0.0.1"}}',
        "program.pkl": cloudpickle.dumps(dspy.Predict("question -> answer")),
    }
    forge_entry(exported, "dspy.bundle", bundle.pack_files(files))
    with caplog.at_level("WARNING", logger="dspy.primitives.base_module"):
        program = gitprompts.dspy.load_model(exported)
    assert program(question="Why?").answer == "Snapshots."
    assert "was saved with dspy==0.0.1 and is loaded with dspy==" in caplog.text
