# ruff: noqa: E501  (HTML templates: one element per line reads better than wrapped)
"""The UI's Jinja2 templates (autoescaped HTML, no JavaScript), kept in code so they ship
with the package without package-data."""

from __future__ import annotations

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;
color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header .brand{font-size:18px}
header .clone{margin-left:auto;font:12px ui-monospace,monospace;color:#c9d1d9}
main{max-width:1200px;margin:0 auto;padding:16px 24px}
h1{font-size:22px;margin:8px 0 12px;overflow-wrap:anywhere}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
a{color:#0969da}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600;font-size:13px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono",monospace;
font-size:13px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;background:#fff;
border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:6px 0}
mark.var{background:#fff3b0;border-radius:3px;padding:0 2px;color:#6e4b00;font-weight:600}
.pill{display:inline-block;border:1px solid #d0d7de;border-radius:12px;padding:0 8px;
font-size:12px;margin:1px 2px;background:#fff}
.pill.alias{background:#ddf4ff;border-color:#54aeff}
.pill.tag{background:#f6f8fa}
.pill.ok{background:#dafbe1;border-color:#4ac26b}
.pill.bad{background:#ffebe9;border-color:#ff8182}
.muted{color:#656d76;font-size:13px}
form.search{display:flex;gap:8px;margin:8px 0 12px;flex-wrap:wrap}
form.search input,form select{padding:5px 8px;border:1px solid #d0d7de;border-radius:6px}
button{padding:5px 12px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}
.pager{margin:10px 0;display:flex;gap:12px;align-items:center}
.msg{border:1px solid #d0d7de;border-radius:6px;margin:6px 0;background:#fff}
.msg .role{font-weight:600;font-size:12px;padding:4px 10px;background:#f6f8fa;
border-bottom:1px solid #d0d7de}
.msg pre{border:0;margin:0}
table.diff td{font-family:ui-monospace,monospace;font-size:13px;white-space:pre-wrap;
padding:1px 8px;border:0}
table.diff td.no{color:#8c959f;text-align:right;width:3em;user-select:none}
table.diff tr.add td.t,td.add{background:#dafbe1}
table.diff tr.del td.t,td.del{background:#ffebe9}
table.diff tr.hunk td{background:#ddf4ff;color:#0550ae}
td.chg{background:#fff8c5}
td.chg mark.w{background:#f2cc60;border-radius:2px;padding:0;color:inherit}
h3{font-size:15px;margin:14px 0 6px}
.grid{display:grid;grid-template-columns:160px 1fr;gap:4px 12px;background:#fff;
border:1px solid #d0d7de;padding:10px 12px;border-radius:6px}
.grid div:nth-child(odd){color:#656d76}
.error{background:#ffebe9;border:1px solid #ff8182;padding:12px;border-radius:6px}
tr.current td{background:#fff8c5}
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · gitprompts</title>
<style>{{ css }}</style></head>
<body><header><a class="brand" href="/">gitprompts</a>
<a href="/">Prompts</a><a href="/models">Models</a><a href="/runs">Runs</a><a href="/traces">Traces</a>
<span class="clone">git clone {{ clone_url }}</span>{% include "nav.html" ignore missing %}</header>
<main>{% block body %}{% endblock %}</main></body></html>
"""

PROMPTS = """{% extends "base.html" %}
{% block title %}Prompts{% endblock %}
{% block body %}
<h1>Prompts <span class="muted">{{ total }} of {{ count }}</span></h1>
{% include "list_actions.html" ignore missing %}
<form class="search" method="get" action="/">
<input name="q" value="{{ q }}" placeholder="name contains…" aria-label="name">
<input name="text" value="{{ text }}" placeholder="template text contains…" aria-label="template text">
<input name="tag" value="{{ tag }}" placeholder="tag key or key=value" aria-label="tag">
<button type="submit">Search</button>{% if q or tag or text %} <a href="/">clear</a>{% endif %}
</form>
<table><thead><tr><th>Name</th><th>Latest</th><th>Aliases</th><th>Tags</th>
<th>Last change</th></tr></thead><tbody>
{% for p in prompts %}<tr>
<td><a href="{{ prompt_url(p.name) }}">{{ p.name }}</a></td>
<td><a href="{{ prompt_url(p.name, v=p.latest_version) }}">v{{ p.latest_version }}</a></td>
<td>{% for a, v in p.aliases.items() %}<span class="pill alias">{{ a }} → v{{ v }}</span>{% endfor %}</td>
<td>{% for k, v in p.tags.items() %}<span class="pill tag">{{ k }}={{ v }}</span>{% endfor %}</td>
<td class="muted">{{ when(p.creation_timestamp) }}</td></tr>
{% else %}<tr><td colspan="5" class="muted">No prompts{% if q or tag or text %} match{% endif %}.</td></tr>
{% endfor %}</tbody></table>
{% if pages > 1 %}<div class="pager">
{% if page > 1 %}<a href="{{ page_url(page - 1) }}">← previous</a>{% endif %}
<span class="muted">page {{ page }} of {{ pages }}</span>
{% if page < pages %}<a href="{{ page_url(page + 1) }}">next →</a>{% endif %}</div>{% endif %}
{% endblock %}
"""

PROMPT = """{% extends "base.html" %}
{% block title %}{{ name }}{% endblock %}
{% block body %}
<h1>{{ name }} <span class="muted">v{{ shown.version }} of {{ versions|length }}</span></h1>
{% include "prompt_actions.html" ignore missing %}
<div class="grid">
<div>URI</div><div class="mono">{{ shown.uri }}</div>
<div>Type</div><div>{{ shown.prompt_type }}</div>
<div>Aliases</div><div>{% for a, v in aliases.items() %}<a class="pill alias" href="{{ prompt_url(name, v=v) }}">{{ a }} → v{{ v }}</a>{% else %}<span class="muted">none</span>{% endfor %}</div>
<div>Variables</div><div>{% for v in shown.variables|sort %}<mark class="var">{{ v }}</mark> {% else %}<span class="muted">none</span>{% endfor %}</div>
<div>Tags</div><div>{% for k, v in shown.tags.items() %}<span class="pill tag">{{ k }}={{ v }}</span>{% else %}<span class="muted">none</span>{% endfor %}</div>
</div>

<h2>Template (v{{ shown.version }})</h2>
{% if shown.is_text_prompt %}<pre class="template">{{ highlight(shown.template) }}</pre>
{% else %}{% for m in shown.template %}<div class="msg"><div class="role">{{ m.role }}</div>
<pre class="template">{{ highlight(m.content) }}</pre></div>{% endfor %}{% endif %}
<h2>Model config</h2>
{% if shown.model_config %}<pre>{{ to_json(shown.model_config) }}</pre>{% else %}<p class="muted">none</p>{% endif %}
<h2>Response format</h2>
{% if shown.response_format %}<pre>{{ to_json(shown.response_format) }}</pre>{% else %}<p class="muted">none</p>{% endif %}

<h2>Versions</h2>
<table><thead><tr><th>Version</th><th>Date</th><th>Author</th><th>Message</th>
<th>Aliases</th><th>Models using it</th></tr></thead><tbody>
{% for v in versions|reverse %}<tr{% if v.version == shown.version %} class="current"{% endif %}>
<td><a href="{{ prompt_url(name, v=v.version) }}">v{{ v.version }}</a></td>
<td class="muted">{{ when(v.creation_timestamp) }}</td>
<td>{{ v.user_id or "" }}</td><td>{{ v.commit_message or "" }}</td>
<td>{% for a in v.aliases %}<span class="pill alias">{{ a }}</span>{% endfor %}</td>
<td>{% for m in models.get(v.version, []) %}<a class="mono" href="/models/{{ m.id }}" title="{{ m.id }}">{{ m.label }}</a><br>{% else %}<span class="muted">—</span>{% endfor %}</td>
</tr>{% endfor %}</tbody></table>
{% include "prompt_traces.html" %}

<h2 id="diff">Diff</h2>
<form class="search" method="get" action="{{ prompt_url(name) }}#diff">
<input type="hidden" name="v" value="{{ shown.version }}">
<label>from <select name="from">{% for v in versions %}<option value="{{ v.version }}"{% if v.version == diff_from %} selected{% endif %}>v{{ v.version }}</option>{% endfor %}</select></label>
<label>to <select name="to">{% for v in versions %}<option value="{{ v.version }}"{% if v.version == diff_to %} selected{% endif %}>v{{ v.version }}</option>{% endfor %}</select></label>
<label><select name="view"><option value="unified"{% if view == "unified" %} selected{% endif %}>unified</option>
<option value="side"{% if view == "side" %} selected{% endif %}>side by side</option></select></label>
<button type="submit">Compare</button></form>
{% macro words(parts, text) %}{% if parts %}{% for t, changed in parts %}{% if changed %}<mark class="w">{{ t }}</mark>{% else %}{{ t }}{% endif %}{% endfor %}{% else %}{{ text }}{% endif %}{% endmacro %}
{% if diff_from is none %}<p class="muted">Only one version: nothing to compare.</p>
{% elif not diff_rows %}<p class="muted">The templates of v{{ diff_from }} and v{{ diff_to }} are identical.</p>
{% elif view == "side" %}
<table class="diff side"><thead><tr><th colspan="2">v{{ diff_from }}</th><th colspan="2">v{{ diff_to }}</th></tr></thead><tbody>
{% for r in diff_rows %}<tr><td class="no">{{ r.left_no or "" }}</td><td class="t {{ r.left_kind }}">{{ words(r.left_parts, r.left) }}</td>
<td class="no">{{ r.right_no or "" }}</td><td class="t {{ r.right_kind }}">{{ words(r.right_parts, r.right) }}</td></tr>{% endfor %}
</tbody></table>
{% else %}
<table class="diff unified"><tbody>
{# the ---/+++ file names look like hunk headers #}
{% for r in diff_rows %}<tr class="{{ 'hunk' if r.kind == 'file' else r.kind }}"><td class="t">{{ r.text }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if diff_from is not none %}<h3 id="diff-metadata">Message, tags and config</h3>
{% if meta_rows %}<table class="diff unified meta"><tbody>
{% for r in meta_rows %}{% if r.kind not in ("file", "hunk") %}<tr class="{{ r.kind }}"><td class="t">{{ r.text }}</td></tr>{% endif %}{% endfor %}
</tbody></table>{% else %}<p class="muted">unchanged</p>{% endif %}{% endif %}
{% endblock %}
"""

MODELS = """{% extends "base.html" %}
{% block title %}Models{% endblock %}
{% block body %}
<h1>Models <span class="muted">{{ models|length }}</span></h1>
<table><thead><tr><th>Model</th><th>Name</th><th>Run</th><th>Flavor</th><th>Created</th><th>Prompts</th></tr></thead><tbody>
{% for m in models %}<tr><td><a class="mono" href="/models/{{ m.model_id }}">{{ m.model_id[:16] }}…</a></td>
{% set by = logged_by.get(m.model_id) %}<td>{% if by %}{{ by[1] }}</td><td><a href="/runs/{{ by[0].run_id }}">{{ by[0].run_name or by[0].run_id[:12] }}</a>{% else %}{{ m.name or "" }}</td><td class="muted">—{% endif %}</td><td>{{ m.flavor }}</td><td class="muted">{{ when(m.created_at) }}</td>
<td>{% for p in m.pins %}<a class="pill" href="{{ prompt_url(p.name, v=p.version) }}">{{ p.name }} v{{ p.version }}</a>{% endfor %}</td></tr>
{% else %}<tr><td colspan="6" class="muted">No models logged on this machine.</td></tr>{% endfor %}
</tbody></table>
{% endblock %}
"""

MODEL = """{% extends "base.html" %}
{% block title %}Model {{ info.model_id[:12] }}{% endblock %}
{% block body %}
<h1>Model <span class="mono">{{ info.model_id }}</span></h1>
<div class="grid">
<div>Model URI</div><div class="mono">{{ info.model_uri }}</div>
<div>Name</div><div>{{ name or "—" }}</div>
<div>Run</div><div>{% if run %}<a href="/runs/{{ run.run_id }}">{{ run.run_name or run.run_id }}</a> <span class="mono muted">runs:/{{ run.run_id }}/{{ name }}</span>{% else %}<span class="muted">none</span>{% endif %}</div>
<div>Flavor</div><div>{{ info.flavor }}</div>
<div>Created</div><div>{{ when(info.created_at) }}</div>
<div>Python</div><div>{{ info.manifest.python }}</div>
<div>Verification</div><div>{% if problems %}<span class="pill bad">FAILED</span>{% else %}<span class="pill ok">passes</span> <span class="muted">every file and pinned prompt matches its sha256</span>{% endif %}</div>
</div>
{% if problems %}<div class="error"><ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul></div>{% endif %}

<h2>Prompts <span class="muted">{{ info.pins|length }}</span></h2>
<table><thead><tr><th>As written</th><th>Resolved</th><th>Source</th><th>Commit</th><th>sha256</th></tr></thead><tbody>
{% for p in info.pins %}<tr><td class="mono">{{ p.uri }}</td>
<td><a class="mono" href="{{ prompt_url(p.name, v=p.version) }}">{{ p.resolved_uri }}</a></td>
<td><span class="pill">{{ p.source }}</span></td>
<td class="mono">{{ p.commit_id[:12] }}</td><td class="mono">{{ p.sha256[:16] }}…</td></tr>
{% else %}<tr><td colspan="5" class="muted">This model pins no prompts.</td></tr>{% endfor %}
</tbody></table>

<h2>Files <span class="muted">{{ info.files|length }}</span></h2>
<table><thead><tr><th>Path</th><th>Size</th><th>sha256</th></tr></thead><tbody>
{% for f in info.files %}<tr><td class="mono">{{ f.path }}</td><td>{{ f.size }}</td><td class="mono">{{ f.sha256 }}</td></tr>{% endfor %}
</tbody></table>
{% if info.manifest.packages %}<h2>Packages</h2><table><tbody>
{% for k, v in info.manifest.packages.items() %}<tr><td>{{ k }}</td><td class="mono">{{ v }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% endblock %}
"""

RUNS = """{% extends "base.html" %}
{% block title %}Runs{% endblock %}
{% block body %}
<h1>Runs <span class="muted">{{ runs|length }}</span></h1>
<table><thead><tr><th>Run</th><th>Name</th><th>Started</th><th>Models</th></tr></thead><tbody>
{% for r in runs %}<tr><td><a class="mono" href="/runs/{{ r.run_id }}">{{ r.run_id }}</a></td>
<td>{{ r.run_name or "" }}</td><td class="muted">{{ when(r.start_time) }}</td>
<td>{{ r.models|length }}</td></tr>
{% else %}<tr><td colspan="4" class="muted">No runs.</td></tr>{% endfor %}
</tbody></table>
{% endblock %}
"""

RUN = """{% extends "base.html" %}
{% block title %}Run {{ run.run_name or run.run_id }}{% endblock %}
{% block body %}
<h1>Run {{ run.run_name or "" }} <span class="mono muted">{{ run.run_id }}</span></h1>
<div class="grid"><div>Started</div><div>{{ when(run.start_time) }}</div></div>
<h2>Models</h2>
<table><thead><tr><th>Name</th><th>URI</th><th>Model</th><th>Flavor</th><th>Prompts</th></tr></thead><tbody>
{% for name, model_id, info in models %}<tr><td>{{ name }}</td>
<td class="mono">runs:/{{ run.run_id }}/{{ name }}</td>
<td><a class="mono" href="/models/{{ model_id }}">{{ model_id[:16] }}…</a></td>
<td>{{ info.flavor if info else "missing" }}</td>
<td>{% if info %}{% for p in info.pins %}<a class="pill" href="{{ prompt_url(p.name, v=p.version) }}">{{ p.name }} v{{ p.version }}</a>{% endfor %}{% endif %}</td></tr>
{% endfor %}</tbody></table>
{% endblock %}
"""

ERROR = """{% extends "base.html" %}
{% block title %}{{ status }}{% endblock %}
{% block body %}<h1>{{ status }}</h1><div class="error">{{ message }}</div>
<p><a href="/">Back to the prompts</a></p>{% endblock %}
"""

TEMPLATES = {
    "base.html": BASE,
    "prompts.html": PROMPTS,
    "prompt.html": PROMPT,
    "models.html": MODELS,
    "model.html": MODEL,
    "runs.html": RUNS,
    "run.html": RUN,
    "error.html": ERROR,
}
