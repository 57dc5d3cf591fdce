"""Seed example 2: log ``chatbot.py`` from code; its prompt is captured automatically.

Needs the ``langchain`` extra: ``pip install '.[langchain]'``.
Run: ``python examples/log_chatbot.py`` (offline with a fake chat model;
the real ChatOpenAI when OPENAI_API_KEY is set).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import require_langchain, use_private_home  # noqa: E402

require_langchain("examples/log_chatbot.py")
print("GITPROMPTS_HOME:", use_private_home())

import gitprompts  # noqa: E402

# 1. Create a prompt and point @production at it.
if not gitprompts.load_prompt("chat-prompt", allow_missing=True):
    gitprompts.register_prompt(
        name="chat-prompt",
        template="You are an expert in programming. "
        "Please answer the user's question about programming.",
    )
    gitprompts.set_prompt_alias("chat-prompt", "production", 1)

# 3. Log the graph from code, with no prompts= argument.
with gitprompts.start_run():
    model_info = gitprompts.langchain.log_model(
        str(HERE / "chatbot.py"), name="graph", code_paths=[str(HERE / "_common.py")]
    )
print("logged:", model_info.model_uri)
for entry in model_info.manifest.prompts:
    print(f"  captured prompt: {entry.uri} -> version {entry.version} ({entry.source})")

# Someone moves @production afterwards; the logged model keeps its pinned text.
v2 = gitprompts.register_prompt("chat-prompt", template="You are a pirate. Answer like one.")
gitprompts.set_prompt_alias("chat-prompt", "production", v2.version)
print("@production now points at version", v2.version)

# 4. Load the graph back and invoke it.
graph = gitprompts.langchain.load_model(model_info.model_uri)
result = graph.invoke(
    {
        "messages": [
            {
                "role": "user",
                "content": "What is the difference between multi-threading and multi-processing?",
            }
        ]
    }
)
for message in result["messages"]:
    print(f"  {message.type}: {message.content}")
