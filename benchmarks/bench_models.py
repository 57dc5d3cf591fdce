"""Benchmark: log_model and load_model of a models-from-code pyfunc model.

    python benchmarks/bench_models.py [--reps 7] [--vs-mlflow]
    python benchmarks/bench_models.py --flavors openai,llama_index,dspy [--reps 7] [--rounds 3]

Each repetition logs a different script (a changed comment), so nothing is
served from the content-addressed store's dedup; one warm-up call is not
counted; medians are reported. Both sides are given the same MLflow
arguments: ``pip_requirements`` (so MLflow skips inferring them),
``input_example`` and ``signature`` (each side's own ``infer_signature``).
With ``--vs-mlflow`` the same is done with
``mlflow.pyfunc.log_model(python_model="<script>", ...)`` on a local store in a
temporary directory (sqlite tracking, local artifacts; ``--mlflow-store file``
for the deprecated file store), in the MLflow virtualenv (``--mlflow-python``), or in
this interpreter if mlflow imports here, and the ratios are printed.

``--flavors`` times ``<flavor>.log_model`` and ``<flavor>.load_model`` of the
OpenAI, LlamaIndex and DSPy flavors on both sides, each side in a child
process of ``--flavor-python`` (an interpreter with gitprompts, MLflow and
the three libraries; both sides run the same workload code, in ``--rounds``
alternating rounds per flavor): a chat-completions model with its messages, a one-document
``VectorStoreIndex`` (``MockEmbedding``, ``engine_type="query"``) and a
``dspy.Predict`` program, each logged with ``prompts=`` and varied per
repetition so nothing is deduplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """\
# rep {rep}
import {module}

PROMPT = {module}.load_prompt("prompts:/bench-prompt/1")


# Type hints: MLflow 3 then passes the list through as gitprompts does (without
# them it turns a list into a pandas DataFrame first).
def predict(model_input: list[str]) -> list[str]:
    return [PROMPT.format(question=q) for q in model_input]


{module}.{set_model}(predict)
"""

MLFLOW_SIDE = r"""
import json, os, statistics, sys, tempfile, time, warnings
warnings.filterwarnings("ignore")
import logging
logging.disable(logging.WARNING)
reps = int(sys.argv[1])
tmp = tempfile.mkdtemp(prefix="bench-mlflow-")
import mlflow
store = sys.argv[2]
if store == "file":
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
mlflow.set_tracking_uri(
    "sqlite:///" + os.path.join(tmp, "mlflow.db") if store == "sqlite" else "file://" + tmp
)
mlflow.set_experiment("bench")
mlflow.genai.register_prompt(name="bench-prompt", template="Answer {{ question }}")
script = sys.stdin.read()
log, load = [], []
for rep in range(reps + 1):
    path = os.path.join(tmp, f"model_{rep}.py")
    with open(path, "w") as f:
        f.write(script.replace("{rep}", str(rep)))
    with mlflow.start_run():
        t = time.perf_counter()
        info = mlflow.pyfunc.log_model(
            python_model=path,
            name="model",
            pip_requirements=["mlflow"],
            input_example=["x"],
            signature=mlflow.models.infer_signature(["x"], ["Answer x"]),
        )
        log.append(time.perf_counter() - t)
    t = time.perf_counter()
    model = mlflow.pyfunc.load_model(info.model_uri)
    load.append(time.perf_counter() - t)
    assert model.predict(["x"]) == ["Answer x"], model.predict(["x"])
print(json.dumps({"log": log[1:], "load": load[1:], "version": mlflow.__version__}))
"""


FLAVOR_SIDE = r"""
import json, logging, os, sys, tempfile, time, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
side, flavor, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
tmp = tempfile.mkdtemp(prefix=f"bench-{side}-")
os.chdir(tmp)  # MLflow puts artifacts under ./mlruns
os.environ["OPENAI_API_KEY"] = "sk-bench-never-called"
REQUIREMENTS = {"openai": "openai", "llama_index": "llama-index-core", "dspy": "dspy"}
if side == "mlflow":
    import mlflow as api
    api.set_tracking_uri("sqlite:///" + os.path.join(tmp, "mlflow.db"))
    api.set_experiment("bench")
    api.genai.register_prompt(name="bench-prompt", template="Answer {{ question }}")
    extra = {"pip_requirements": [REQUIREMENTS[flavor]]}
    version = api.__version__
else:
    os.environ["GITPROMPTS_HOME"] = tmp
    import gitprompts as api
    api.register_prompt("bench-prompt", "Answer {{ question }}")
    extra = {}
    version = api.__version__
if flavor == "llama_index":
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.llms import MockLLM
    Settings.llm = MockLLM()
    Settings.embed_model = MockEmbedding(embed_dim=8)
if flavor == "dspy":
    import dspy
    from dspy.utils import DummyLM
    dspy.configure(lm=DummyLM([{"answer": "x"}]))
import importlib
module = importlib.import_module(f"{api.__name__}.{flavor}")


def make(rep):
    if flavor == "openai":
        messages = [{"role": "system", "content": f"Rep {rep}: answer briefly."},
                    {"role": "user", "content": "{question}"}]
        return "gpt-4o-mini", {"task": "chat.completions", "messages": messages}
    if flavor == "llama_index":
        index = VectorStoreIndex.from_documents([Document(text=f"Rep {rep}: git stores snapshots.")])
        return index, {"engine_type": "query"}
    return dspy.Predict(dspy.Signature("question -> answer", f"Rep {rep}: answer briefly.")), {}


log, load = [], []
for rep in range(reps + 1):
    model, kwargs = make(rep)
    with api.start_run():
        t = time.perf_counter()
        info = module.log_model(model, name="model", prompts=["prompts:/bench-prompt/1"], **kwargs, **extra)
        log.append(time.perf_counter() - t)
    t = time.perf_counter()
    module.load_model(info.model_uri)
    load.append(time.perf_counter() - t)
print(json.dumps({"log": log[1:], "load": load[1:], "version": version}))
"""


def bench_flavor(python: str, side: str, flavor: str, reps: int) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [python, "-c", FLAVOR_SIDE, side, flavor, str(reps)],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise SystemExit(f"the {side} side of {flavor} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_flavors(flavors: list[str], python: str, reps: int, rounds: int) -> None:
    """Per flavor, ``rounds`` rounds of both sides, the order swapped each round.

    The machine's load moves by several times within a minute when it is
    shared; alternating the sides spreads that over both, and the medians
    are over every round's samples.
    """
    print("| flavor | measure | gitprompts | MLflow | MLflow / gitprompts |")
    print("|---|---|---|---|---|")
    version = ""
    for flavor in flavors:
        samples: dict[str, dict[str, list[float]]] = {
            side: {"log": [], "load": []} for side in ("gitprompts", "mlflow")
        }
        for round_ in range(rounds):
            sides = ["gitprompts", "mlflow"] if round_ % 2 == 0 else ["mlflow", "gitprompts"]
            for side in sides:
                got = bench_flavor(python, side, flavor, reps)
                version = str(got.get("version", version)) if side == "mlflow" else version
                for what in ("log", "load"):
                    samples[side][what] += got[what]
        for what in ("log", "load"):
            ours = samples["gitprompts"][what]
            theirs = samples["mlflow"][what]
            a, b = statistics.median(ours), statistics.median(theirs)
            print(
                f"| {flavor} | `{what}_model` | {a * 1000:.1f} ms | {b * 1000:.1f} ms "
                f"| **{b / a:.1f}x** |",
                flush=True,
            )
    print(f"(medians of {rounds} rounds x {reps}; MLflow {version}, sqlite tracking)")


def bench_gitprompts(reps: int) -> dict[str, list[float]]:
    home = tempfile.mkdtemp(prefix="bench-gitprompts-")
    os.environ["GITPROMPTS_HOME"] = home
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import gitprompts

    gitprompts.register_prompt("bench-prompt", "Answer {{ question }}")
    log, load = [], []
    for rep in range(reps + 1):
        path = Path(home) / f"model_{rep}.py"
        path.write_text(SCRIPT.format(rep=rep, module="gitprompts", set_model="set_model"))
        t = time.perf_counter()
        info = gitprompts.pyfunc.log_model(
            python_model=str(path),
            name="model",
            pip_requirements=["gitprompts"],
            input_example=["x"],
            signature=gitprompts.infer_signature(["x"], ["Answer x"]),
        )
        log.append(time.perf_counter() - t)
        t = time.perf_counter()
        model = gitprompts.pyfunc.load_model(info.model_uri)
        load.append(time.perf_counter() - t)
        assert model.predict(["x"]) == ["Answer x"]
    return {"log": log[1:], "load": load[1:]}


def bench_mlflow(reps: int, python: str, store: str) -> dict[str, list[float]]:
    script = SCRIPT.replace("{rep}", "{{rep}}").format(
        module="mlflow", set_model="models.set_model", rep="{rep}"
    )
    try:
        import mlflow  # noqa: F401

        python = sys.executable
    except ImportError:
        pass
    result = subprocess.run(
        [python, "-c", MLFLOW_SIDE, str(reps), store],
        input=script,
        capture_output=True,
        text=True,
        # MLflow puts artifacts under ./mlruns of the working directory.
        cwd=tempfile.mkdtemp(prefix="bench-mlflow-cwd-"),
    )
    if result.returncode != 0:
        raise SystemExit(f"the MLflow side failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the two sides this many times and pool the samples "
        "(on a shared machine the load moves between the sides otherwise)",
    )
    parser.add_argument("--vs-mlflow", action="store_true")
    parser.add_argument("--mlflow-python", default="/work/venv-mlflow20/bin/python")
    parser.add_argument("--mlflow-store", choices=["sqlite", "file"], default="sqlite")
    parser.add_argument("--flavors", help="comma-separated: openai,llama_index,dspy")
    parser.add_argument("--flavor-python", default="/work/venv-bench-flavors/bin/python")
    args = parser.parse_args()
    if args.flavors:
        bench_flavors(args.flavors.split(","), args.flavor_python, args.reps, args.rounds)
        return
    ours: dict[str, list[float]] = {"log": [], "load": []}
    theirs: dict[str, list[float]] = {"log": [], "load": []}
    version = None
    for round_ in range(args.rounds):
        mine = bench_gitprompts(args.reps)
        line = f"round {round_ + 1}: gitprompts log {_ms(mine['log'])}, load {_ms(mine['load'])}"
        for what in ("log", "load"):
            ours[what] += mine[what]
        if args.vs_mlflow:
            other = bench_mlflow(args.reps, args.mlflow_python, args.mlflow_store)
            version = other.get("version")
            ratios = [
                statistics.median(other[w]) / statistics.median(mine[w]) for w in ("log", "load")
            ]
            line += f"; mlflow log {_ms(other['log'])}, load {_ms(other['load'])}"
            line += f"; ratios log {ratios[0]:.1f}x load {ratios[1]:.1f}x"
            for what in ("log", "load"):
                theirs[what] += other[what]
        print(line, flush=True)
    print(f"gitprompts log_model  (models-from-code pyfunc): {_ms(ours['log'])}")
    print(f"gitprompts load_model (models-from-code pyfunc): {_ms(ours['load'])}")
    if args.vs_mlflow:
        label = f"mlflow {version} ({args.mlflow_store} store)"
        print(f"{label} log_model:  {_ms(theirs['log'])}")
        print(f"{label} load_model: {_ms(theirs['load'])}")
        for what in ("log", "load"):
            ratio = statistics.median(theirs[what]) / statistics.median(ours[what])
            print(f"{what}_model: gitprompts is {ratio:.1f}x faster (pooled median vs median)")


if __name__ == "__main__":
    main()
