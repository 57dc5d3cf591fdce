"""The new-version form's contents: a ``Draft`` as typed, checked field by field.

Each field is checked on its own (``check_draft``), with the checks
``register_prompt`` makes (``core.fields``), so an error is shown next to
the field it is about; ``register`` then makes them all again.

>>> draft = Draft(text="Hi {{ name }}", tags="team=a", model_config='{"temperature": 1}')
>>> checked = check_draft(draft, {})
>>> checked.template, checked.tags, checked.model_config, checked.errors
('Hi {{ name }}', {'team': 'a'}, {'temperature': 1}, {})
>>> check_draft(Draft(text="x", model_config="[1]"), {}).errors
{'model_config': 'model_config must be a JSON object ({...}), not a list'}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gitprompts.core import fields
from gitprompts.core.prompt import PromptVersion
from gitprompts.errors import GitPromptsError, InvalidInputError

from . import forms


@dataclass
class Draft:
    """What the new-version form holds, as the person typed it."""

    type: str = "text"
    text: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    commit_message: str = ""
    tags: str = ""
    model_config: str = ""
    response_format: str = ""

    @classmethod
    def of(cls, version: PromptVersion | None) -> Draft:
        if version is None:
            return cls(
                messages=[{"role": "system", "content": ""}, {"role": "user", "content": ""}]
            )
        chat = not version.is_text_prompt
        return cls(
            type="chat" if chat else "text",
            text="" if chat else str(version.template),
            messages=list(version.template) if chat else [],  # type: ignore[arg-type]
            tags=forms.format_tags(version.tags),
            model_config=_json(version.model_config),
            response_format=_json(version.response_format),
        )

    @classmethod
    def from_form(cls, form: dict[str, list[str]]) -> Draft:
        try:
            rows = forms.messages(form)
        except InvalidInputError:
            rows = []
        return cls(
            type="chat" if forms.one(form, "type") == "chat" else "text",
            text=forms.one(form, "template"),
            messages=rows,
            commit_message=forms.one(form, "commit_message"),
            tags=forms.one(form, "tags"),
            model_config=forms.one(form, "model_config"),
            response_format=forms.one(form, "response_format"),
        )

    def shown(self) -> Draft:
        """The draft with one blank message row to add a message."""
        blank = {"role": "", "content": ""}
        return Draft(**{**self.__dict__, "messages": [*self.messages, blank]})


@dataclass
class Checked:
    """A draft's values as ``register_prompt`` takes them, or the errors per field."""

    template: Any = None
    tags: dict[str, str] | None = None
    model_config: dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)


def check_draft(draft: Draft, form: dict[str, list[str]]) -> Checked:
    """Each field checked on its own, so an error is shown next to the field it is about.

    The same checks ``register_prompt`` makes (``core.fields``); it makes them again.
    """
    out = Checked()

    def attempt(name: str, check: Any) -> Any:
        try:
            return check()
        except GitPromptsError as exc:
            out.errors[name] = str(exc)
            return None

    if draft.type == "chat":
        out.template = attempt("template", lambda: forms.messages(form))
        if out.template == []:
            out.errors["template"] = "a chat prompt needs at least one message"
    else:
        out.template = draft.text
    if "template" not in out.errors:
        attempt("template", lambda: fields.prompt_file(out.template))
    out.tags = attempt("tags", lambda: fields.check_tags(forms.parse_tags(draft.tags)))
    out.model_config = attempt(
        "model_config",
        lambda: fields.check_mapping(
            "model_config", forms.parse_json_object(draft.model_config, "model_config")
        ),
    )
    out.response_format = attempt(
        "response_format",
        lambda: fields.check_response_format(
            forms.parse_json_object(draft.response_format, "response_format")
        ),
    )
    return out


def draft_version(name: str, number: int, checked: Checked, draft: Draft) -> PromptVersion:
    """The version a checked draft would become (for diffs before it is saved).

    >>> draft = Draft(text="Hi {{ name }}")
    >>> draft_version("greet", 2, check_draft(draft, {}), draft).variables
    {'name'}
    """
    return PromptVersion(
        name,
        number,
        checked.template,
        commit_message=draft.commit_message or None,
        tags=checked.tags,
        response_format=checked.response_format,
        model_config=checked.model_config,
    )
