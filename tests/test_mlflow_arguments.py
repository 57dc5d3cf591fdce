"""What gitprompts does with each MLflow argument: models, runs, prompts (issue 20)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.models import arguments, manifest
from gitprompts.models.store import sha256
from gitprompts.pyfunc import PythonModel


@pytest.fixture(autouse=True)
def _warn_again() -> None:
    arguments._warned.clear()  # "once per process" starts afresh for each test


class Echo(PythonModel):
    """The older predict form: (context, model_input, params)."""

    def load_context(self, context: Any) -> None:
        self.loaded = context.model_config.get("prefix", "")
        self.artifacts = dict(context.artifacts)

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return {"prefix": self.loaded, "input": model_input, "params": params}


class NewStyle(PythonModel):
    """The newer predict form: (model_input, params)."""

    def predict(self, model_input: Any, params: Any = None) -> Any:  # type: ignore[override]
        return [str(x) * (params or {}).get("times", 1) for x in model_input]


def test_python_model_gets_context_artifacts_and_model_config(home: Path, tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("hello world")
    folder = tmp_path / "index"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.bin").write_bytes(b"\x00\x01")
    info = gitprompts.pyfunc.log_model(
        name="echo",
        python_model=Echo(),
        artifacts={"vocab": tmp_path / "vocab.txt", "index": str(folder)},
        model_config={"prefix": "> "},
    )
    assert info.manifest.artifacts == {
        "index": "artifacts/index/",
        "vocab": "artifacts/vocab/vocab.txt",
    }
    model = gitprompts.pyfunc.load_model(info.model_uri)
    echo = model.unwrap_python_model()
    assert Path(echo.artifacts["vocab"]).read_text() == "hello world"
    assert (Path(echo.artifacts["index"]) / "sub" / "a.bin").read_bytes() == b"\x00\x01"
    assert model.predict("hi") == {"prefix": "> ", "input": "hi", "params": None}
    assert model.model_config == {"prefix": "> "}
    # model_config at load replaces the logged one, from a dict or a YAML file.
    (tmp_path / "config.yaml").write_text("prefix: '>> '\n")
    for given in ({"prefix": ">> "}, tmp_path / "config.yaml"):
        again = gitprompts.pyfunc.load_model(info.model_uri, model_config=given)
        assert again.predict("x", params={"k": 1})["prefix"] == ">> "


def test_newer_predict_form_and_params(home: Path) -> None:
    info = gitprompts.pyfunc.log_model(NewStyle(), name="new")
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict(["a", "b"], params={"times": 2}) == ["aa", "bb"]


def test_signature_inferred_from_input_example_and_enforced(home: Path) -> None:
    info = gitprompts.pyfunc.log_model(
        name="qa",
        python_model=lambda model_input: model_input,
        input_example={"question": "What is git?", "k": 3},
    )
    assert info.input_example == {"question": "What is git?", "k": 3}
    assert [(c.type, c.name) for c in info.signature.inputs.inputs] == [
        ("string", "question"),
        ("long", "k"),
    ]
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict({"question": "Why?", "k": 1}) == {"question": "Why?", "k": 1}
    with pytest.raises(errors.SchemaEnforcementError, match=r"missing inputs \['k'\]"):
        model.predict({"question": "Why?"})
    with pytest.raises(errors.SchemaEnforcementError, match=r"column k\. Can not safely convert"):
        model.predict([{"question": "Why?", "k": "three"}])
    # The model is unchanged by a refused call, and MLflow's own form reads back.
    assert gitprompts.ModelSignature.from_dict(info.signature.to_dict()) == info.signature


def test_explicit_signature_params_defaults(home: Path) -> None:
    signature = gitprompts.infer_signature(["a"], ["b"], params={"times": 1})
    info = gitprompts.pyfunc.log_model(NewStyle(), name="p", signature=signature)
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict(["x"]) == ["x"]  # the default filled in
    assert model.predict(["x"], params={"times": 3, "unknown": 1}) == ["xxx"]
    with pytest.raises(errors.SchemaEnforcementError, match="param 'times'"):
        model.predict(["x"], params={"times": "many"})
    with pytest.raises(errors.SchemaEnforcementError, match="convert int to string"):
        model.predict([1])


def test_an_mlflow_style_signature_dict_is_read(home: Path) -> None:
    as_mlflow = {"inputs": '[{"type": "string", "name": "q", "required": true}]', "outputs": None}
    info = gitprompts.pyfunc.log_model(NewStyle(), name="d", signature=as_mlflow)
    assert info.get_input_schema().input_names() == ["q"]


def test_requirements_recorded_and_checked_at_load(home: Path, tmp_path: Path) -> None:
    info = gitprompts.pyfunc.log_model(len, name="plain")
    assert info.requirements[0].startswith("gitprompts==")
    assert any(r.startswith("cloudpickle==") for r in info.requirements)
    gitprompts.pyfunc.load_model(info.model_uri)  # this environment: no warning
    extra = gitprompts.pyfunc.log_model(len, name="x", extra_pip_requirements=["surely-absent-pkg"])
    assert extra.requirements[-1] == "surely-absent-pkg"
    (tmp_path / "requirements.txt").write_text("# pinned\ngitprompts==0.0.0.dev0\n\n")
    pinned = gitprompts.pyfunc.log_model(
        len, name="r", pip_requirements=tmp_path / "requirements.txt"
    )
    assert pinned.requirements == ["gitprompts==0.0.0.dev0"]
    with pytest.warns(
        errors.RequirementsMismatchWarning,
        match=r"gitprompts \(current: .*required: gitprompts==0.0.0.dev0\)",
    ):
        gitprompts.pyfunc.load_model(pinned.model_uri)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gitprompts.pyfunc.load_model(extra.model_uri, suppress_warnings=True)
    conda = {"dependencies": ["python=3.11", {"pip": ["cloudpickle"]}]}
    env = gitprompts.pyfunc.log_model(len, name="c", conda_env=conda)
    assert (env.requirements, env.manifest.conda_env) == (["cloudpickle"], conda)
    with pytest.raises(errors.InvalidInputError, match="only one of conda_env, pip_requirements"):
        gitprompts.pyfunc.log_model(len, pip_requirements=["a"], extra_pip_requirements=["b"])


def test_metadata_in_model_info_and_loaded_model(home: Path) -> None:
    info = gitprompts.pyfunc.log_model(len, name="m", metadata={"owner": "nlp", "n": [1, 2]})
    assert gitprompts.get_model_info(info.model_uri).metadata == {"owner": "nlp", "n": [1, 2]}
    assert gitprompts.pyfunc.load_model(info.model_uri).metadata.metadata["owner"] == "nlp"
    with pytest.raises(errors.InvalidInputError, match="metadata must hold JSON values"):
        gitprompts.pyfunc.log_model(len, metadata={"x": object()})


def test_manifest_without_new_fields_keeps_its_bytes_and_id() -> None:
    entry = manifest.FileEntry(path="model.pkl", sha256=sha256(b"x"), size=1)
    old = manifest.Manifest(flavor="pyfunc", loader="pickle", entry="model.pkl", files=[entry])
    data = manifest.encode(old)
    assert set(json.loads(data)) == {
        "schema_version",
        "flavor",
        "loader",
        "entry",
        "files",
        "prompts",
        "python",
        "packages",
        "created_at",
    }
    assert manifest.decode(data) == old
    # an artifact that names none of the files is refused when read
    bad = json.loads(data)
    bad["artifacts"] = {"vocab": "artifacts/vocab/missing.txt"}
    with pytest.raises(errors.ManifestError, match="artifact 'vocab'"):
        manifest.decode(json.dumps(bad).encode())


def test_save_model_writes_a_directory_that_loads(home: Path, tmp_path: Path) -> None:
    target = gitprompts.pyfunc.save_model(tmp_path / "saved", python_model=NewStyle())
    assert (target / "manifest.json").is_file()
    assert gitprompts.pyfunc.load_model(target).predict(["a"]) == ["a"]
    with pytest.raises(errors.InvalidInputError, match="not an empty directory"):
        gitprompts.pyfunc.save_model(target, python_model=NewStyle())
    with pytest.raises(errors.UnsupportedArgumentError, match="unknown keyword"):
        gitprompts.pyfunc.save_model(tmp_path / "other", python_model=NewStyle(), flavor="x")
    assert not (tmp_path / "other").exists()


def test_dst_path_receives_a_copy(home: Path, tmp_path: Path) -> None:
    info = gitprompts.pyfunc.log_model(NewStyle(), name="copy")
    (tmp_path / "dst").mkdir()
    gitprompts.pyfunc.load_model(info.model_uri, dst_path=tmp_path / "dst")
    [copy] = (tmp_path / "dst").iterdir()
    assert gitprompts.get_model_info(str(copy)).model_id == info.model_id
    with pytest.raises(errors.InvalidInputError, match="dst_path"):
        gitprompts.pyfunc.load_model(info.model_uri, dst_path=tmp_path / "absent")


def test_server_only_arguments_warn_once_and_refused_ones_write_nothing(home: Path) -> None:
    with pytest.warns(errors.UnsupportedArgumentWarning, match="registered_model_name= is ignored"):
        gitprompts.pyfunc.log_model(len, name="a", registered_model_name="prod-model")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gitprompts.pyfunc.log_model(len, name="b", registered_model_name="prod-model")
    for kwargs in ({"resources": ["x"]}, {"auth_policy": object()}, {"uv_project_path": "."}):
        with pytest.warns(errors.UnsupportedArgumentWarning):
            gitprompts.pyfunc.log_model(len, name="c", **kwargs)
    before = sorted((home / "artifacts" / "models").iterdir())
    for kwargs in ({"loader_module": "m"}, {"data_path": "d"}, {"model_id": "0" * 64}):
        with pytest.raises(errors.UnsupportedArgumentError, match="is not supported here"):
            gitprompts.pyfunc.log_model(len, name="d", **kwargs)
    assert sorted((home / "artifacts" / "models").iterdir()) == before


def test_artifact_path_is_the_deprecated_name(home: Path) -> None:
    with gitprompts.start_run() as run:
        gitprompts.pyfunc.log_model("shout", python_model=len)
    assert run.models.keys() == {"shout"}
    with pytest.raises(errors.InvalidInputError, match="not both"):
        gitprompts.pyfunc.log_model("a", python_model=len, name="b")


def test_log_model_params_and_tags_on_the_run(home: Path) -> None:
    with gitprompts.start_run(experiment_id="7") as run:
        gitprompts.pyfunc.log_model(len, name="m", params={"temperature": 0.1}, tags={"v": 1})
    got = gitprompts.get_run(run.info.run_id)
    assert got.data.params == {"temperature": "0.1"}
    assert (got.record.model_tags, got.info.experiment_id) == ({"m": {"v": "1"}}, "7")


def test_nested_runs_parent_and_resume(home: Path) -> None:
    with gitprompts.start_run(run_name="parent") as parent:
        with pytest.raises(errors.RunAlreadyActiveError, match="nested=True"):
            gitprompts.start_run()
        with gitprompts.start_run(nested=True) as child:
            assert child.info.parent_run_id == parent.info.run_id
        with gitprompts.start_run(parent_run_id=parent.info.run_id, nested=True) as second:
            assert second.data.tags["mlflow.parentRunId"] == parent.info.run_id
        with pytest.raises(errors.InvalidInputError, match="does not match"):
            gitprompts.start_run(parent_run_id=child.info.run_id, nested=True)
    assert gitprompts.get_run(child.info.run_id).info.status == "FINISHED"
    with pytest.raises(errors.InvalidInputError, match="must be active"):
        gitprompts.start_run(parent_run_id=parent.info.run_id)
    run = gitprompts.start_run(run_id=parent.info.run_id, tags={"again": "yes"})
    assert gitprompts.active_run() is run and run.info.status == "RUNNING"
    gitprompts.end_run("KILLED")
    final = gitprompts.get_run(parent.info.run_id)
    assert (final.info.status, final.data.tags["again"], final.info.run_name) == (
        "KILLED",
        "yes",
        "parent",
    )
    with pytest.raises(errors.RunNotFoundError, match="no run record"):
        gitprompts.start_run(run_id="f" * 32)
    with pytest.raises(errors.RunNotFoundError, match="32 lowercase hex"):
        gitprompts.get_run("../x")


def test_a_failed_block_marks_the_run_failed(home: Path) -> None:
    with pytest.raises(RuntimeError), gitprompts.start_run() as run:
        raise RuntimeError("boom")
    assert gitprompts.get_run(run.info.run_id).info.status == "FAILED"


def test_langchain_run_id_logs_into_an_earlier_run(home: Path) -> None:
    pytest.importorskip("langchain_core")
    from langchain_core.runnables import RunnableLambda

    with gitprompts.start_run() as run:
        pass
    gitprompts.langchain.log_model(RunnableLambda(lambda x: x), name="late", run_id=run.info.run_id)
    assert gitprompts.get_run(run.info.run_id).models.keys() == {"late"}


def test_load_prompt_links_to_the_run_and_to_a_model(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("greet", "Hello {{ name }}")
    gitprompts.set_prompt_alias("greet", "production", 1)
    with gitprompts.start_run() as run:
        gitprompts.load_prompt("prompts:/greet@production")
        gitprompts.load_prompt("greet", version=1)
    assert gitprompts.get_run(run.info.run_id).prompts == ["prompts:/greet/1"]
    info = gitprompts.pyfunc.log_model(len, name="m")
    gitprompts.load_prompt("greet", version=1, model_id=info.model_id)
    assert [m.model_id for m in gitprompts.search_models(prompt="greet/1")] == [info.model_id]
    gitprompts.load_prompt("greet", version=1, model_id="0" * 64, link_to_model=False)
    assert len(gitprompts.search_models(prompt="greet/1")) == 1
    with pytest.raises(errors.InvalidInputError, match="model_id must be the 64 hex"):
        gitprompts.load_prompt("greet", version=1, model_id="nope")
    assert gitprompts.load_prompt("greet", version=1, cache_ttl_seconds=0).version == 1
    with pytest.raises(errors.InvalidInputError, match="cache_ttl_seconds"):
        gitprompts.load_prompt("greet", version=1, cache_ttl_seconds=-1)


def test_search_prompts_order_by_and_pages(registry: gitprompts.Registry) -> None:
    for name in ("b-prompt", "a-prompt", "c-prompt"):
        gitprompts.register_prompt(name, "x")
    everything = gitprompts.search_prompts()
    assert [p.name for p in everything] == ["a-prompt", "b-prompt", "c-prompt"]
    assert everything.token is None
    newest = gitprompts.search_prompts(order_by=["creation_timestamp DESC", "name DESC"])
    assert newest[0].name == "c-prompt"
    page = gitprompts.search_prompts(max_results=2, order_by=["name DESC"])
    assert ([p.name for p in page], page.token) == (["c-prompt", "b-prompt"], "2")
    rest = gitprompts.search_prompts(max_results=2, order_by=["name DESC"], page_token=page.token)
    assert ([p.name for p in rest], rest.token) == (["a-prompt"], None)
    with pytest.raises(errors.InvalidInputError, match="invalid order_by clause 'size DESC'"):
        gitprompts.search_prompts(order_by=["size DESC"])
    with pytest.raises(errors.InvalidInputError, match="page_token"):
        gitprompts.search_prompts(page_token="abc")


def test_active_model_links_loaded_prompts(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("greet", "Hello {{ name }}")
    info = gitprompts.pyfunc.log_model(len, name="m")
    with gitprompts.set_active_model(model_id=info.model_id[:12]):
        assert gitprompts.get_active_model_id() == info.model_id
        gitprompts.load_prompt("greet", version=1)
    assert gitprompts.get_active_model_id() is None
    assert [m.model_id for m in gitprompts.search_models(prompt="greet/1")] == [info.model_id]
    with pytest.raises(errors.UnsupportedArgumentError, match="log it first"):
        gitprompts.set_active_model(name="my-agent")
    with pytest.raises(errors.ModelNotFoundError):
        gitprompts.set_active_model(model_id="f" * 64)


CONFIGURED = """
import gitprompts

CONFIG = gitprompts.models.ModelConfig(development_config={"style": "dev"})


def predict(model_input):
    return [CONFIG.get("style") + ":" + text for text in model_input]


gitprompts.set_model(predict)
"""


def test_model_config_reaches_a_models_from_code_script(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "configured.py"
    script.write_text(CONFIGURED)
    info = gitprompts.pyfunc.log_model(python_model=str(script), model_config={"style": "logged"})
    assert gitprompts.pyfunc.load_model(info.model_uri).predict(["a"]) == ["logged:a"]
    again = gitprompts.pyfunc.load_model(info.model_uri, model_config={"style": "override"})
    assert again.predict(["a"]) == ["override:a"]
    plain = gitprompts.pyfunc.log_model(python_model=str(script), name="plain")
    assert gitprompts.pyfunc.load_model(plain.model_uri).predict(["a"]) == ["dev:a"]
    with pytest.raises(KeyError, match="Key 'missing' not found"):
        gitprompts.models.ModelConfig(development_config={}).get("missing")


def test_refused_calls_write_nothing(registry: gitprompts.Registry, home: Path) -> None:
    gitprompts.register_prompt("greet", "Hello {{ name }}")
    with pytest.raises(errors.RunNotFoundError):
        gitprompts.log_model(len, name="m", run_id="e" * 32)
    assert not (home / "artifacts" / "models").exists()
    with gitprompts.start_run() as run:
        with pytest.raises(errors.InvalidInputError, match="model_id"):
            gitprompts.load_prompt("greet", version=1, model_id="bad")
        assert gitprompts.get_run(run.info.run_id).prompts == []


def test_a_hostile_manifest_field_is_a_manifest_error() -> None:
    entry = manifest.FileEntry(path="model.pkl", sha256=sha256(b"x"), size=1)
    data = manifest.encode(
        manifest.Manifest(flavor="pyfunc", loader="pickle", entry="model.pkl", files=[entry])
    )
    for field, value in (
        ("input_example", b"[" * 100_000 + b"]" * 100_000),
        ("signature", b'{"inputs": {"inputs": [{"type": "tensor"}]}}'),
        ("requirements", b'"not a list"'),
        ("metadata", b"[1]"),
    ):
        hostile = data.rstrip(b"}\n") + b', "' + field.encode() + b'": ' + value + b"}"
        with pytest.raises(errors.ManifestError):
            manifest.decode(hostile)


def test_signature_from_type_hints_as_mlflow_3(home: Path) -> None:
    def predict(model_input: list[str]) -> list[str]:
        return model_input

    info = gitprompts.pyfunc.log_model(predict, name="hinted")
    assert [c.type for c in info.signature.inputs.inputs] == ["string"]
    with pytest.raises(errors.SchemaEnforcementError):
        gitprompts.pyfunc.load_model(info.model_uri).predict([1])

    # A PythonModel's hints are read from its predict, after context.
    class Hinted(PythonModel):
        def predict(self, context: Any, model_input: list[int], params: Any = None) -> Any:
            return model_input

    assert gitprompts.pyfunc.log_model(Hinted(), name="h").signature.inputs.inputs[0].type == "long"


def test_models_show_json_lists_the_mlflow_fields(home: Path) -> None:
    from click.testing import CliRunner

    from gitprompts.cli import main

    info = gitprompts.pyfunc.log_model(
        NewStyle(), name="shown", input_example=["a"], metadata={"owner": "nlp"}
    )
    result = CliRunner().invoke(main, ["models", "show", info.model_uri, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["metadata"] == {"owner": "nlp"}
    assert json.loads(shown["signature"]["inputs"]) == [
        {"type": "string", "name": None, "required": True}
    ]
    assert shown["requirements"][0].startswith("gitprompts==")
