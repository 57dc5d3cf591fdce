"""The core story of gitprompts in a few seconds, as plain API calls.

``gitprompts demo`` runs it; so can anyone::

    >>> from gitprompts import demo
    >>> demo.run(print)   # doctest: +SKIP

It registers two versions of ``demo-summarize``, points ``production`` at
the second, shows the diff, loads ``@production`` and formats it. When the
model API is present it also logs a tiny model pinned to ``@production``,
moves the alias on, and shows that the reloaded model still uses the pinned
text. Every run adds new versions, so it works again and again on one home.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gitprompts
from gitprompts.core.diff import unified_rows

NAME = "demo-summarize"
PRODUCTION = f"prompts:/{NAME}@production"
FIRST = "Summarize in {{ num_sentences }} sentences: {{ sentences }}"
SECOND = "Summarize in {{ num_sentences }} plain sentences, no jargon:\n{{ sentences }}"
THIRD = "You are terse. Summarize in {{ num_sentences }} sentence(s):\n{{ sentences }}"
INPUT: dict[str, Any] = {
    "num_sentences": 2,
    "sentences": "Git stores snapshots. Tags name versions. Aliases move.",
}


def summarize(model_input: Any) -> str:
    """The demo model: asks for ``@production`` at call time, like real model code does."""
    prompt = gitprompts.load_prompt(PRODUCTION)
    assert prompt is not None
    values: dict[str, Any] = model_input if isinstance(model_input, dict) else INPUT
    return str(prompt.format(**values))


def run(say: Callable[[str], None] = print) -> None:
    """Walk through the story, describing each step with ``say``."""

    def step(title: str, code: str) -> None:
        say("")
        say(f"== {title}")
        say(f">>> {code}")

    say(f"registry: {gitprompts.get_registry().path}")

    step("Register a prompt", f"gitprompts.register_prompt({NAME!r}, {FIRST!r})")
    v1 = gitprompts.register_prompt(NAME, FIRST, commit_message="First draft")
    say(f"{v1.uri}  variables: {', '.join(sorted(v1.variables))}")

    step("Register a second version", f"gitprompts.register_prompt({NAME!r}, ...)")
    v2 = gitprompts.register_prompt(NAME, SECOND, commit_message="Plainer wording")
    say(v2.uri)

    step(
        "Point production at it",
        f"gitprompts.set_prompt_alias({NAME!r}, 'production', {v2.version})",
    )
    gitprompts.set_prompt_alias(NAME, "production", v2.version)

    say("")
    say(f"== What changed from version {v1.version} to {v2.version}")
    # The tour reads lines; `gitprompts diff` also notes a missing final newline.
    for row in unified_rows(v1.template, v2.template, v1.uri, v2.uri, ignore_line_endings=True):
        say(row.text)

    step("Load @production and format it", f"gitprompts.load_prompt({PRODUCTION!r}).format(...)")
    production = gitprompts.load_prompt(PRODUCTION)
    assert production is not None
    say(f"{production.uri}:")
    say(str(production.format(**INPUT)))

    _model_story(say, step, v2)
    say("")
    say("Try: gitprompts list; gitprompts log demo-summarize; gitprompts diff demo-summarize")


def _model_story(say: Callable[[str], None], step: Callable[[str, str], None], pinned: Any) -> None:
    step(
        "Log a model that uses @production",
        f"gitprompts.log_model(summarize, 'demo-model', prompts=[{PRODUCTION!r}])",
    )
    info = gitprompts.log_model(summarize, "demo-model", prompts=[PRODUCTION])
    say(f"{info.model_uri}  pins {pinned.uri}")

    step("Register a third version", f"gitprompts.register_prompt({NAME!r}, {THIRD!r})")
    v3 = gitprompts.register_prompt(NAME, THIRD, commit_message="Terser")
    say(v3.uri)
    step("Move production on", f"gitprompts.set_prompt_alias({NAME!r}, 'production', {v3.version})")
    gitprompts.set_prompt_alias(NAME, "production", v3.version)
    now = gitprompts.load_prompt(PRODUCTION)
    assert now is not None
    say(f"@production is now {now.uri}")

    step("Reload the model and run it", f"gitprompts.load_model({info.model_uri!r}).predict(...)")
    model = gitprompts.load_model(info.model_uri)
    say(str(model.predict(INPUT)))
    say(f"(still the pinned text of {pinned.uri}, not {now.uri})")
