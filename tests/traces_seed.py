"""Seed example 2 with tracing on, in a child process: the registry, the model and one trace.

Run as a script with GITPROMPTS_HOME set; prints one JSON line:
``{"model_id", "trace_id"}``. The system prompt and the question hold
markup, so the pages that show them must escape it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HOSTILE_PROMPT = "You are an expert in programming. <img src=x onerror=alert(1)>"
HOSTILE_QUESTION = "<script>alert('q')</script> Threads or processes?"


def main() -> None:
    import gitprompts
    from gitprompts import tracing
    from gitprompts.tracing.store import TraceStore

    gitprompts.register_prompt("chat-prompt", HOSTILE_PROMPT, commit_message="first")
    gitprompts.set_prompt_alias("chat-prompt", "production", 1)
    with gitprompts.start_run(run_name="chatbot"):
        info = gitprompts.langchain.log_model(
            str(EXAMPLES / "chatbot.py"), name="graph", code_paths=[str(EXAMPLES / "_common.py")]
        )
    gitprompts.register_prompt("chat-prompt", "You are a pirate.", commit_message="second")
    gitprompts.set_prompt_alias("chat-prompt", "production", 2)
    gitprompts.langchain.autolog()
    graph = gitprompts.langchain.load_model(info.model_uri)
    graph.invoke({"messages": [{"role": "user", "content": HOSTILE_QUESTION}]})
    tracing.flush()
    (trace,) = TraceStore().traces()
    print(json.dumps({"model_id": info.model_id, "trace_id": trace.trace_id}))


if __name__ == "__main__":
    sys.exit(main())
