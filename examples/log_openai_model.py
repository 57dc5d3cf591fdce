"""Log an OpenAI chat model whose system message is a registry prompt, and call it back.

Needs the ``openai`` extra: ``pip install '.[openai]'``.
Run: ``python examples/log_openai_model.py``. Offline by default: a local
stand-in for the chat-completions API on 127.0.0.1 answers with the messages
it was sent. With OPENAI_API_KEY set, the real API answers (gpt-4o-mini).
"""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import require_extra, use_private_home  # noqa: E402

require_extra("examples/log_openai_model.py", "openai", "openai")
print("GITPROMPTS_HOME:", use_private_home())

import _chat_server  # noqa: E402

import gitprompts  # noqa: E402

real = bool(os.environ.get("OPENAI_API_KEY"))
with nullcontext() if real else _chat_server.running() as server:
    if server is not None:
        # The stand-in: no key is needed, but the client wants one from the environment.
        os.environ["OPENAI_BASE_URL"] = server.base_url
        os.environ["OPENAI_API_KEY"] = "offline-example"
    print("answering:", "the OpenAI API" if real else f"a local stand-in at {server.base_url}")

    # 1. A system prompt, with @production on version 1.
    if not gitprompts.load_prompt("support-system", allow_missing=True):
        gitprompts.register_prompt(
            "support-system",
            "You answer questions about {{ product }} in one short sentence.",
            commit_message="first draft",
        )
        gitprompts.set_prompt_alias("support-system", "production", 1)

    # 2. Log the model: the system message is the prompt, pinned with the model.
    with gitprompts.start_run(run_name="support-bot") as run:
        info = gitprompts.openai.log_model(
            "gpt-4o-mini",
            "chat.completions",
            name="model",
            messages=[
                {"role": "system", "content": "prompts:/support-system@production"},
                {"role": "user", "content": "{question}"},
            ],
            temperature=0,
        )
    print("logged:", info.model_uri)
    for entry in info.manifest.prompts:
        print(f"  pinned prompt: {entry.uri} -> version {entry.version} ({entry.source})")

    # 3. Someone moves @production; the logged model keeps its pinned text.
    v2 = gitprompts.register_prompt("support-system", "Talk like a pirate about {{ product }}.")
    gitprompts.set_prompt_alias("support-system", "production", v2.version)
    print("@production now points at version", v2.version)

    # 4. Load it back (the key comes from the environment, never from the model) and call it.
    model = gitprompts.openai.load_model(f"runs:/{run.info.run_id}/model")
    [answer] = model.predict({"product": "git", "question": "What is a tag?"})
    print("answer:", answer.replace("\n", " | ") if answer else answer)
