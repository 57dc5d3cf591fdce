"""Benchmark: what autolog adds to one LangChain call, gitprompts beside MLflow.

    python benchmarks/bench_tracing.py [--calls 300] [--rounds 5] [--mlflow-python PY]

Two workloads with an offline chat model (LangChain's ``FakeListChatModel``):
``chain`` (a ChatPromptTemplate from a registry prompt | the chat model | a
string parser: 4 spans) and ``graph`` (the seed's example 2, a LangGraph
chatbot: 4 spans); and ``openai`` (``--workloads openai``): the real
``openai`` client's ``chat.completions.create`` against the local stand-in
server (``examples/_chat_server``, run by this script on 127.0.0.1), a system
message from a registry prompt, traced by ``gitprompts.openai.autolog()`` and
``mlflow.openai.autolog()``: 1 span. Each side runs in fresh child processes (autolog hooks
the whole process, so the two must not share one): the process times
``--calls`` invocations without tracing, then turns on
``gitprompts.autolog()`` (local trace store, the default) or
``mlflow.langchain.autolog()`` (sqlite tracking store in a temporary
directory) and times as many again. The overhead is the difference of the
medians of per-call wall-clock times in the caller's thread; "CPU added" is
the process's CPU time per call (every thread, the background writers
included, until what the calls queued is written) less the untraced one:
steadier than wall clock on a shared machine, and what tracing really costs. Rounds alternate gitprompts and MLflow;
the medians over rounds are reported, with the ratio.

MLflow runs in ``--mlflow-python`` (a virtualenv with mlflow, langchain-core,
langgraph and this checkout installed), or here if mlflow imports here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, logging, os, statistics, sys, time, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
side, workload, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
import gitprompts
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

gitprompts.register_prompt("sys", "You are {{ persona }}. Answer in one short paragraph.")
if workload == "openai":
    import openai
    system = gitprompts.load_prompt("prompts:/sys/1").format(persona="an expert")
    client = openai.OpenAI(base_url=os.environ["CHAT_URL"], api_key="sk-bench", max_retries=0)
    class _Client:
        def invoke(self, messages):
            return client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    model = _Client()
    arg = [{"role": "system", "content": system}, {"role": "user", "content": "Threads?"}]
elif workload == "chain":
    prompt = gitprompts.load_prompt("prompts:/sys/1")
    model = ChatPromptTemplate.from_messages(
        [("system", prompt.to_single_brace_format()), ("user", "{q}")]
    ) | FakeListChatModel(responses=["A short answer."]) | StrOutputParser()
    arg = {"persona": "an expert", "q": "Threads or processes?"}
else:
    sys.path.insert(0, os.environ["EXAMPLES"])
    gitprompts.register_prompt("chat-prompt", "You are an expert in programming.")
    gitprompts.set_prompt_alias("chat-prompt", "production", 1)
    info = gitprompts.langchain.log_model(
        os.path.join(os.environ["EXAMPLES"], "chatbot.py"), name="graph",
        code_paths=[os.path.join(os.environ["EXAMPLES"], "_common.py")],
    )
    model = gitprompts.langchain.load_model(info.model_uri)
    arg = {"messages": [{"role": "user", "content": "Threads or processes?"}]}

def timed(n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        model.invoke(arg)
        out.append(time.perf_counter() - t)
    return out

if side == "gitprompts":
    from gitprompts import tracing
    def on():
        gitprompts.openai.autolog() if workload == "openai" else gitprompts.autolog()
    def off():
        gitprompts.autolog(disable=True)
    flush = tracing.flush
else:
    import mlflow
    mlflow.set_tracking_uri("sqlite:///" + os.path.join(os.environ["BENCH_TMP"], "mlflow.db"))
    mlflow.set_experiment("bench")
    flavor = mlflow.openai if workload == "openai" else mlflow.langchain
    def on():
        flavor.autolog()
    def off():
        flavor.autolog(disable=True)
    def flush():
        try:
            mlflow.flush_trace_async_logging()
        except Exception:
            pass

# Blocks with tracing off and on alternate, so the load of a shared machine
# falls on both alike. CPU is the whole process's (every thread: the
# background writers too), per call, until what the block queued is written.
pools = {False: [], True: []}
cpu = {False: [], True: []}
block = max(10, calls // 10)
for _ in range(20):
    model.invoke(arg)
for i in range(2 * (calls // block)):
    traced = i % 2 == 1
    on() if traced else off()
    for _ in range(5):
        model.invoke(arg)
    flush()
    c = time.process_time()
    pools[traced].extend(timed(block))
    flush()
    cpu[traced].append((time.process_time() - c) / block)
print(json.dumps({
    "plain": statistics.median(pools[False]),
    "traced": statistics.median(pools[True]),
    "plain_cpu": statistics.median(cpu[False]),
    "traced_cpu": statistics.median(cpu[True]),
}))
"""


def run(python: str, side: str, workload: str, calls: int, chat: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-tracing-{side}-") as tmp:
        env = {
            **os.environ,
            "CHAT_URL": chat,
            "GITPROMPTS_HOME": str(Path(tmp) / "home"),
            "BENCH_TMP": tmp,
            "EXAMPLES": str(ROOT / "examples"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        env.pop("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", None)
        out = subprocess.run(
            [python, "-c", CHILD, side, workload, str(calls)],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"{side} {workload} failed:\n{out.stderr[-3000:]}")
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mlflow-python", default=sys.executable)
    parser.add_argument("--workloads", default="chain,graph")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "examples"))
    from _chat_server import running

    with running() as server:
        for workload in args.workloads.split(","):
            compare(workload, args, server.base_url)


def compare(workload: str, args: argparse.Namespace, chat: str) -> None:
    found: dict[str, list[dict[str, float]]] = {"gitprompts": [], "mlflow": []}
    for _ in range(args.rounds):
        found["gitprompts"].append(run(sys.executable, "gitprompts", workload, args.calls, chat))
        found["mlflow"].append(run(args.mlflow_python, "mlflow", workload, args.calls, chat))
    print(f"\n{workload}: {args.calls} calls x {args.rounds} rounds, medians (per call)")
    print(f"{'':12}{'untraced':>10}{'traced':>10}{'added':>10}{'CPU added':>12}")
    added = {}
    for side, rows in found.items():
        plain = statistics.median(r["plain"] for r in rows)
        traced = statistics.median(r["traced"] for r in rows)
        over = statistics.median(r["traced"] - r["plain"] for r in rows)
        flushed = statistics.median(r["traced_cpu"] - r["plain_cpu"] for r in rows)
        added[side] = (over, flushed)
        print(
            f"{side:12}{plain * 1e3:>8.3f}ms{traced * 1e3:>8.3f}ms"
            f"{over * 1e3:>8.3f}ms{flushed * 1e3:>10.3f}ms"
        )
    ratio = added["mlflow"][0] / added["gitprompts"][0] if added["gitprompts"][0] > 0 else 0
    ratio_flush = added["mlflow"][1] / added["gitprompts"][1] if added["gitprompts"][1] > 0 else 0
    print(
        f"MLflow's autolog adds {ratio:.1f}x what gitprompts' does "
        f"({ratio_flush:.1f}x in CPU time); target >= 5x, <= 1 ms"
    )


if __name__ == "__main__":
    main()
