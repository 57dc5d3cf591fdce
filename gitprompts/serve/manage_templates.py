# ruff: noqa: E501  (HTML templates: one element per line reads better than wrapped)
"""Templates of the management pages (sign in, new version, aliases, tags, history,
playground), and the two snippets the read-only pages include when they exist:
``nav.html`` (sign in/out in the header) and ``prompt_actions.html`` (the buttons on a
prompt page). A read-only server does not load this module, so its pages are unchanged.
Every POST form carries the session's CSRF token (``csrf_field``)."""

from __future__ import annotations

MANAGE_CSS = """
nav.me{display:flex;gap:10px;align-items:center;color:#c9d1d9;font-size:13px}
nav.me form{margin:0}
nav.me button{padding:2px 8px;font-size:12px}
.actions{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0 4px;align-items:center}
a.button,button.primary{display:inline-block;padding:5px 12px;border:1px solid #1f883d;border-radius:6px;
background:#1f883d;color:#fff;text-decoration:none;font-size:14px}
a.button.plain{background:#f6f8fa;color:#1f2328;border-color:#d0d7de}
button.danger,a.button.danger{background:#cf222e;border-color:#cf222e;color:#fff}
form.edit label{display:block;font-weight:600;margin:12px 0 4px}
form.edit input[type=text],form.edit input[type=password],form.edit input[type=email],form.edit textarea,form.edit select{
width:100%;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;font:13px ui-monospace,monospace}
form.edit textarea{min-height:6em}
form.edit textarea.template{min-height:14em}
.field-error{color:#cf222e;font-size:13px;margin:2px 0}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:10px 12px;border-radius:6px;margin:8px 0}
.ok-box{background:#dafbe1;border:1px solid #4ac26b;padding:10px 12px;border-radius:6px;margin:8px 0}
.inline{display:inline}
.msgrow{display:grid;grid-template-columns:140px 1fr;gap:8px;margin:6px 0}
ul.changes{margin:0;padding-left:18px}
pre.snippet{background:#f6f8fa}
table.aliases{margin:6px 0 12px}
"""

NAV = """<nav class="me">{% set p = me() %}{% if p %}<span>{{ p.name }}</span>
<form method="post" action="/signout">{{ csrf_field() }}<button type="submit">Sign out</button></form>
{% elif can_sign_in %}<a href="/signin">Sign in</a>{% endif %}</nav><style>{{ manage_css }}</style>"""

PROMPT_ACTIONS = """{% if me() %}<div class="actions">
<a class="button" href="{{ action_url(name, 'new') }}">New version</a>
<a class="button plain" href="{{ action_url(name, 'history') }}">History</a>
<a class="button plain" href="{{ action_url(name, 'tags', v=shown.version) }}">Tags and config</a>
<a class="button plain" href="{{ action_url(name, 'playground', v=shown.version) }}">Playground</a>
<a class="button plain" href="{{ action_url(name, 'delete', v=shown.version) }}">Delete v{{ shown.version }}</a>
</div>
<form class="search" method="get" action="{{ action_url(name, 'alias') }}">
<input name="alias" placeholder="alias" aria-label="alias" list="aliases" required>
<datalist id="aliases">{% for a in aliases %}<option value="{{ a }}">{% endfor %}</datalist>
<select name="to" aria-label="version">{% for v in versions|reverse %}<option value="{{ v.version }}"{% if v.version == shown.version %} selected{% endif %}>v{{ v.version }}</option>{% endfor %}</select>
<button type="submit">Move alias…</button>
</form>
{% if aliases %}{% set moves = alias_moves(name) %}<table class="aliases"><thead><tr><th>Alias</th><th>Version</th><th>Last moved</th><th></th></tr></thead><tbody>
{% for a, v in aliases.items() %}{% set m = moves.get(a) %}<tr><td><span class="pill alias">{{ a }}</span></td><td>v{{ v }}</td>
<td>{% if m %}{{ m.change.text }} by {{ m.commit.author.name }}, {{ when(m.commit.author.time * 1000) }} <span class="mono muted" title="{{ m.commit.oid }}">{{ m.commit.oid[:12] }}</span>{% else %}<span class="muted">not among the last changes</span>{% endif %}</td>
<td><a href="{{ action_url(name, 'history', alias=a) }}">history</a> · <a href="{{ action_url(name, 'alias', alias=a, remove=1) }}">remove…</a></td></tr>{% endfor %}
</tbody></table>{% endif %}{% endif %}"""

LIST_ACTIONS = """{% if me() %}<div class="actions"><a class="button" href="/new">New prompt</a></div>{% endif %}"""

SIGNIN = """{% extends "base.html" %}
{% block title %}Sign in{% endblock %}
{% block body %}
<h1>Sign in</h1>
<p class="muted">Signing in lets you register versions, move aliases and edit tags here. Your name and email are the author of every commit you make.</p>
{% if error %}<div class="error">{{ error }}</div>{% endif %}
<form class="edit" method="post" action="/signin" style="max-width:480px">
<input type="hidden" name="nonce" value="{{ nonce }}"><input type="hidden" name="next" value="{{ next }}">
<label for="token">Server token</label><input type="password" id="token" name="token" autocomplete="current-password" required>
<label for="name">Your name</label><input type="text" id="name" name="name" value="{{ name }}" required>
<label for="email">Your email</label><input type="email" id="email" name="email" value="{{ email }}" required>
<p><button class="primary" type="submit">Sign in</button></p>
</form>
{% endblock %}
"""

_DIFF = """{% macro diff_table(rows) %}{% if rows %}<table class="diff unified"><tbody>
{% for r in rows %}<tr class="{{ 'hunk' if r.kind == 'file' else r.kind }}"><td class="t">{{ r.text }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p class="muted">no difference</p>{% endif %}{% endmacro %}"""

EDIT = """{% extends "base.html" %}
{% import "diff.html" as d %}
{% block title %}{{ "New version of " ~ name if name else "New prompt" }}{% endblock %}
{% block body %}
{% if conflict %}<h1>Someone else saved first</h1>
<div class="warn" id="conflict">{{ conflict.message }}</div>
<h2>What they changed (v{{ conflict.base }} → v{{ conflict.current }})</h2>{{ d.diff_table(conflict.theirs) }}
<h2>Your draft against v{{ conflict.current }}</h2>{{ d.diff_table(conflict.yours) }}
<p class="muted">Nothing was saved. Your draft is below, now based on v{{ conflict.current }}: save it to register it after theirs.</p>
{% else %}<h1>{% if name and base %}New version of {{ name }} <span class="muted">from v{{ base }}</span>{% else %}New prompt{% endif %}</h1>{% endif %}
{% if errors.get("form") %}<div class="error">{{ errors["form"] }}</div>{% endif %}
<form class="edit" method="post" action="{{ post_url }}">
{{ csrf_field() }}<input type="hidden" name="base" value="{{ base }}">
{% if new_prompt %}<label for="name">Name</label><input type="text" id="name" name="name" value="{{ name }}" required>
{% if errors.get("name") %}<div class="field-error" id="error-name">{{ errors["name"] }}</div>{% endif %}{% endif %}
<label>Type</label>
<label class="inline"><input type="radio" name="type" value="text"{% if draft.type == "text" %} checked{% endif %}> text</label>
<label class="inline"><input type="radio" name="type" value="chat"{% if draft.type == "chat" %} checked{% endif %}> chat messages</label>
<label for="template">Template (text)</label>
<textarea class="template" id="template" name="template">{{ draft.text }}</textarea>
<label>Chat messages (role and content, one by one; empty both to drop a message)</label>
{% for m in draft.messages %}<div class="msgrow"><input type="text" name="role" value="{{ m.role }}" aria-label="role {{ loop.index }}" list="roles">
<textarea name="content" aria-label="content {{ loop.index }}">{{ m.content }}</textarea></div>{% endfor %}
<datalist id="roles"><option value="system"><option value="user"><option value="assistant"></datalist>
{% if errors.get("template") %}<div class="field-error" id="error-template">{{ errors["template"] }}</div>{% endif %}
<label for="commit_message">Commit message</label><input type="text" id="commit_message" name="commit_message" value="{{ draft.commit_message }}">
<label for="tags">Tags (key=value, one per line)</label><textarea id="tags" name="tags">{{ draft.tags }}</textarea>
{% if errors.get("tags") %}<div class="field-error" id="error-tags">{{ errors["tags"] }}</div>{% endif %}
<label for="model_config">Model config (JSON object)</label><textarea id="model_config" name="model_config">{{ draft.model_config }}</textarea>
{% if errors.get("model_config") %}<div class="field-error" id="error-model_config">{{ errors["model_config"] }}</div>{% endif %}
<label for="response_format">Response format (JSON object)</label><textarea id="response_format" name="response_format">{{ draft.response_format }}</textarea>
{% if errors.get("response_format") %}<div class="field-error" id="error-response_format">{{ errors["response_format"] }}</div>{% endif %}
<p class="actions"><button type="submit" name="action" value="preview">Preview</button>
<button class="primary" type="submit" name="action" value="save">Save new version</button>
{% if name and base %}<a href="{{ prompt_url(name) }}">Cancel</a>{% else %}<a href="/">Cancel</a>{% endif %}</p>
</form>
<textarea id="base-template" hidden readonly>{{ base_text }}</textarea>
<section id="live" hidden><h2>Live <span class="muted">(as you type; Preview also checks Jinja2)</span></h2>
<div class="grid"><div>Variables</div><div class="live-vars mono"></div></div>
<h3>Template against {% if base %}v{{ base }}{% else %}nothing{% endif %}</h3><table class="diff unified live-diff"><tbody></tbody></table></section>
<script src="/static/manage.js" defer></script>
{% if preview %}<section id="server-preview"><h2 id="preview">Preview</h2>
<div class="grid"><div>Variables</div><div>{% for v in preview.variables %}<mark class="var">{{ v }}</mark> {% else %}<span class="muted">none</span>{% endfor %}</div></div>
<h3>Diff against {% if base %}v{{ base }}{% else %}nothing (a new prompt){% endif %}</h3>{{ d.diff_table(preview.rows) }}</section>{% endif %}
{% endblock %}
"""

ALIAS = """{% extends "base.html" %}
{% import "diff.html" as d %}
{% block title %}{{ "Remove" if remove else "Move" }} alias {{ alias }} of {{ name }}{% endblock %}
{% block body %}
<h1>{% if remove %}Remove alias {{ alias }} of {{ name }}{% else %}Move alias {{ alias }} of {{ name }}{% endif %}</h1>
{% if conflict %}<div class="warn" id="conflict">{{ conflict }}</div>{% endif %}
{% if remove %}<div class="warn">Callers loading <code>prompts:/{{ name }}@{{ alias }}</code> (now v{{ current }}) will get AliasNotFoundError.</div>
{% elif current is none %}<p>New alias: <code>prompts:/{{ name }}@{{ alias }}</code> will load v{{ target }}.</p>
{% elif current == target %}<p class="ok-box">{{ alias }} already points at v{{ target }}: nothing changes.</p>
{% else %}<p>Callers loading <code>prompts:/{{ name }}@{{ alias }}</code> get v{{ target }} instead of v{{ current }}.</p>
{% for w in warnings %}<div class="warn breaking">⚠ {{ w }}</div>{% else %}<div class="ok-box">Same variables, type and response format: callers keep working.</div>{% endfor %}
<h2>What changes (v{{ current }} → v{{ target }})</h2>{{ d.diff_table(rows) }}{% endif %}
<form method="post" action="{{ action_url(name, 'alias') }}" class="actions">
{{ csrf_field() }}<input type="hidden" name="alias" value="{{ alias }}"><input type="hidden" name="to" value="{{ target or '' }}">
<input type="hidden" name="expected" value="{{ '' if current is none else current }}">
{% if remove %}<button class="danger" type="submit" name="action" value="remove">Remove alias {{ alias }}</button>
{% else %}<button class="primary" type="submit" name="action" value="move">Move {{ alias }} to v{{ target }}</button>{% endif %}
<a href="{{ prompt_url(name) }}">Cancel</a></form>
{% endblock %}
"""

HISTORY = """{% extends "base.html" %}
{% block title %}History of {{ name }}{% endblock %}
{% block body %}
<h1>History of <a href="{{ prompt_url(name) }}">{{ name }}</a>{% if alias %} <span class="muted">alias {{ alias }}</span>{% endif %}</h1>
{% if alias %}<p><a href="{{ action_url(name, 'history') }}">every change</a></p>{% endif %}
<table class="history"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Message</th><th>Commit</th></tr></thead><tbody>
{% for e in entries %}<tr><td class="muted">{{ when(e.commit.author.time * 1000) }}</td>
<td>{{ e.commit.author.name }} <span class="muted">&lt;{{ e.commit.author.email }}&gt;</span></td>
<td><ul class="changes">{% for c in e.changes %}<li class="change {{ c.kind }}">{{ c.text }}</li>{% else %}<li class="muted">file rewritten</li>{% endfor %}</ul></td>
<td>{{ e.commit.message }}</td><td class="mono" title="{{ e.commit.oid }}">{{ e.commit.oid[:12] }}</td></tr>
{% else %}<tr><td colspan="5" class="muted">No changes{% if alias %} to alias {{ alias }}{% endif %} {% if page > 1 %}on this page{% endif %}.</td></tr>{% endfor %}
</tbody></table>
<div class="pager">{% if page > 1 %}<a href="{{ page_url(page - 1) }}">← newer</a>{% endif %}
<span class="muted">page {{ page }}</span>{% if more %}<a href="{{ page_url(page + 1) }}">older →</a>{% endif %}</div>
{% endblock %}
"""

TAGS = """{% extends "base.html" %}
{% block title %}Tags of {{ name }}{% endblock %}
{% block body %}
<h1>Tags and config of <a href="{{ prompt_url(name, v=shown.version) }}">{{ name }} v{{ shown.version }}</a></h1>
{% if error %}<div class="error" id="error">{{ error }}</div>{% endif %}
<h2>Version tags (v{{ shown.version }})</h2>
<table><tbody>{% for k, v in shown.tags.items() %}<tr><td class="mono">{{ k }}</td><td class="mono">{{ v }}</td><td>
<form method="post" class="inline">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}"><input type="hidden" name="key" value="{{ k }}"><button type="submit" name="op" value="delete-version-tag">Remove</button></form></td></tr>
{% else %}<tr><td class="muted">none</td></tr>{% endfor %}</tbody></table>
<form method="post" class="search">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}">
<input name="key" placeholder="key" aria-label="version tag key" required><input name="value" placeholder="value" aria-label="version tag value">
<button type="submit" name="op" value="set-version-tag">Set version tag</button></form>
<h2>Prompt tags</h2>
<table><tbody>{% for k, v in prompt_tags.items() %}<tr><td class="mono">{{ k }}</td><td class="mono">{{ v }}</td><td>
<form method="post" class="inline">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}"><input type="hidden" name="key" value="{{ k }}"><button type="submit" name="op" value="delete-prompt-tag">Remove</button></form></td></tr>
{% else %}<tr><td class="muted">none</td></tr>{% endfor %}</tbody></table>
<form method="post" class="search">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}">
<input name="key" placeholder="key" aria-label="prompt tag key" required><input name="value" placeholder="value" aria-label="prompt tag value">
<button type="submit" name="op" value="set-prompt-tag">Set prompt tag</button></form>
<h2>Model config (v{{ shown.version }})</h2>
<form method="post" class="edit">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}">
<textarea name="config" aria-label="model config">{{ to_json(shown.model_config) if shown.model_config else "" }}</textarea>
<p class="actions"><button type="submit" name="op" value="set-model-config">Set model config</button>
{% if shown.model_config %}<button type="submit" name="op" value="delete-model-config">Remove model config</button>{% endif %}</p></form>
<h2>Delete</h2><p><a class="button danger" href="{{ action_url(name, 'delete', v=shown.version) }}">Delete v{{ shown.version }}…</a></p>
{% endblock %}
"""

DELETE = """{% extends "base.html" %}
{% block title %}Delete {{ name }} v{{ shown.version }}{% endblock %}
{% block body %}
<h1>Delete {{ name }} v{{ shown.version }}?</h1>
<div class="warn">Loading <code>{{ shown.uri }}</code> will fail from now on, and the number {{ shown.version }} is never given out again (its git tag stays: published history does not change).
{% if shown.aliases %}Aliases on it go away: {% for a in shown.aliases %}<b>{{ a }}</b> {% endfor %}(their callers get AliasNotFoundError).{% endif %}</div>
<form method="post" class="actions">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}">
<button class="danger" type="submit">Delete v{{ shown.version }}</button> <a href="{{ prompt_url(name, v=shown.version) }}">Cancel</a></form>
{% endblock %}
"""

PLAYGROUND = """{% extends "base.html" %}
{% block title %}Playground: {{ shown.uri }}{% endblock %}
{% block body %}
<h1>Playground <a href="{{ prompt_url(name, v=shown.version) }}">{{ name }} v{{ shown.version }}</a></h1>
<form class="edit" method="get" action="{{ action_url(name, 'playground') }}">
<input type="hidden" name="v" value="{{ shown.version }}">
{% for var in variables %}<label for="var-{{ loop.index }}">{{ var }}</label><textarea id="var-{{ loop.index }}" name="var.{{ var }}">{{ values.get(var, "") }}</textarea>{% else %}<p class="muted">This version has no variables.</p>{% endfor %}
<p class="actions"><button class="primary" type="submit" name="render" value="1">Render</button></p></form>
{% if error %}<div class="error" id="render-error">{{ error }}</div>{% endif %}
{% if rendered is not none %}<h2>Rendered</h2>
{% if rendered is string %}<pre id="rendered">{{ rendered }}</pre>{% else %}<div id="rendered">{% for m in rendered %}<div class="msg"><div class="role">{{ m.role }}</div><pre>{{ m.content }}</pre></div>{% endfor %}</div>{% endif %}
{% if endpoint %}<form method="post" action="{{ action_url(name, 'playground') }}">{{ csrf_field() }}<input type="hidden" name="v" value="{{ shown.version }}">
{% for k, v in values.items() %}<input type="hidden" name="var.{{ k }}" value="{{ v }}">{% endfor %}
<button class="primary" type="submit">Run</button> <span class="muted">sends the rendered prompt{% if shown.model_config %} with the model config{% endif %} to the server's model endpoint</span></form>{% endif %}{% endif %}
{% if answer is not none %}<h2>Answer</h2><pre id="answer">{{ answer }}</pre>{% endif %}
<h2>Use it</h2>
{% for label, code in snippets %}<h3>{{ label }}</h3><pre class="snippet">{{ code }}</pre>{% endfor %}
{% endblock %}
"""

MANAGE_TEMPLATES = {
    "nav.html": NAV,
    "prompt_actions.html": PROMPT_ACTIONS,
    "list_actions.html": LIST_ACTIONS,
    "signin.html": SIGNIN,
    "diff.html": _DIFF,
    "edit.html": EDIT,
    "alias.html": ALIAS,
    "history.html": HISTORY,
    "tags.html": TAGS,
    "delete.html": DELETE,
    "playground.html": PLAYGROUND,
}
