# ruff: noqa: E501  (HTML templates: one element per line reads better than wrapped)
"""The Traces pages of the web UI, over the local trace store that ``autolog()`` fills.

Routes::

    /traces                 recent traces (?prompt=NAME or NAME/N: those that used it)
    /traces/<trace_id>      a trace: the span tree, the messages each model call sent,
                            links to the prompt version and the model of each span

The prompt page lists, under its versions, the recent traces that used each
one (``recent_for_prompt``). Every value shown comes from spans, which hold
whatever a prompt or a model's output contained: it is autoescaped like the
rest of the UI (and no script runs on these pages at all).

>>> parse_messages('[{"role": "system", "parts": [{"type": "text", "content": "Hi"}]}]')
[{'role': 'system', 'text': 'Hi'}]
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from gitprompts.errors import (
    GitPromptsError,
    InvalidTraceIdError,
    TraceNotFoundError,
    TraceStoreError,
)
from gitprompts.tracing import attributes as attr
from gitprompts.tracing.store import TRACE_ID, SpanRecord, TraceStore, TraceSummary, span_tree

if TYPE_CHECKING:
    from gitprompts.serve.pages import UIApp

log = logging.getLogger("gitprompts.serve.ui")
LIST_SIZE = 100
PER_VERSION = 5
# Attributes shown in their own places (messages, links); the table lists the rest.
_SHOWN_APART = {attr.INPUT_MESSAGES, attr.OUTPUT_MESSAGES, attr.INPUTS, attr.OUTPUTS}


def parse_messages(value: object) -> list[dict[str, str]]:
    """``gen_ai.*.messages`` JSON as ``{role, text}`` rows (anything malformed: none)."""
    try:
        messages = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    rows = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        parts = message.get("parts")
        texts = []
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, dict):
                content = part.get("content")
                texts.append(content if isinstance(content, str) else json.dumps(part))
        rows.append({"role": str(message.get("role", "?")), "text": "\n".join(texts)})
    return rows


def _pretty(value: object) -> str:
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except ValueError:
            return value
    return str(value)


def _view(depth: int, span: SpanRecord) -> dict[str, Any]:
    a = span.attributes
    prompts = []
    for uri in a.get(attr.PROMPTS) or []:
        name, _, number = str(uri).removeprefix("prompts:/").rpartition("/")
        if name and number.isdigit():
            prompts.append({"name": name, "version": int(number), "uri": str(uri)})
    model_id = a.get(attr.MODEL_ID)
    return {
        "depth": depth,
        "span": span,
        "kind": str(a.get(attr.SPAN_KIND, "")),
        "prompts": prompts,
        "written": a.get(attr.PROMPT_URI),
        "model_id": model_id if isinstance(model_id, str) and len(model_id) == 64 else None,
        "sent": parse_messages(a.get(attr.INPUT_MESSAGES)),
        "received": parse_messages(a.get(attr.OUTPUT_MESSAGES)),
        "inputs": _pretty(a[attr.INPUTS]) if attr.INPUTS in a else None,
        "outputs": _pretty(a[attr.OUTPUTS]) if attr.OUTPUTS in a else None,
        "other": sorted((k, v) for k, v in a.items() if k not in _SHOWN_APART),
    }


def route(app: UIApp, parts: list[str], query: dict[str, str]) -> str:
    """The page at ``/traces/<parts...>``; a damaged store is a 400 that names no server path."""
    try:
        return _page(app, parts, query)
    except TraceStoreError as exc:
        log.warning("trace store: %s", exc)
        raise TraceStoreError("the trace store", "it cannot be read (see the server log)") from None


def _page(app: UIApp, parts: list[str], query: dict[str, str]) -> str:
    store = TraceStore()
    if not parts:
        prompt = query.get("prompt", "").strip()
        wanted: tuple[str, int | None] | None = None
        if prompt:
            name, _, number = prompt.partition("/")
            wanted = (name, int(number) if number.isdigit() else None)
        return app.render(
            "traces.html", traces=store.traces(LIST_SIZE, prompt=wanted), prompt=prompt
        )
    if len(parts) == 1:
        if not TRACE_ID.fullmatch(parts[0]):
            raise InvalidTraceIdError(parts[0])  # 400; the page links use full ids
        spans = store.spans(parts[0])
        return app.render(
            "trace.html",
            trace_id=parts[0],
            spans=[_view(depth, span) for depth, span in span_tree(spans)],
        )
    raise TraceNotFoundError("/".join(parts))


def recent_for_prompt(name: str) -> dict[int, list[TraceSummary]]:
    """The last few traces that used each version of prompt ``name`` (none if no store)."""
    try:
        found: dict[int, list[TraceSummary]] = {}
        for summary in TraceStore().traces(LIST_SIZE, prompt=(name, None)):
            for uri in summary.prompts:
                prompt, _, number = uri.removeprefix("prompts:/").rpartition("/")
                if prompt == name and number.isdigit():
                    rows = found.setdefault(int(number), [])
                    if len(rows) < PER_VERSION:
                        rows.append(summary)
        return found
    except GitPromptsError:
        return {}  # a damaged trace store must not take the prompt page down


TRACES = """{% extends "base.html" %}
{% block title %}Traces{% endblock %}
{% block body %}
<h1>Traces <span class="muted">{{ traces|length }}{% if prompt %} that used {{ prompt }}{% endif %}</span></h1>
<form class="search" method="get" action="/traces">
<input name="prompt" value="{{ prompt }}" placeholder="prompt name or name/N" aria-label="prompt">
<button type="submit">Filter</button>{% if prompt %} <a href="/traces">clear</a>{% endif %}</form>
<table><thead><tr><th>Trace</th><th>Root span</th><th>Started</th><th>Duration</th><th>Spans</th><th>Status</th><th>Prompts</th><th>Model</th></tr></thead><tbody>
{% for t in traces %}<tr><td><a class="mono" href="/traces/{{ t.trace_id }}">{{ t.trace_id[:12] }}</a></td>
<td>{{ t.name }}</td><td class="muted">{{ when(t.start_ns // 1000000) }}</td>
<td>{{ "%.1f"|format(t.duration_ms) }} ms</td><td>{{ t.spans }}</td>
<td>{% if t.status == "error" %}<span class="pill bad">error</span>{% else %}<span class="pill ok">ok</span>{% endif %}</td>
<td>{% for uri in t.prompts %}{% set p = uri.removeprefix("prompts:/").rpartition("/") %}<a class="pill" href="{{ prompt_url(p[0], v=p[2]) }}">{{ p[0] }} v{{ p[2] }}</a>{% endfor %}</td>
<td>{% if t.model_id %}<a class="mono" href="/models/{{ t.model_id }}">{{ t.model_id[:12] }}…</a>{% endif %}</td></tr>
{% else %}<tr><td colspan="8" class="muted">No traces. Turn tracing on with <code>gitprompts.autolog()</code>.</td></tr>{% endfor %}
</tbody></table>
{% endblock %}
"""

TRACE = """{% extends "base.html" %}
{% block title %}Trace {{ trace_id[:12] }}{% endblock %}
{% block body %}
<h1>Trace <span class="mono">{{ trace_id }}</span></h1>
<table class="spans"><thead><tr><th>Span</th><th>Kind</th><th>Duration</th><th>Prompt</th><th>Model</th></tr></thead><tbody>
{% for s in spans %}<tr{% if s.span.status == "error" %} class="failed"{% endif %}>
<td><span style="padding-left:{{ s.depth * 18 }}px"><a href="#span-{{ s.span.span_id }}">{{ s.span.name }}</a></span></td>
<td><span class="pill">{{ s.kind }}</span></td><td>{{ "%.2f"|format(s.span.duration_ms) }} ms</td>
<td>{% for p in s.prompts %}<a class="pill alias" href="{{ prompt_url(p.name, v=p.version) }}">{{ p.name }} v{{ p.version }}</a>{% endfor %}</td>
<td>{% if s.model_id %}<a class="mono" href="/models/{{ s.model_id }}">{{ s.model_id[:12] }}…</a>{% endif %}</td></tr>
{% endfor %}</tbody></table>
{% for s in spans %}
<h2 id="span-{{ s.span.span_id }}">{{ s.span.name }} <span class="muted">{{ "%.2f"|format(s.span.duration_ms) }} ms</span>{% if s.span.status == "error" %} <span class="pill bad">error</span>{% endif %}</h2>
{% if s.prompts %}<p>Prompt: {% for p in s.prompts %}<a class="mono" href="{{ prompt_url(p.name, v=p.version) }}">{{ p.uri }}</a> {% endfor %}{% if s.written %}<span class="muted">(as written: <span class="mono">{{ s.written }}</span>)</span>{% endif %}</p>{% endif %}
{% if s.model_id %}<p>Model: <a class="mono" href="/models/{{ s.model_id }}">models:/{{ s.model_id }}</a></p>{% endif %}
{% if s.span.status_message %}<div class="error mono">{{ s.span.status_message }}</div>{% endif %}
{% if s.sent %}<h3>Sent to the model</h3>{% for m in s.sent %}<div class="msg"><div class="role">{{ m.role }}</div><pre class="sent">{{ m.text }}</pre></div>{% endfor %}{% endif %}
{% if s.received %}<h3>Reply</h3>{% for m in s.received %}<div class="msg"><div class="role">{{ m.role }}</div><pre class="received">{{ m.text }}</pre></div>{% endfor %}{% endif %}
{% if s.inputs is not none %}<details><summary>Inputs</summary><pre>{{ s.inputs }}</pre></details>{% endif %}
{% if s.outputs is not none %}<details><summary>Outputs</summary><pre>{{ s.outputs }}</pre></details>{% endif %}
{% for e in s.span.events %}<h3>{{ e.name }}</h3><pre>{{ to_json(e.attributes) }}</pre>{% endfor %}
<details><summary class="muted">attributes</summary><table><tbody>{% for k, v in s.other %}<tr><td class="mono">{{ k }}</td><td class="mono">{{ v }}</td></tr>{% endfor %}</tbody></table></details>
{% endfor %}
{% endblock %}
"""

PROMPT_TRACES = """<h2 id="traces">Recent traces</h2>
{% if traces %}<table><thead><tr><th>Version</th><th>Traces that used it</th></tr></thead><tbody>
{% for number, rows in traces|dictsort|reverse %}<tr><td><a href="{{ prompt_url(name, v=number) }}">v{{ number }}</a></td>
<td>{% for t in rows %}<a class="mono" href="/traces/{{ t.trace_id }}">{{ t.trace_id[:12] }}</a> <span class="muted">{{ t.name }}, {{ when(t.start_ns // 1000000) }}</span><br>{% endfor %}
<a class="muted" href="/traces?prompt={{ name|urlencode }}/{{ number }}">all</a></td></tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">No stored trace used this prompt.</p>{% endif %}
"""

TEMPLATES = {"traces.html": TRACES, "trace.html": TRACE, "prompt_traces.html": PROMPT_TRACES}
