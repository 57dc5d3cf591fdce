"""Jinja2 templates render within bounds: steps, time, size; anything else is a gitprompts error.

A template is read from git, so from anyone who can push. The hostile ones
run in a subprocess under a memory limit and a timeout, so that a
regression fails here instead of hanging or swapping CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.core import promptfile, sandbox, template
from gitprompts.core.prompt import PromptVersion

MEMORY_LIMIT = 512 << 20
TIMEOUT = 60

# Each ran for hours or asked for gigabytes before the sandbox was bounded.
HOSTILE = {
    "the brief's nested loops": (
        "{% for a in range(10**6) %}{% for b in range(10**6) %}x{% endfor %}{% endfor %}"
    ),
    "nested loops within range's own limit": (
        "{% for a in range(10**5) %}{% for b in range(10**5) %}{% endfor %}{% endfor %}"
    ),
    "a macro calling itself twice": (
        "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}"
    ),
    "a macro calling itself forever": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "string repetition": "{% if 1 %}{{ 'x' * 10**10 }}{% endif %}",
    "a huge power": "{% if 1 %}{{ 7 ** (10**9) }}{% endif %}",
    "doubling by concatenation": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "doubling a list in place": (
        "{% set l = [1] %}{% for i in range(60) %}{% set _ = l.extend(l) %}{% endfor %}"
        "{{ l|length }}"
    ),
    "one list printed many times": (
        "{% set a = range(1000)|list %}{% set b = [a,a,a,a,a,a,a,a] %}"
        "{% set c = [b,b,b,b,b,b,b,b] %}{% set d = [c,c,c,c,c,c,c,c] %}"
        "{% set e = [d,d,d,d,d,d,d,d] %}{% set f = [e,e,e,e,e,e,e,e] %}{{ f }}"
    ),
    "a wide center": "{% if 1 %}{{ 'x'|center(999999999) }}{% endif %}",
    "a wide format": "{% if 1 %}{{ '{:>999999999}'.format(1) }}{% endif %}",
    "a wide printf": "{% if 1 %}{{ '%999999999d' % 1 }}{% endif %}",
    "replace into every gap": "{% if 1 %}{{ ('x' * 5000)|replace('', 'y' * 5000) }}{% endif %}",
    "a long join": "{% if 1 %}{{ range(100000)|join('x' * 1000) }}{% endif %}",
    "bytes from a number": "{% if 1 %}{{ (1).to_bytes(999999999, 'big') }}{% endif %}",
    "many slices": "{% if 1 %}{{ range(10)|slice(999999999)|list }}{% endif %}",
    "lorem ipsum": "{% if 1 %}{{ lipsum(10**6) }}{% endif %}",
}


def test_hostile_templates_stop_fast_with_a_gitprompts_error() -> None:
    code = f"""
    import json, resource, time
    resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
    from gitprompts.core.prompt import PromptVersion
    results = {{}}
    for label, text in {HOSTILE!r}.items():
        start = time.perf_counter()
        try:
            PromptVersion("bomb", 1, text).format(allow_partial=True)
            outcome = "rendered"
        except Exception as exc:
            outcome = f"{{type(exc).__name__}}: {{exc}}"
        results[label] = [outcome, time.perf_counter() - start]
    print(json.dumps(results))
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for label, (outcome, seconds) in json.loads(result.stdout).items():
        assert outcome.startswith("TemplateRenderError: cannot render prompts:/bomb/1: "), (
            label,
            outcome,
        )
        assert seconds < 2.0, (label, seconds)


def test_the_limits_are_named() -> None:
    with pytest.raises(errors.TemplateRenderError, match="more than 1,000,000 steps"):
        sandbox.render(HOSTILE["nested loops within range's own limit"], {})
    with pytest.raises(errors.TemplateRenderError, match="the limit is 8,388,608"):
        sandbox.render("{% if 1 %}{{ 'x' * 10**10 }}{% endif %}", {})


def test_output_past_the_limit_is_refused() -> None:
    text = "{% for i in range(100) %}{{ chunk }}{% endfor %}"
    assert len(sandbox.render(text, {"chunk": "x" * 1000})) == 100_000
    with pytest.raises(errors.TemplateRenderError, match="the output would make"):
        sandbox.render(text, {"chunk": "x" * 100_000})


def test_failures_inside_a_template_are_gitprompts_errors() -> None:
    prompt = PromptVersion("p", 3, "{% if 1 %}{{ 1 / n }}{% endif %}")
    with pytest.raises(errors.TemplateRenderError) as info:
        prompt.format(n=0)
    assert "prompts:/p/3" in str(info.value)
    assert "ZeroDivisionError: division by zero" in str(info.value)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert isinstance(info.value, errors.InvalidInputError)


def test_ordinary_templates_render_as_before() -> None:
    text = (
        "{% macro item(n) %}<{{ n }}>{% endmacro %}"
        "{% for n in numbers %}{{ item(n) }}{{ ', ' if not loop.last }}{% endfor %}"
        "{% set ns = namespace(total=0) %}{% for n in numbers %}{% set ns.total = ns.total + n %}"
        "{% endfor %} = {{ ns.total }} {{ names|join(' & ')|upper }} {{ '%05d' % 42 }}"
        " {{ '{:>4}'.format(7) }} {{ 'a' ~ 'b' }} {{ [1, 2]|tojson }} {{ ids.get(12345678901) }}"
    )
    values = {"numbers": list(range(2000)), "names": ["ada", "alan"], "ids": {12345678901: "x"}}
    out = PromptVersion("p", 1, text).format(**values)
    assert isinstance(out, str)
    assert out.startswith("<0>, <1>, ")
    assert out.endswith(" = 1999000 ADA & ALAN 00042    7 ab [1, 2] x")


# -- checked when a prompt file is read ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{% if a %}" * 17 + "x" + "{% endif %}" * 17, "blocks nested deeper than 16"),
        ("{% for a in b %}" * 21 + "x" + "{% endfor %}" * 21, "blocks nested deeper than 16"),
        ("{% if a %}" * 400 + "x" + "{% endif %}" * 400, "blocks nested deeper than 16"),
        ("{% if " + "(" * 3000 + "a" + ")" * 3000 + " %}{% endif %}", "brackets nested deeper"),
        ("{% if " + "not " * 3000 + "a %}{% endif %}", "nested too deeply to parse"),
        ("{% if a %}{% endif %}" + "{{ a }}" * 10_000, "more than 10,000 tags"),
    ],
)
def test_templates_jinja2_could_not_compile_are_refused_when_read(text: str, reason: str) -> None:
    assert reason in (template.jinja_syntax_error(text) or "")
    with pytest.raises(errors.CorruptPromptFileError, match=reason):
        promptfile.decode(text.encode(), "prompts/deep.prompt")
    with pytest.raises(errors.InvalidTemplateError, match=reason):
        promptfile.check_template(text)


def test_the_deepest_accepted_template_renders() -> None:
    text = "{% for a in b %}" * 8 + "{% if a %}" * 8 + "x" + "{% endif %}" * 8 + "{% endfor %}" * 8
    assert template.jinja_syntax_error(text) is None
    assert PromptVersion("p", 1, text).format(b=[1]) == "x"


def test_the_cli_reports_a_hostile_render_in_one_line(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("bomb", HOSTILE["nested loops within range's own limit"])
    result = subprocess.run(
        [sys.executable, "-m", "gitprompts", "render", "bomb"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot render prompts:/bomb/1: it took more than")
    assert result.stderr.count("\n") == 1


def test_the_messages_of_a_chat_prompt_share_one_budget() -> None:
    loops = "{% for a in range(300) %}{% for b in range(300) %}{% endfor %}{% endfor %}"
    assert sandbox.render(loops, {}) == ""  # 90,300 steps: fine on its own
    chat = PromptVersion("chat", 1, [{"role": "user", "content": loops}] * 20)
    with pytest.raises(errors.TemplateRenderError, match="more than 1,000,000 steps"):
        chat.format()
