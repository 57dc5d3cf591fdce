"""Fill an MLflow server with prompts using MLflow's own client; print what it holds.

``python tests/mlflow_populate.py URI PREFIX STAGE``: stage ``1`` registers
text and chat prompts with tags, model configs, response formats, aliases, a
deleted version, names gitprompts refuses and a logged model that links a
prompt; stage ``2`` adds new versions. Then it prints, as JSON, every prompt
and version as MLflow's client reads them back, for ``test_mlflow_import``
to compare field by field with what ``gitprompts import mlflow`` wrote.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient


def main() -> None:
    # The suite collects this file (doctests): MLflow is imported only when it runs.
    import mlflow
    from mlflow import MlflowClient

    uri, p, stage = sys.argv[1], sys.argv[2], sys.argv[3]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    genai = mlflow.genai
    if stage == "1":
        genai.register_prompt(
            p + "greet",
            "Hello {{ name }}!",
            commit_message="first",
            tags={"team": "nlp"},
            model_config={"model_name": "gpt-4o-mini", "temperature": 0.2},
        )
        genai.register_prompt(
            p + "greet",
            [
                {"role": "system", "content": "You are {{ persona }}."},
                {"role": "user", "content": "{{ q }}"},
            ],
            commit_message="chat",
            response_format={"type": "object"},
        )
        genai.register_prompt(p + "greet", "Hi {{ name }}, again", tags={"reviewed": "no"})
        genai.set_prompt_alias(p + "greet", "production", 1)
        genai.set_prompt_alias(p + "greet", "staging", 3)
        client.set_prompt_version_tag(p + "greet", 1, "reviewed", "yes")
        client.set_prompt_tag(p + "greet", "owner", "ada")
        genai.register_prompt(p + "gappy", "v1")
        genai.register_prompt(p + "gappy", "v2")
        genai.register_prompt(p + "gappy", "v3 {{ x }}")
        client.delete_prompt_version(p + "gappy", 2)
        genai.register_prompt(p + "a..b", "refused by gitprompts")  # MLflow allows '..'
        genai.register_prompt(p + "x.lock", "refused by gitprompts")
        pv = genai.load_prompt(f"prompts:/{p}greet/1")
        mlflow.set_experiment(p + "exp")
        model = mlflow.create_external_model(name=p + "model")
        client.link_prompt_version_to_model(p + "greet", "1", model.model_id)
        print(json.dumps({"model_id": model.model_id, "linked": pv.uri}), file=sys.stderr)
    else:
        genai.register_prompt(p + "greet", "Hello {{ name }}, v4", commit_message="fourth")
        genai.register_prompt(p + "fresh", "New {{ thing }}", tags={"team": "new"})
        genai.set_prompt_alias(p + "greet", "production", 4)
    print(json.dumps(dump(client, p), sort_keys=True))


def dump(client: MlflowClient, p: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prompt in client.search_prompts(f"name LIKE '{p}%'", max_results=1000):
        versions = client.search_prompt_versions(prompt.name, max_results=1000)
        out[prompt.name] = {
            "tags": {k: v for k, v in prompt.tags.items()},
            "aliases": aliases(client, prompt.name, versions),
            "versions": {
                str(v.version): {
                    "template": v.template,
                    "commit_message": v.commit_message or None,
                    "tags": dict(v.tags),
                    "model_config": v.model_config,
                    "response_format": v.response_format,
                    "created_s": v.creation_timestamp // 1000,
                }
                for v in versions
            },
        }
    return out


def aliases(client: MlflowClient, name: str, versions: Any) -> dict[str, int]:
    """Every alias (a version search leaves them out; a single get has them)."""
    found: dict[str, int] = {}
    for v in versions:
        with contextlib.suppress(Exception):  # a name MLflow's client cannot read ('a..b')
            found.update(
                dict.fromkeys(client.get_prompt_version(name, v.version).aliases, int(v.version))
            )
    return found


if __name__ == "__main__":
    main()
