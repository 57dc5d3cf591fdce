"""Prompt references inside a flavor's own configuration, resolved through the model's pins.

A flavor whose configuration names a registry prompt (the OpenAI flavor's
``messages``, the LlamaIndex flavor's ``*_template`` engine settings) stores
the URI as written, and ``log_model`` pins it like any ``prompts=`` entry.
At load time the reference is answered by the model's pinned copy, so a
moved alias or a deleted registry changes nothing; outside a loaded model
(an object not logged yet) the registry answers.

>>> uri_of("prompts:/qa@production"), uri_of("qa/2"), uri_of("Plain text")
('prompts:/qa@production', None, None)
"""

from __future__ import annotations

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.uri import parse_prompt_uri
from gitprompts.models import pins
from gitprompts.remote.location import get_registry

SCHEME = "prompts:/"


def uri_of(value: object) -> str | None:
    """The prompt URI ``value`` stands for: a ``PromptVersion`` or a ``prompts:/`` string."""
    if isinstance(value, PromptVersion):
        return value.uri
    if isinstance(value, str) and value.startswith(SCHEME):
        parse_prompt_uri(value)  # a malformed reference is refused at logging time
        return value
    return None


def resolve(uri: str) -> PromptVersion:
    """The prompt ``uri`` names: the active model's pinned copy, else the registry's version."""
    ref = parse_prompt_uri(uri)
    pinset = pins.current()
    if pinset is not None:
        entry = pinset.find(ref)
        if entry is not None:
            return pinset.prompt(entry)
    return get_registry().resolve(ref)
