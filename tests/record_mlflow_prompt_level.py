"""Record what MLflow does with prompt-level tags, model config edits and delete_prompt.

Not a test (pytest does not collect it): run it with a Python that has MLflow
installed, in its own venv, and compare its JSON with the expectations in
tests/test_template.py (``MLFLOW_PROMPT_TAGS``, ``MLFLOW_MODEL_CONFIG``) and
tests/test_prompt_level.py::

    python3 -m venv /tmp/mlflow-venv
    /tmp/mlflow-venv/bin/pip install "mlflow==3.17.2"
    /tmp/mlflow-venv/bin/python tests/record_mlflow_prompt_level.py

It uses a sqlite tracking/registry store in a temporary directory, so it
touches nothing else.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from typing import Any


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="mlflow-record-")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp}/mlflow.db"
    os.environ.setdefault("MLFLOW_REGISTRY_URI", os.environ["MLFLOW_TRACKING_URI"])
    warnings.filterwarnings("ignore")

    import mlflow
    import mlflow.genai as g
    from mlflow import MlflowClient

    out: dict[str, Any] = {"mlflow": mlflow.__version__, "python": sys.version.split()[0]}
    counter = iter(range(1000))

    def fresh() -> str:
        return f"p{next(counter)}"

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # we record whatever MLflow raises
            return {"raised": _error(exc)}
        return {"returned": result}

    # MLFLOW_PROMPT_TAGS: register twice with these tags, then read the prompt's tags.
    tag_cases = [
        [{"team": "nlp"}, {}],
        [{"team": "nlp", "stage": "draft"}, {"team": "search"}],
        [{}, {"owner": "ada"}],
    ]
    out["prompt_tags"] = []
    for registered in tag_cases:
        name = fresh()
        for i, tags in enumerate(registered):
            # MLflow adds its own keys to the dict it is given: pass a copy.
            g.register_prompt(name, f"v{i} {{{{ x }}}}", tags=dict(tags))
        found = g.search_prompts(f"name = '{name}'")
        out["prompt_tags"].append(
            {
                "registered": registered,
                "get_prompt_tags": g.get_prompt_tags(name),
                "search_tags": [p.tags for p in found],
                "v1_tags": g.load_prompt(f"prompts:/{name}/1").tags,
                "v2_tags": g.load_prompt(f"prompts:/{name}/2").tags,
            }
        )

    # MLFLOW_MODEL_CONFIG: register with a config, set or delete it on version 1, load.
    config_cases: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = [
        ({"temperature": 0.1}, {"model_name": "gpt-4o", "temperature": 0.7}),
        (None, {"max_tokens": 100}),
        ({"temperature": 0.1}, None),
        (None, None),
    ]
    out["model_config"] = []
    for registered_config, change in config_cases:
        name = fresh()
        g.register_prompt(name, "Hi {{ x }}", model_config=registered_config)
        if change is None:
            g.delete_prompt_model_config(name, 1)
        else:
            g.set_prompt_model_config(name, 1, change)
        version = g.load_prompt(name, version=1)
        out["model_config"].append(
            {
                "registered": registered_config,
                "change": change,
                "loaded": version.model_config,
                "template": version.template,
            }
        )

    # A version loaded before the edit and loaded again after it (the client's cache).
    name = fresh()
    g.register_prompt(name, "Hi {{ x }}", model_config={"temperature": 0.1})
    before = g.load_prompt(name, version=1).model_config
    g.set_prompt_model_config(name, 1, {"temperature": 0.9})
    out["model_config_reloaded"] = {
        "before": before,
        "after_by_version": g.load_prompt(name, version=1).model_config,
        "after_by_uri": g.load_prompt(f"prompts:/{name}/1").model_config,
        "after_client": MlflowClient().get_prompt_version(name, 1).model_config,
    }

    # test_register_tags_tag_the_prompt_so_search_still_finds_it
    name = fresh()
    registered_tags = {"team": "nlp"}
    g.register_prompt(name, "Sum {{ t }}", tags=registered_tags)
    v2 = g.register_prompt(name, "Summarize {{ t }}")
    found = [p for p in g.search_prompts("tags.team = 'nlp'") if p.name == name]
    out["register_tags_then_search"] = {
        "v2_tags": v2.tags,
        "caller_dict_after_register": registered_tags,
        "search_names": [p.name for p in found],
        "search_tags": [p.tags for p in found],
        "get_prompt_tags": g.get_prompt_tags(name),
    }

    # test_set_and_delete_prompt_tag
    name = fresh()
    g.register_prompt(name, "a", tags={"team": "nlp"})
    g.set_prompt_tag(name, "owner", "ada")
    after_set = g.get_prompt_tags(name)
    v1_tags = g.load_prompt(name, version=1).tags
    g.delete_prompt_tag(name, "team")
    out["set_and_delete_prompt_tag"] = {
        "after_set": after_set,
        "v1_tags_after_set": v1_tags,
        "after_delete": g.get_prompt_tags(name),
        "search_team_nlp": [
            p.name for p in g.search_prompts("tags.team = 'nlp'") if p.name == name
        ],
    }

    # test_prompt_tag_refusals_name_the_input_and_write_nothing
    name = fresh()
    g.register_prompt(name, "a")
    out["refusals"] = {
        "set_prompt_tag_missing_prompt": attempt(g.set_prompt_tag, "nope", "k", "v"),
        "set_prompt_tag_empty_key": attempt(g.set_prompt_tag, name, "", "v"),
        "set_prompt_tag_list_value": attempt(g.set_prompt_tag, name, "k", ["v"]),
        "delete_prompt_tag_missing_key": attempt(g.delete_prompt_tag, name, "k"),
        "get_prompt_tags_missing_prompt": attempt(g.get_prompt_tags, "nope"),
        "tags_after": g.get_prompt_tags(name),
    }

    # test_model_config_refusals_write_nothing
    name = fresh()
    g.register_prompt(name, "a")
    g.register_prompt(name, "b")
    MlflowClient().delete_prompt_version(name, "2")
    out["model_config_refusals"] = {
        "not_a_dict": attempt(g.set_prompt_model_config, name, 1, "hot"),
        "holds_a_set": attempt(g.set_prompt_model_config, name, 1, {"seed": {1}}),
        "deleted_version": attempt(g.set_prompt_model_config, name, 2, {"temperature": 1}),
        "delete_missing_version": attempt(g.delete_prompt_model_config, name, 7),
        "delete_when_none_set": attempt(g.delete_prompt_model_config, name, 1),
        "v1_config_after": g.load_prompt(name, version=1).model_config,
    }

    # test_delete_prompt_keeps_tags_and_numbers
    client = MlflowClient()
    name, other = fresh(), fresh()
    g.register_prompt(name, "a", tags={"team": "nlp"})
    g.register_prompt(name, "b")
    g.set_prompt_alias(name, "production", 1)
    g.register_prompt(other, "c")
    first = attempt(client.delete_prompt, name)
    record: dict[str, Any] = {"delete_prompt_with_versions": first}
    if "raised" in first:
        for v in (1, 2):
            client.delete_prompt_version(name, str(v))
        record["delete_prompt_after_deleting_versions"] = attempt(client.delete_prompt, name)
    record["search_names"] = sorted(p.name for p in g.search_prompts() if p.name in {name, other})
    record["load_v1"] = attempt(lambda: g.load_prompt(f"prompts:/{name}/1").version)
    record["load_alias"] = attempt(lambda: g.load_prompt(f"prompts:/{name}@production").version)
    record["load_latest_allow_missing"] = attempt(
        lambda: g.load_prompt(f"prompts:/{name}@latest", allow_missing=True)
    )
    record["delete_again"] = attempt(client.delete_prompt, name)
    again = g.register_prompt(name, "d")
    record["registered_again_version"] = again.version
    record["get_prompt_tags_after"] = g.get_prompt_tags(name)
    record["versions_after"] = sorted(int(v.version) for v in client.search_prompt_versions(name))
    out["delete_prompt"] = record

    print(json.dumps(out, indent=2, sort_keys=True, default=repr))


if __name__ == "__main__":
    main()
