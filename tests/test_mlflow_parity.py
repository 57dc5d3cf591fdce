"""Every mirrored function accepts every parameter MLflow's does, by name, kind and position.

The MLflow side is recorded (tests/mlflow_signatures.json, written by
tests/record_mlflow_signatures.py from an installed MLflow 3.17.2), so this
runs without MLflow. A parameter MLflow has and gitprompts lacks, renames,
makes required, or moves to another position fails the test; gitprompts may
add parameters after MLflow's (keyword-only ones, such as ``strict``).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

import gitprompts

RECORDED = json.loads(Path(__file__).with_name("mlflow_signatures.json").read_text())
FUNCTIONS: dict[str, Any] = RECORDED["functions"]


def _ours(dotted: str) -> Any:
    obj: Any = gitprompts
    for part in dotted.removesuffix(".__init__").split("."):
        obj = getattr(obj, part)
    # A class stands for its constructor (msgspec structs show theirs on the class only).
    return obj


def test_the_recording_is_of_mlflow_3_17_2_and_covers_the_mirrored_api() -> None:
    assert RECORDED["mlflow"] == "3.17.2"
    mirrored = {name.split(".")[0] for name in FUNCTIONS}
    # Every public gitprompts name that MLflow also has (genai, tracking, models) is recorded.
    mlflow_names = {
        "active_run",
        "delete_prompt",
        "delete_prompt_alias",
        "delete_prompt_model_config",
        "delete_prompt_tag",
        "delete_prompt_version",
        "delete_prompt_version_tag",
        "end_run",
        "get_model_info",
        "get_prompt_tags",
        "get_run",
        "load_prompt",
        "register_prompt",
        "search_prompts",
        "set_model",
        "set_prompt_alias",
        "set_prompt_model_config",
        "set_prompt_tag",
        "set_prompt_version_tag",
        "start_run",
        "pyfunc",
        "langchain",
    }
    assert mlflow_names <= mirrored
    assert mirrored <= set(gitprompts.__all__)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_accepts_every_mlflow_parameter(name: str) -> None:
    ours = inspect.signature(_ours(name)).parameters
    ours_list = [p for p in ours.values() if p.name != "self"]
    theirs = FUNCTIONS[name]["parameters"]
    problems = []
    for position, param in enumerate(theirs):
        mine = ours.get(param["name"])
        if mine is None:
            problems.append(f"missing {param['name']} ({param['kind']})")
            continue
        if mine.kind.name != param["kind"]:
            problems.append(f"{param['name']} is {mine.kind.name}, MLflow's is {param['kind']}")
        if param["kind"] == "POSITIONAL_OR_KEYWORD" and (
            position >= len(ours_list) or ours_list[position].name != param["name"]
        ):
            problems.append(
                f"{param['name']} is not positional argument {position + 1} as in MLflow"
            )
        if param["default"] != "<required>" and mine.default is inspect.Parameter.empty:
            problems.append(f"{param['name']} is required here, optional in MLflow")
    # Anything we add must not take a positional slot MLflow's callers could fill.
    extra = [p.name for p in ours_list[len(theirs) :] if p.kind.name == "POSITIONAL_OR_KEYWORD"]
    if extra and not any(p["kind"] == "VAR_KEYWORD" for p in theirs):
        problems.append(f"extra positional parameters after MLflow's: {extra}")
    assert not problems, f"gitprompts.{name} vs {FUNCTIONS[name]['mlflow']}: {problems}"


def test_the_check_fails_for_a_missing_parameter() -> None:
    # The check above can fail: a function without MLflow's load_prompt arguments does.
    def old_load_prompt(name_or_uri: str, version: Any = None, allow_missing: bool = False) -> None:
        pass

    names = set(inspect.signature(old_load_prompt).parameters)
    missing = [p["name"] for p in FUNCTIONS["load_prompt"]["parameters"] if p["name"] not in names]
    assert missing == ["link_to_model", "model_id", "cache_ttl_seconds"]
