"""PromptVersion formatting, checked against outputs recorded from MLflow 3.17.2.

Where we differ from MLflow on purpose the test says so (see the README's
"Where gitprompts differs from MLflow").
"""

from __future__ import annotations

import pytest

from gitprompts import PromptVersion, errors

# (template, values, variables, formatted, single-brace) as MLflow 3.17.2 produced them.
MLFLOW_RECORDED = [
    ("Hello {{ name }}!", {"name": "Ada"}, {"name"}, "Hello Ada!", "Hello {name}!"),
    (
        "Hi {{user.name}} from {{ user.city }}",
        {"user.name": "Bob", "user.city": "Oslo"},
        {"user.name", "user.city"},
        "Hi Bob from Oslo",
        "Hi {user.name} from {user.city}",
    ),
    ("Value {{ v }}", {"v": 3.5}, {"v"}, "Value 3.5", "Value {v}"),
    ("Path {{ p }}", {"p": "C:\\new\\u00e9"}, {"p"}, "Path C:\\new\\u00e9", "Path {p}"),
]


@pytest.mark.parametrize(
    ("template", "values", "variables", "formatted", "single"), MLFLOW_RECORDED
)
def test_double_brace_templates_match_mlflow(
    template: str, values: dict[str, object], variables: set[str], formatted: str, single: str
) -> None:
    prompt = PromptVersion("x", 1, template)
    assert prompt.variables == variables
    assert prompt.format(**values) == formatted
    assert prompt.to_single_brace_format() == single


@pytest.mark.parametrize(
    ("template", "values", "formatted"),
    [
        (
            "{% if formal %}Dear {{ name }}{% else %}Hey {{ name }}{% endif %}",
            {"formal": True, "name": "Ada"},
            "Dear Ada",
        ),
        ("{% for item in items %}- {{ item }}\n{% endfor %}", {"items": ["a", "b"]}, "- a\n- b\n"),
        # MLflow's Jinja2 environment drops the template's final newline; so do we.
        ("{% for item in items %}- {{ item }}\n{% endfor %}\n", {"items": ["a"]}, "- a\n"),
        ("{{ user.name }} {% if x %}y{% endif %}", {"user": {"name": "Zed"}, "x": 1}, "Zed y"),
    ],
)
def test_jinja_templates_render_as_mlflow_renders_them(
    template: str, values: dict[str, object], formatted: str
) -> None:
    assert PromptVersion("x", 1, template).format(**values) == formatted


def test_jinja_variables_are_what_the_caller_must_supply() -> None:
    # MLflow reports {"item"} here (its regex sees the loop variable); the caller supplies "items".
    assert PromptVersion("x", 1, "{% for item in items %}{{ item }}{% endfor %}").variables == {
        "items"
    }
    assert PromptVersion("x", 1, "{% if formal %}Dear {{ name }}{% endif %}").variables == {
        "formal",
        "name",
    }


def test_jinja_sandbox_refuses_unsafe_attribute_access() -> None:
    from jinja2.exceptions import SecurityError

    with pytest.raises(errors.TemplateRenderError, match="prompts:/x/1: SecurityError") as info:
        PromptVersion("x", 1, "{% if 1 %}{{ x.__class__.__mro__ }}{% endif %}").format(x=1)
    assert isinstance(info.value.__cause__, SecurityError)


def test_missing_variable_raises_and_names_it() -> None:
    prompt = PromptVersion("summarize", 2, "{{ a }} and {{ b }}")
    with pytest.raises(errors.MissingVariablesError, match="'b'") as info:
        prompt.format(a=1)
    assert info.value.missing == ["b"]
    assert "prompts:/summarize/2" in str(info.value)
    assert "allow_partial=True" in str(info.value)


def test_allow_partial_returns_a_partially_filled_version_as_mlflow_does() -> None:
    partial = PromptVersion("x", 1, "{{ a }} and {{ b }}").format(a=1, allow_partial=True)
    assert isinstance(partial, PromptVersion)
    assert partial.template == "1 and {{ b }}"
    assert partial.format(b=2) == "1 and 2"
    # Nothing missing: a plain string, even with allow_partial.
    assert PromptVersion("x", 1, "{{ a }}").format(a=1, allow_partial=True) == "1"


def test_jinja_missing_variable_raises_unless_partial() -> None:
    # MLflow silently renders missing Jinja2 variables as ""; we name them unless allow_partial.
    prompt = PromptVersion("x", 1, "{% if a %}{{ b }}{% endif %}")
    with pytest.raises(errors.MissingVariablesError, match="'a', 'b'"):
        prompt.format()
    assert prompt.format(allow_partial=True) == ""


def test_values_are_inserted_once_never_expanded_again() -> None:
    # MLflow substitutes key by key and gives "BB" here.
    assert PromptVersion("x", 1, "{{a}}{{ b }}").format(a="{{ b }}", b="B") == "{{ b }}B"


def test_extra_values_are_ignored() -> None:
    assert PromptVersion("x", 1, "{{ a }}").format(a=1, unused=2) == "1"


def test_chat_prompts_format_to_messages() -> None:
    prompt = PromptVersion("x", 1, [{"role": "system", "content": 'Be {{ style }} {"k": 1}'}])
    assert prompt.variables == {"style"}
    assert prompt.format(style="x") == [{"role": "system", "content": 'Be x {"k": 1}'}]
    assert prompt.to_single_brace_format() == [
        {"role": "system", "content": 'Be {style} {{"k": 1}}'}
    ]


def test_single_brace_format_escapes_literal_braces_for_langchain() -> None:
    from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

    template = 'Answer as JSON like {"answer": "{{ question }}", "n": {{ n }}}'
    single = PromptVersion("x", 1, template).to_single_brace_format()
    # MLflow leaves '{"answer": ...}' unescaped, and LangChain then fails to format it.
    assert single == 'Answer as JSON like {{"answer": "{question}", "n": {n}}}'
    langchain = PromptTemplate.from_template(single)
    assert set(langchain.input_variables) == {"question", "n"}
    assert (
        langchain.format(question="why?", n=2) == 'Answer as JSON like {"answer": "why?", "n": 2}'
    )
    chat = ChatPromptTemplate.from_messages([("system", single)])
    assert (
        chat.format_messages(question="q", n=1)[0].content
        == 'Answer as JSON like {"answer": "q", "n": 1}'
    )


def test_repr_and_uri() -> None:
    prompt = PromptVersion("greet", 3, "Hello " * 30)
    assert prompt.uri == "prompts:/greet/3"
    assert repr(prompt).startswith("<PromptVersion: name='greet', version=3, template='Hello Hello")
    assert repr(prompt).endswith("...>")
