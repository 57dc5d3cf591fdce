"""An MLflow server receives gitprompts' spans over OTLP/HTTP (``/v1/traces``).

The receiver is a real ``mlflow server`` (sqlite store) on 127.0.0.1, the
session's ``mlflow_server`` fixture; the seed's example 2 runs in a child with
``gitprompts.autolog()`` and only the standard ``OTEL_*`` variables pointing
at it (MLflow files spans under the experiment named by the
``x-mlflow-experiment-id`` header), and MLflow's own client reads the trace
back: every span carries the prompt name, the **pinned** version (1, though
the alias moved to 2 before the load) and the root the model id.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .mlflow_tools import SOURCE_ROOT, child_env, needs_mlflow

pytestmark = needs_mlflow

SEND = """
import sys
import gitprompts
from gitprompts import tracing

examples = sys.argv[1]
gitprompts.register_prompt("chat-prompt", "You are an expert in programming.")
gitprompts.set_prompt_alias("chat-prompt", "production", 1)
info = gitprompts.langchain.log_model(
    examples + "/chatbot.py", name="graph", code_paths=[examples + "/_common.py"]
)
gitprompts.register_prompt("chat-prompt", "You are a pirate.")
gitprompts.set_prompt_alias("chat-prompt", "production", 2)
gitprompts.autolog()
graph = gitprompts.langchain.load_model(info.model_uri)
graph.invoke({"messages": [{"role": "user", "content": "Threads or processes?"}]})
assert tracing.flush()
print(info.model_id)
"""

READ = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import mlflow

mlflow.set_tracking_uri(sys.argv[1])
if sys.argv[2] == "create":
    print(mlflow.create_experiment("gitprompts-otlp"))
    raise SystemExit
keys = ("gen_ai.prompt.name", "gitprompts.prompt.version", "gitprompts.prompt.uri",
        "gitprompts.model.id")
for trace in mlflow.search_traces(locations=[sys.argv[2]], return_type="list"):
    for span in trace.data.spans:
        print(json.dumps({"span": span.name, **{k: span.attributes.get(k) for k in keys}}))
"""


def child(code: str, *args: str, home: Path, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True, text=True, timeout=300, env=child_env(home, **env),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-5000:]
    return done.stdout


def test_an_mlflow_server_receives_the_pinned_version_over_otlp(
    mlflow_server: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    experiment = child(READ, mlflow_server, "create", home=home).strip().splitlines()[-1]
    model_id = (
        child(
            SEND,
            str(Path(SOURCE_ROOT) / "examples"),
            home=home,
            GITPROMPTS_HOME=str(home / "gitprompts"),
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{mlflow_server}/v1/traces",
            OTEL_EXPORTER_OTLP_TRACES_HEADERS=f"x-mlflow-experiment-id={experiment}",
        )
        .strip()
        .splitlines()[-1]
    )
    out = child(READ, mlflow_server, experiment, home=home)
    spans = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert spans, out
    prompted = [s for s in spans if s["gen_ai.prompt.name"] == "chat-prompt"]
    assert prompted and all(s["gitprompts.prompt.version"] == 1 for s in prompted), spans
    assert any(s["gitprompts.model.id"] == model_id for s in spans), spans
