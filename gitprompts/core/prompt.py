"""``PromptVersion`` and ``Prompt``: what the API hands back, shaped like MLflow's entities."""

from __future__ import annotations

from typing import Any

from gitprompts.core import template as _template
from gitprompts.core.uri import version_uri
from gitprompts.errors import MissingVariablesError, TemplateRenderError

Messages = list[dict[str, str]]


class PromptVersion:
    """One immutable version of a prompt, plus its aliases and tags as of loading.

    >>> p = PromptVersion("greet", 1, "Hello {{ name }}!")
    >>> p.format(name="Ada")
    'Hello Ada!'
    >>> p.to_single_brace_format()
    'Hello {name}!'
    """

    __slots__ = (
        "_variables",
        "aliases",
        "blob_id",
        "commit_id",
        "commit_message",
        "creation_timestamp",
        "last_updated_timestamp",
        "model_config",
        "name",
        "response_format",
        "tags",
        "template",
        "user_id",
        "version",
    )

    def __init__(
        self,
        name: str,
        version: int,
        template: str | Messages,
        commit_message: str | None = None,
        creation_timestamp: int | None = None,
        tags: dict[str, str] | None = None,
        aliases: list[str] | None = None,
        last_updated_timestamp: int | None = None,
        user_id: str | None = None,
        response_format: dict[str, Any] | None = None,
        model_config: dict[str, Any] | None = None,
        *,
        commit_id: str | None = None,
        blob_id: str | None = None,
    ) -> None:
        self.name = name
        self.version = int(version)
        self.template = template
        self.commit_message = commit_message
        self.creation_timestamp = creation_timestamp or 0
        self.last_updated_timestamp = last_updated_timestamp
        self.tags = dict(tags or {})
        self.aliases = list(aliases or [])
        self.user_id = user_id
        self.response_format = response_format
        self.model_config = model_config
        self.commit_id = commit_id
        self.blob_id = blob_id
        self._variables: set[str] | None = None

    @property
    def uri(self) -> str:
        return version_uri(self.name, self.version)

    @property
    def is_text_prompt(self) -> bool:
        return isinstance(self.template, str)

    @property
    def prompt_type(self) -> str:
        return "text" if self.is_text_prompt else "chat"

    @property
    def variables(self) -> set[str]:
        """Names the template asks for, e.g. ``{"num_sentences", "sentences"}``."""
        if self._variables is None:
            found: set[str] = set()
            for text in self._texts():
                found.update(_template.variables(text))
            self._variables = found
        return self._variables

    def _texts(self) -> list[str]:
        if isinstance(self.template, str):
            return [self.template]
        return [m["content"] for m in self.template]

    def format(self, allow_partial: bool = False, **kwargs: Any) -> str | Messages | PromptVersion:
        """Fill the template: a string for a text prompt, a message list for a chat prompt.

        A missing variable raises MissingVariablesError naming it; with
        ``allow_partial=True`` the missing ones stay in place and, as in MLflow,
        a partially filled ``PromptVersion`` is returned. A Jinja2 template
        that fails, or goes past the sandbox's limits on steps, time and
        size, raises TemplateRenderError naming this version.

        >>> PromptVersion("q", 1, "{{ a }} and {{ b }}").format(a=1, allow_partial=True).template
        '1 and {{ b }}'
        """
        missing = sorted(self.variables - kwargs.keys())
        if missing and not allow_partial:
            raise MissingVariablesError(missing, self.uri)
        filled: str | Messages
        try:
            with _template.render_scope(self._texts()):  # the messages share one budget
                if isinstance(self.template, str):
                    filled = _template.format_text(self.template, kwargs)
                else:
                    filled = [
                        {"role": m["role"], "content": _template.format_text(m["content"], kwargs)}
                        for m in self.template
                    ]
        except TemplateRenderError as exc:  # say which prompt it was
            raise TemplateRenderError(exc.template, exc.reason, self.uri) from exc.__cause__
        if missing and not any(_template.is_jinja(t) for t in self._texts()):
            return self._with_template(filled)
        return filled

    def to_single_brace_format(self) -> str | Messages:
        """The template in LangChain's ``{var}`` syntax, literal braces escaped as ``{{ }}``."""
        if isinstance(self.template, str):
            return _template.to_single_brace(self.template)
        return [
            {"role": m["role"], "content": _template.to_single_brace(m["content"])}
            for m in self.template
        ]

    def _with_template(self, template: str | Messages) -> PromptVersion:
        return PromptVersion(
            self.name,
            self.version,
            template,
            self.commit_message,
            self.creation_timestamp,
            self.tags,
            self.aliases,
            self.last_updated_timestamp,
            self.user_id,
            self.response_format,
            self.model_config,
            commit_id=self.commit_id,
            blob_id=self.blob_id,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PromptVersion):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in _COMPARED)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = repr(self.template)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"<PromptVersion: name={self.name!r}, version={self.version}, template={shown}>"

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "_variables"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)
        self._variables = None


_COMPARED = (
    "name",
    "version",
    "template",
    "commit_message",
    "tags",
    "aliases",
    "response_format",
    "model_config",
)


class Prompt:
    """A prompt as ``search_prompts`` lists it: its name, newest version, aliases and tags."""

    __slots__ = ("aliases", "creation_timestamp", "latest_version", "name", "tags")

    def __init__(
        self,
        name: str,
        latest_version: int,
        aliases: dict[str, int],
        tags: dict[str, str],
        creation_timestamp: int,
    ) -> None:
        self.name = name
        self.latest_version = latest_version
        self.aliases = aliases
        self.tags = tags
        self.creation_timestamp = creation_timestamp

    @property
    def uri(self) -> str:
        return version_uri(self.name, self.latest_version)

    def __repr__(self) -> str:
        return f"<Prompt: name={self.name!r}, latest_version={self.latest_version}>"
