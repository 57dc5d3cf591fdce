# ruff: noqa: E501  (a small script kept as one readable block)
"""The one script the UI has: live variables and a live diff on the new-version form.

Only an enhancement: the form's Preview button shows the same (and Jinja2's
variables, which this regex does not know) without JavaScript. It writes
text with ``textContent`` only, never HTML, so a template cannot inject
anything. Served from ``/static/manage.js`` and allowed by the edit page's
``script-src 'self'``; every other page keeps ``default-src 'none'``.
"""

from __future__ import annotations

# The variable pattern is core.template.VARIABLE's (MLflow's), in JavaScript syntax.
MANAGE_JS = r"""
(function () {
  "use strict";
  var VARIABLE = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}/g;
  var form = document.querySelector("form.edit");
  var base = document.getElementById("base-template");
  var out = document.getElementById("live");
  if (!form || !out) return;
  function current() {
    var chat = form.querySelector("input[name=type][value=chat]").checked;
    if (!chat) return form.querySelector("#template").value;
    var roles = form.querySelectorAll("input[name=role]"), contents = form.querySelectorAll("textarea[name=content]");
    var lines = [];
    for (var i = 0; i < roles.length; i++) {
      if (roles[i].value || contents[i].value) lines.push(roles[i].value + ": " + contents[i].value);
    }
    return lines.join("\n");
  }
  function diff(a, b) {
    var n = a.length, m = b.length, i, j, lcs = [];
    if (n * m > 4000000) return null;  // too big to diff live: Preview does it on the server
    for (i = 0; i <= n; i++) { lcs.push(new Array(m + 1).fill(0)); }
    for (i = n - 1; i >= 0; i--) for (j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    var rows = []; i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { rows.push([" ", a[i]]); i++; j++; }
      else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) { rows.push(["+", b[j]]); j++; }
      else { rows.push(["-", a[i]]); i++; }
    }
    return rows;
  }
  function update() {
    var text = current(), seen = {}, names = [], match;
    VARIABLE.lastIndex = 0;
    while ((match = VARIABLE.exec(text)) !== null) {
      if (!seen[match[1]]) { seen[match[1]] = true; names.push(match[1]); }
    }
    var vars = out.querySelector(".live-vars");
    vars.textContent = names.length ? names.join(", ") : "none";
    var table = out.querySelector("tbody");
    while (table.firstChild) table.removeChild(table.firstChild);
    var rows = diff(base ? base.value.split("\n") : [], text.split("\n"));
    (rows || [["", "(too long to diff here: use Preview)"]]).forEach(function (row) {
      var tr = document.createElement("tr"), td = document.createElement("td");
      tr.className = row[0] === "+" ? "add" : row[0] === "-" ? "del" : "";
      td.className = "t"; td.textContent = row[0] + row[1];
      tr.appendChild(td); table.appendChild(tr);
    });
  }
  out.hidden = false;
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
"""
