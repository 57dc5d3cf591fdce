"""Seed example 1: log a LangChain chain with ``prompts=["prompts:/summarization-prompt/2"]``.

Needs the ``langchain`` extra: ``pip install '.[langchain]'``.
Run: ``python examples/summarization_chain.py`` (offline with a fake chat model;
the real ChatOpenAI when OPENAI_API_KEY is set).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from _common import chat_model, require_langchain, use_private_home

require_langchain("examples/summarization_chain.py")
print("GITPROMPTS_HOME:", use_private_home())

from langchain_core.prompts import ChatPromptTemplate  # noqa: E402

import gitprompts  # noqa: E402

# 1. Create a prompt (two versions, so that version 2 is the one we pin).
if not gitprompts.load_prompt("summarization-prompt", allow_missing=True):
    gitprompts.register_prompt(
        "summarization-prompt", "Summarize this: {{ sentences }}", commit_message="first draft"
    )
    gitprompts.register_prompt(
        "summarization-prompt",
        "Summarize the content in {{ num_sentences }} sentences: {{ sentences }}",
        commit_message="ask for a length",
    )

# 2. Define a chain using the registered prompt.
prompt = gitprompts.load_prompt("prompts:/summarization-prompt/2")
langchain_prompt = ChatPromptTemplate.from_messages(
    [("system", prompt.to_single_brace_format()), ("placeholder", "{messages}")]
)
llm = chat_model("This is a one-sentence summary.")
chain = langchain_prompt | llm
response = chain.invoke({"num_sentences": 1, "sentences": "This is a test sentence."})
print("chain answer:", response.content)

# 3. Log the chain with its prompt pinned.
with gitprompts.start_run(run_name="summarizer-model") as run:
    info = gitprompts.langchain.log_model(
        chain, name="model", prompts=["prompts:/summarization-prompt/2"]
    )
print("logged:", info.model_uri)
print("  also as:", f"runs:/{run.info.run_id}/model")
print("  stored as:", info.manifest.loader)
for entry in info.manifest.prompts:
    print(f"  pinned prompt: {entry.uri} -> version {entry.version} ({entry.source})")

# Both directions of the link.
print("prompts of the model:", [p.uri for p in gitprompts.get_model_info(info.model_uri).prompts])
users = gitprompts.search_models(prompt="summarization-prompt/2")
print("models using summarization-prompt/2:", [m.model_uri for m in users])

# Load it back (a new version of the prompt does not change the logged model).
gitprompts.register_prompt("summarization-prompt", "Summarize rudely: {{ sentences }}")
loaded = gitprompts.load_model(f"runs:/{run.info.run_id}/model")
answer = loaded.invoke({"num_sentences": 1, "sentences": "This is a test sentence."})
print("reloaded chain answer:", answer.content)
