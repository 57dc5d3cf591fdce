"""``gitprompts traces list|show``: the local trace store that ``autolog()`` fills."""

from __future__ import annotations

import json
from typing import Any

import click

from gitprompts.core.times import local_minute

from ._common import emit_json, for_terminal, group, json_option, table


@group("traces")
def traces() -> None:
    """Spans recorded by gitprompts.autolog() in $GITPROMPTS_HOME/traces (newest first)."""


def _prompt_filter(text: str | None) -> tuple[str, int | None] | None:
    if text is None:
        return None
    from gitprompts.core.uri import parse_prompt_uri

    ref = parse_prompt_uri(text if "/" in text.removeprefix("prompts:/") else f"{text}@latest")
    return ref.name, ref.version


@traces.command("list")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--prompt", metavar="NAME[/N]", help="Only traces that used this prompt (version).")
@json_option
def list_traces(limit: int, prompt: str | None, as_json: bool) -> None:
    """List stored traces: root span, when, duration, spans, prompts used."""
    from gitprompts.tracing.store import TraceStore, summary_json

    found = TraceStore().traces(limit=limit, prompt=_prompt_filter(prompt))
    if as_json:
        emit_json([summary_json(t) for t in found])
        return
    if not found:
        click.echo("No traces. Turn tracing on with gitprompts.autolog().", err=True)
        return
    rows = [
        [
            t.trace_id[:12],
            local_minute(t.start_ns // 1_000_000) or "",
            for_terminal(t.name),
            f"{t.duration_ms:.1f} ms",
            str(t.spans),
            t.status,
            for_terminal(", ".join(t.prompts)) or "-",
        ]
        for t in found
    ]
    click.echo(table(rows, ["TRACE", "STARTED", "ROOT", "DURATION", "SPANS", "STATUS", "PROMPTS"]))


# What ``show`` prints under a span, in this order, when present.
_SHOWN = (
    ("gitprompts.model.uri", "model"),
    ("gitprompts.prompt.resolved_uri", "prompt"),
    ("gitprompts.prompt.uri", "as written"),
    ("gitprompts.prompt.sha256", "sha256"),
    ("gen_ai.request.model", "llm model"),
    ("gen_ai.usage.input_tokens", "input tokens"),
    ("gen_ai.usage.output_tokens", "output tokens"),
)


def _messages(value: Any) -> list[tuple[str, str]]:
    try:
        messages = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    found = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        parts = message.get("parts") or []
        text = "\n".join(
            str(p.get("content", "")) for p in parts if isinstance(p, dict) and "content" in p
        )
        found.append((str(message.get("role", "?")), text))
    return found


@traces.command("show")
@click.argument("trace_id", metavar="ID")
@json_option
def show_trace(trace_id: str, as_json: bool) -> None:
    """Show a trace as a span tree, with the messages each model call sent.

    ID is a trace id from `gitprompts traces list` (a unique prefix of 7+ digits works).
    """
    from gitprompts.tracing.store import TraceStore, span_json, span_tree

    spans = TraceStore().spans(trace_id)
    if as_json:
        emit_json({"trace_id": spans[0].trace_id, "spans": [span_json(s) for s in spans]})
        return
    click.secho(f"trace {spans[0].trace_id}", bold=True)
    for depth, span in span_tree(spans):
        pad = "  " * depth
        status = " ERROR" if span.status == "error" else ""
        click.echo(f"{pad}{for_terminal(span.name)}  {span.duration_ms:.2f} ms{status}")
        for key, label in _SHOWN:
            if key in span.attributes:
                click.echo(f"{pad}    {label}: {for_terminal(str(span.attributes[key]))}")
        for role, text in _messages(span.attributes.get("gen_ai.input.messages")):
            click.echo(f"{pad}    [{for_terminal(role)}] {for_terminal(text)}")
        for role, text in _messages(span.attributes.get("gen_ai.output.messages")):
            click.echo(f"{pad}    -> [{for_terminal(role)}] {for_terminal(text)}")
        if span.status_message:
            click.echo(f"{pad}    error: {for_terminal(span.status_message)}")
