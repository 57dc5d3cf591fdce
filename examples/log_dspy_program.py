"""Log an optimized DSPy program whose instructions are a registry prompt, and call it back.

Needs the ``dspy`` extra: ``pip install '.[dspy]'``.
Run: ``python examples/log_dspy_program.py``. Offline: DSPy's ``DummyLM``
answers, and its history shows what the program sent.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import require_extra, use_private_home  # noqa: E402

require_extra("examples/log_dspy_program.py", "dspy", "dspy")
print("GITPROMPTS_HOME:", use_private_home())

import dspy  # noqa: E402
from dspy.teleprompt import LabeledFewShot  # noqa: E402
from dspy.utils import DummyLM  # noqa: E402

import gitprompts  # noqa: E402

lm = DummyLM([{"answer": "A tag names one commit."}] * 10)
dspy.configure(lm=lm)

# 1. The instructions live in the registry.
if not gitprompts.load_prompt("qa-instructions", allow_missing=True):
    gitprompts.register_prompt("qa-instructions", "Answer like a careful engineer.")
    gitprompts.set_prompt_alias("qa-instructions", "production", 1)

# 2. A program built from them, optimized with one labelled example.
instructions = gitprompts.load_prompt("prompts:/qa-instructions@production")
program = dspy.Predict(dspy.Signature("question -> answer", instructions.template))
branch = dspy.Example(question="What is a branch?", answer="A moving name.")
trainset = [branch.with_inputs("question")]
compiled = LabeledFewShot(k=1).compile(program, trainset=trainset)

# 3. Log it with DSPy's own save: the demos travel with the model.
info = gitprompts.dspy.log_model(
    compiled, name="qa", prompts=["prompts:/qa-instructions@production"]
)
print("logged:", info.model_uri)
for entry in info.manifest.prompts:
    print(f"  pinned prompt: {entry.uri} -> version {entry.version} ({entry.source})")

# 4. Move @production, load the program back and call it.
v2 = gitprompts.register_prompt("qa-instructions", "Answer like a pirate.")
gitprompts.set_prompt_alias("qa-instructions", "production", v2.version)
print("@production now points at version", v2.version)
loaded = gitprompts.dspy.load_model(info.model_uri)
print("answer:", loaded(question="What is a tag?").answer)
print("instructions sent:", loaded.signature.instructions)
print("demos kept:", [d.question for d in loaded.demos])
