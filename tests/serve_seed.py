"""Populate a registry + artifact store for the serve tests and screenshots.

Run in a child process with GITPROMPTS_HOME set: ``python tests/serve_seed.py``.
Prints one JSON line: {"model_id": ..., "run_id": ..., "registry": ...}.
"""

from __future__ import annotations

import json
import sys

import gitprompts

HOSTILE = '<script>alert(1)</script> Summarize "{{ text }}" & </pre><img src=x onerror=alert(2)>'
LONG = "word " * 400 + "x" * 3000 + " {{ tail }}"


def summarize(model_input: object) -> str:
    prompt = gitprompts.load_prompt("prompts:/summarization-prompt@production")
    assert prompt is not None
    return str(prompt.format(num_sentences=1, sentences=str(model_input)))


def main() -> None:
    reg = gitprompts.get_registry()
    gitprompts.register_prompt(
        "summarization-prompt",
        "Summarize in {{ num_sentences }} sentences: {{ sentences }}",
        commit_message="First draft",
        tags={"team": "search"},
    )
    gitprompts.register_prompt(
        "summarization-prompt",
        "You are a careful editor.\nSummarize the text below in {{ num_sentences }} "
        "plain sentences, no jargon.\n\nText:\n{{ sentences }}",
        commit_message="Plainer wording, keep jargon out",
        tags={"team": "search"},
        model_config={"temperature": 0.2, "max_tokens": 200},
    )
    gitprompts.set_prompt_alias("summarization-prompt", "production", 2)
    gitprompts.register_prompt(
        "support-chat",
        [
            {"role": "system", "content": "You help customers of {{ company }}. Be brief."},
            {"role": "user", "content": "{{ question }}"},
        ],
        commit_message="Chat prompt for support",
        response_format={"type": "object", "properties": {"answer": {"type": "string"}}},
        tags={"team": "support"},
    )
    gitprompts.register_prompt("hostile", HOSTILE, commit_message="<b>bold</b> message")
    gitprompts.register_prompt("hostile", HOSTILE + "\nmore", commit_message="second")
    gitprompts.register_prompt("long-line", LONG, commit_message="very long line")
    gitprompts.register_prompt(
        "multilingual",
        "日本語で要約してください: {{ text }}\nПереведите: {{ text }}\nالعربية {{ text }}",
        commit_message="non-Latin scripts: 日本語, русский, العربية",
    )
    with gitprompts.start_run(run_name="summarizer-model") as run:
        info = gitprompts.log_model(
            summarize, "model", prompts=["prompts:/summarization-prompt@production"]
        )
        gitprompts.log_model(summarize, "chat-model", prompts=["prompts:/support-chat/1"])
    print(
        json.dumps(
            {"model_id": info.model_id, "run_id": run.info.run_id, "registry": str(reg.path)}
        )
    )


if __name__ == "__main__":
    sys.exit(main())
