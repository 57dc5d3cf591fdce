"""Record the signatures of the MLflow functions gitprompts mirrors, into mlflow_signatures.json.

Not a test (pytest does not collect it): run it with a Python that has MLflow
installed, in its own venv, and commit the JSON it writes beside it;
``tests/test_mlflow_parity.py`` then checks that every gitprompts function
accepts every parameter of its MLflow counterpart, by name and kind::

    python3 -m venv /tmp/mlflow-venv
    /tmp/mlflow-venv/bin/pip install "mlflow-skinny==3.17.2" numpy pandas
    /tmp/mlflow-venv/bin/python tests/record_mlflow_signatures.py

It only imports MLflow and inspects it: nothing is logged or written except
the JSON file.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import warnings
from pathlib import Path
from typing import Any

# gitprompts name -> MLflow's "module:qualname" (a method is recorded without ``self``).
MIRRORED = {
    "active_run": "mlflow:active_run",
    "clear_active_model": "mlflow:clear_active_model",
    "delete_prompt": "mlflow:MlflowClient.delete_prompt",
    "delete_prompt_alias": "mlflow.genai:delete_prompt_alias",
    "delete_prompt_model_config": "mlflow.genai:delete_prompt_model_config",
    "delete_prompt_tag": "mlflow.genai:delete_prompt_tag",
    "delete_prompt_version": "mlflow:MlflowClient.delete_prompt_version",
    "delete_prompt_version_tag": "mlflow.genai:delete_prompt_version_tag",
    "end_run": "mlflow:end_run",
    "get_active_model_id": "mlflow:get_active_model_id",
    "get_model_info": "mlflow.models:get_model_info",
    "get_prompt_tags": "mlflow.genai:get_prompt_tags",
    "get_run": "mlflow:get_run",
    "langchain.load_model": "mlflow.langchain:load_model",
    "langchain.log_model": "mlflow.langchain:log_model",
    "langchain.save_model": "mlflow.langchain:save_model",
    "load_prompt": "mlflow.genai:load_prompt",
    "models.ModelConfig.__init__": "mlflow.models:ModelConfig.__init__",
    "models.ModelConfig.get": "mlflow.models:ModelConfig.get",
    "models.infer_signature": "mlflow.models:infer_signature",
    "models.set_model": "mlflow.models:set_model",
    "pyfunc.PythonModel.load_context": "mlflow.pyfunc:PythonModel.load_context",
    "pyfunc.PythonModel.predict": "mlflow.pyfunc:PythonModel.predict",
    "pyfunc.load_model": "mlflow.pyfunc:load_model",
    "pyfunc.log_model": "mlflow.pyfunc:log_model",
    "pyfunc.save_model": "mlflow.pyfunc:save_model",
    "register_prompt": "mlflow.genai:register_prompt",
    "search_prompts": "mlflow.genai:search_prompts",
    "set_active_model": "mlflow:set_active_model",
    "set_model": "mlflow.models:set_model",
    "set_prompt_alias": "mlflow.genai:set_prompt_alias",
    "set_prompt_model_config": "mlflow.genai:set_prompt_model_config",
    "set_prompt_tag": "mlflow.genai:set_prompt_tag",
    "set_prompt_version_tag": "mlflow.genai:set_prompt_version_tag",
    "start_run": "mlflow:start_run",
    "types.ColSpec.__init__": "mlflow.types:ColSpec.__init__",
    "types.ParamSchema.__init__": "mlflow.types:ParamSchema.__init__",
    "types.ParamSpec.__init__": "mlflow.types:ParamSpec.__init__",
    "types.Schema.__init__": "mlflow.types:Schema.__init__",
    "models.ModelSignature.__init__": "mlflow.models:ModelSignature.__init__",
}


def _resolve(path: str) -> Any:
    module, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _parameters(fn: Any) -> list[dict[str, Any]]:
    found = []
    for param in inspect.signature(fn).parameters.values():
        if param.name == "self":
            continue
        default: Any = None
        if param.default is inspect.Parameter.empty:
            default = "<required>"
        elif isinstance(param.default, (str, int, float, bool, type(None))):
            default = param.default
        else:
            default = repr(param.default)
        found.append({"name": param.name, "kind": param.kind.name, "default": default})
    return found


def main() -> None:
    warnings.filterwarnings("ignore")
    import mlflow

    out: dict[str, Any] = {
        "mlflow": mlflow.__version__,
        "python": sys.version.split()[0],
        "functions": {
            ours: {"mlflow": theirs, "parameters": _parameters(_resolve(theirs))}
            for ours, theirs in sorted(MIRRORED.items())
        },
    }
    target = Path(__file__).with_name("mlflow_signatures.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target} ({len(out['functions'])} functions, MLflow {mlflow.__version__})")


if __name__ == "__main__":
    main()
