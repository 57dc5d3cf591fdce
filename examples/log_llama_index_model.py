"""Log a LlamaIndex index whose question template is a registry prompt, and query it back.

Needs the ``llama-index`` extra: ``pip install '.[llama-index]'``.
Run: ``python examples/log_llama_index_model.py``. Offline: LlamaIndex's
``MockLLM`` answers with the prompt it was given (so the answer shows the
pinned template) and ``MockEmbedding`` embeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import require_extra, use_private_home  # noqa: E402

require_extra("examples/log_llama_index_model.py", "llama-index", "llama_index.core")
print("GITPROMPTS_HOME:", use_private_home())

from llama_index.core import Document, Settings, VectorStoreIndex  # noqa: E402
from llama_index.core.embeddings import MockEmbedding  # noqa: E402
from llama_index.core.llms import MockLLM  # noqa: E402

import gitprompts  # noqa: E402

Settings.llm = MockLLM()
Settings.embed_model = MockEmbedding(embed_dim=8)

# 1. A question-answering template; literal JSON braces stay literal in LlamaIndex.
if not gitprompts.load_prompt("qa-template", allow_missing=True):
    gitprompts.register_prompt(
        "qa-template",
        'Context: {{ context_str }}\nReply as JSON {"answer": ...} to: {{ query_str }}',
    )
    gitprompts.set_prompt_alias("qa-template", "production", 1)

# 2. Log an index with LlamaIndex's own persistence, its query template pinned.
index = VectorStoreIndex.from_documents([Document(text="A git tag names one commit for good.")])
info = gitprompts.llama_index.log_model(
    index,
    name="index",
    engine_type="query",
    model_config={"text_qa_template": "prompts:/qa-template@production", "similarity_top_k": 1},
)
print("logged:", info.model_uri)
for entry in info.manifest.prompts:
    print(f"  pinned prompt: {entry.uri} -> version {entry.version} ({entry.source})")

# 3. Move @production; the logged index keeps its pinned template.
v2 = gitprompts.register_prompt("qa-template", "Arr! {{ context_str }} {{ query_str }}")
gitprompts.set_prompt_alias("qa-template", "production", v2.version)
print("@production now points at version", v2.version)

# 4. Load it back and query it (MockLLM echoes the filled template).
model = gitprompts.pyfunc.load_model(info.model_uri)
print("answer:", model.predict("What is a tag?").replace("\n", " | "))
