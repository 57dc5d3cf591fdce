"""One scenario of MLflow prompt calls, run with MLflow's own client; prints what it saw.

Run in a child process of a Python that has MLflow, against any tracking URI:
``python tests/mlflow_scenario.py URI [PREFIX]`` (``MLFLOW_TRACKING_TOKEN`` for writes).
It prints one JSON object: step name -> the answer (fields of the returned
objects, or ``{"error": message}``), with times left out so two backends can
be diffed: ``test_mlflow_serve`` runs it against ``gitprompts serve`` and
against MLflow's own sqlite store and compares.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

# MLflow's client tags a prompt with the experiments that used it, from a thread:
# that tag is written at an unpredictable moment, so it is left out of the diff.
EXPERIMENT_IDS = "_mlflow_experiment_ids"


def version(pv: Any) -> dict[str, Any]:
    if pv is None:
        return {"none": True}
    return {
        "name": pv.name,
        "version": int(pv.version),
        "template": pv.template,
        "is_text": pv.is_text_prompt,
        "variables": sorted(pv.variables),
        "commit_message": pv.commit_message,
        "tags": dict(sorted(pv.tags.items())),
        "aliases": sorted(pv.aliases),
        "model_config": pv.model_config,
        "response_format": pv.response_format,
    }


def prompt(p: Any) -> dict[str, Any]:
    tags = {k: v for k, v in sorted(p.tags.items()) if k != EXPERIMENT_IDS}
    return {"name": p.name, "tags": tags}


P = ""  # a prefix for every prompt name (argument 2)


def main() -> None:
    global P
    P = sys.argv[2] if len(sys.argv) > 2 else ""
    # The suite collects this file (doctests): MLflow is imported only when it runs.
    os.environ["MLFLOW_ALIAS_PROMPT_CACHE_TTL_SECONDS"] = "0"  # every load asks the server
    os.environ["MLFLOW_VERSION_PROMPT_CACHE_TTL_SECONDS"] = "0"
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(sys.argv[1])
    mlflow.set_registry_uri(sys.argv[1])
    client = MlflowClient()
    genai = mlflow.genai
    out: dict[str, Any] = {}

    def step(name: str, call: Callable[[], Any]) -> None:
        try:
            out[name] = call()
        except Exception as exc:
            out[name] = {"error": str(exc)}

    step(
        "register text",
        lambda: version(
            genai.register_prompt(
                P + "greet",
                "Hello {{ name }}, from {{ place }}!",
                commit_message="first draft",
                tags={"team": "nlp"},
                model_config={"temperature": 0.2, "max_tokens": 50},
            )
        ),
    )
    step(
        "register chat",
        lambda: version(
            genai.register_prompt(
                P + "greet",
                [
                    {"role": "system", "content": "You are {{ persona }}."},
                    {"role": "user", "content": "{{ question }}"},
                ],
                commit_message="as chat",
                response_format={"type": "object", "properties": {"a": {"type": "string"}}},
            )
        ),
    )
    step(
        "register other",
        lambda: version(
            genai.register_prompt(
                P + "summarize", "Sum up {{ text }}", tags={"team": "search", "owner": "ada"}
            )
        ),
    )
    step("load 1", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step("load 2 by name", lambda: version(genai.load_prompt(P + "greet", version=2)))
    step(
        "format",
        lambda: genai.load_prompt("prompts:/" + P + "greet/1").format(name="Ada", place="Paris"),
    )
    step(
        "format chat",
        lambda: genai.load_prompt("prompts:/" + P + "greet/2").format(
            persona="kind", question="why?"
        ),
    )
    step("set alias", lambda: genai.set_prompt_alias(P + "greet", "production", 1))
    step("load alias", lambda: version(genai.load_prompt("prompts:/" + P + "greet@production")))
    step("load latest", lambda: version(genai.load_prompt("prompts:/" + P + "greet@latest")))
    step(
        "search all",
        lambda: sorted((prompt(p) for p in genai.search_prompts(f"name LIKE '{P}%'")), key=str),
    )
    step("search like", lambda: [prompt(p) for p in genai.search_prompts(f"name LIKE '{P}gr%'")])
    step(
        "search tag",
        lambda: [
            prompt(p) for p in genai.search_prompts(f"tags.team = 'search' AND name LIKE '{P}%'")
        ],
    )
    step("search none", lambda: [prompt(p) for p in genai.search_prompts(f"name = '{P}nope'")])
    step(
        "set version tag", lambda: client.set_prompt_version_tag(P + "greet", 1, "reviewed", "yes")
    )
    step("load tagged", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step("delete version tag", lambda: client.delete_prompt_version_tag(P + "greet", 1, "reviewed"))
    step("load untagged", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step("set prompt tag", lambda: client.set_prompt_tag(P + "summarize", "stage", "beta"))
    step("get prompt", lambda: prompt(client.get_prompt(P + "summarize")))
    step("delete prompt tag", lambda: client.delete_prompt_tag(P + "summarize", "stage"))
    step("get prompt again", lambda: prompt(client.get_prompt(P + "summarize")))
    step(
        "set model config",
        lambda: genai.set_prompt_model_config(P + "greet", 1, {"temperature": 0.9}),
    )
    step("load configured", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step("delete model config", lambda: genai.delete_prompt_model_config(P + "greet", 1))
    step("load unconfigured", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step("missing version", lambda: version(genai.load_prompt("prompts:/" + P + "greet/9")))
    step("missing prompt", lambda: version(genai.load_prompt("prompts:/" + P + "nope/1")))
    step("missing alias", lambda: version(genai.load_prompt("prompts:/" + P + "greet@staging")))
    step(
        "allow missing",
        lambda: version(genai.load_prompt("prompts:/" + P + "nope/1", allow_missing=True)),
    )
    step("bad name", lambda: version(genai.register_prompt(P + "bad name!", "x")))
    step("delete alias", lambda: genai.delete_prompt_alias(P + "greet", "production"))
    step(
        "load deleted alias",
        lambda: version(genai.load_prompt("prompts:/" + P + "greet@production")),
    )
    step("versions", lambda: [version(v) for v in client.search_prompt_versions(P + "greet")])
    step("delete version", lambda: client.delete_prompt_version(P + "greet", 1))
    step("load deleted", lambda: version(genai.load_prompt("prompts:/" + P + "greet/1")))
    step(
        "register after delete",
        lambda: version(genai.register_prompt(P + "greet", "Bye {{ name }}")),
    )
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
