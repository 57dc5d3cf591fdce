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


# Prompt-level tags and model config edited after registration, recorded from
# MLflow 3.17.2 (sqlite backend, Python 3.11) by tests/record_mlflow_prompt_level.py,
# which runs these same scenarios through mlflow.genai and prints what it saw.
# MLflow agreed with every case below. Its prompt tags also hold
# "_mlflow_experiment_ids" (",0,": the prompt linked to the default experiment,
# MLflow's own bookkeeping once the prompt is used); gitprompts has no
# experiments, so that key is left out here, on purpose (see the README's
# "Where gitprompts differs from MLflow").
# (registered tag dicts in order, get_prompt_tags afterwards)
MLFLOW_PROMPT_TAGS = [
    ([{"team": "nlp"}, {}], {"team": "nlp"}),
    ([{"team": "nlp", "stage": "draft"}, {"team": "search"}], {"team": "search", "stage": "draft"}),
    ([{}, {"owner": "ada"}], {"owner": "ada"}),
]


@pytest.mark.parametrize(("registered", "prompt_tags"), MLFLOW_PROMPT_TAGS)
def test_prompt_tags_accumulate_as_mlflow_does(
    home: object, registered: list[dict[str, str]], prompt_tags: dict[str, str]
) -> None:
    import gitprompts

    for i, tags in enumerate(registered):
        gitprompts.register_prompt("p", f"v{i} {{{{ x }}}}", tags=tags)
    assert gitprompts.get_prompt_tags("p") == prompt_tags
    found = gitprompts.search_prompts("name = 'p'")
    assert [p.tags for p in found] == [prompt_tags]
    assert gitprompts.load_prompt("prompts:/p/1").tags == registered[0]  # type: ignore[union-attr]


# (registered model_config, set_prompt_model_config's argument or None for delete, loaded);
# deleting a config that was never set is no error in MLflow either.
MLFLOW_MODEL_CONFIG = [
    (
        {"temperature": 0.1},
        {"model_name": "gpt-4o", "temperature": 0.7},
        {"model_name": "gpt-4o", "temperature": 0.7},
    ),
    (None, {"max_tokens": 100}, {"max_tokens": 100}),
    ({"temperature": 0.1}, None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("registered", "change", "loaded"), MLFLOW_MODEL_CONFIG)
def test_model_config_edits_load_as_mlflow_loads_them(
    home: object,
    registered: dict[str, object] | None,
    change: dict[str, object] | None,
    loaded: dict[str, object] | None,
) -> None:
    import gitprompts

    gitprompts.register_prompt("p", "Hi {{ x }}", model_config=registered)
    if change is None:
        gitprompts.delete_prompt_model_config("p", 1)
    else:
        gitprompts.set_prompt_model_config("p", 1, change)
    version = gitprompts.load_prompt("p", version=1)
    assert version is not None
    assert version.model_config == loaded
    assert version.template == "Hi {{ x }}"
