"""Check that an MLflow server receives gitprompts' spans over OTLP/HTTP (``/v1/traces``).

Not a test (pytest does not collect it): MLflow is not in the ``test`` extra.
Run it with this checkout's Python (gitprompts with the ``langchain`` and
``tracing`` extras) and name a Python that has MLflow::

    python3 -m venv /tmp/mlflow-venv && /tmp/mlflow-venv/bin/pip install "mlflow==3.17.2"
    python tests/record_mlflow_otlp.py /tmp/mlflow-venv/bin/python

It starts ``mlflow server`` on a free 127.0.0.1 port (sqlite store in a
temporary directory), runs the seed's example 2 with ``gitprompts.autolog()``
and ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` pointing at it (MLflow needs the
``x-mlflow-experiment-id`` header), reads the trace back with
``mlflow.search_traces`` and prints each span's prompt attributes as JSON.
Checked with MLflow 3.17.2: every span arrives with ``gen_ai.prompt.name``,
the pinned ``gitprompts.prompt.version`` and the root's ``gitprompts.model.id``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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


def main() -> None:
    mlflow_python = sys.argv[1]
    tmp = Path(tempfile.mkdtemp(prefix="mlflow-otlp-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    mlflow_bin = str(Path(mlflow_python).parent / "mlflow")
    server = subprocess.Popen(
        [
            mlflow_bin,
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{tmp}/mlflow.db",
            "--default-artifact-root",
            str(tmp / "artifacts"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "server.log", "w"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("mlflow server did not start") from None
                time.sleep(1)
        run = [mlflow_python, "-c", READ, url]
        experiment = subprocess.run([*run, "create"], capture_output=True, text=True, check=True)
        experiment_id = experiment.stdout.strip().splitlines()[-1]
        env = {
            **os.environ,
            "GITPROMPTS_HOME": str(tmp / "home"),
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{url}/v1/traces",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": f"x-mlflow-experiment-id={experiment_id}",
            "PYTHONPATH": str(ROOT),
        }
        sent = subprocess.run(
            [sys.executable, "-c", SEND, str(ROOT / "examples")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        model_id = sent.stdout.strip().splitlines()[-1]
        read = subprocess.run([*run, experiment_id], capture_output=True, text=True, check=True)
        spans = [json.loads(line) for line in read.stdout.splitlines() if line.startswith("{")]
        print(json.dumps({"model_id": model_id, "spans": spans}, indent=2))
        assert spans and all(s["gitprompts.prompt.version"] == 1 for s in spans)
        assert any(s["gitprompts.model.id"] == model_id for s in spans)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
