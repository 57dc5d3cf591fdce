"""The playground's "Run": one chat completion from an OpenAI-compatible endpoint.

Only when the server was started with ``OPENAI_BASE_URL`` and
``OPENAI_API_KEY`` in its environment (``Endpoint.from_environ``); the key
never reaches a page. A plain ``urllib`` POST to ``<base>/chat/completions``
(no ``openai`` dependency for one request), with a timeout and a bounded
answer.

>>> Endpoint.from_environ({}) is None
True
>>> request_body([{"role": "user", "content": "hi"}], {"model_name": "m", "temperature": 0.1})
{'model': 'm', 'messages': [{'role': 'user', 'content': 'hi'}], 'temperature': 0.1}
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitprompts.errors import GitPromptsError

MAX_ANSWER = 1 << 20
TIMEOUT = 60.0
DEFAULT_MODEL = "gpt-4o-mini"
# MLflow's PromptModelConfig fields that a chat completion takes under the same name.
_SAME = ("temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty", "seed")


@dataclass(frozen=True)
class Endpoint:
    """Where "Run" sends a prompt: ``base_url`` (``.../v1``) and the API key."""

    base_url: str
    api_key: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Endpoint | None:
        """The endpoint ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` name, if both are set."""
        base, key = environ.get("OPENAI_BASE_URL", ""), environ.get("OPENAI_API_KEY", "")
        if not base or not key or not base.startswith(("http://", "https://")):
            return None
        return cls(base.rstrip("/"), key)

    def complete(self, messages: list[dict[str, str]], model_config: Mapping[str, Any]) -> str:
        """The answer's text, or a ``GitPromptsError`` saying what the endpoint did."""
        body = json.dumps(request_body(messages, model_config)).encode()
        request = urllib.request.Request(
            self.base_url + "/chat/completions",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                data = response.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace")
            raise GitPromptsError(
                f"the model endpoint answered {exc.code}: {detail[:500]}"
            ) from None
        except (OSError, ValueError) as exc:
            raise GitPromptsError(f"cannot reach the model endpoint: {exc}") from None
        if len(data) > MAX_ANSWER:
            raise GitPromptsError(f"the model endpoint's answer is over {MAX_ANSWER} bytes")
        try:
            return str(json.loads(data)["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise GitPromptsError(
                "the model endpoint's answer is not a chat completion "
                "(no choices[0].message.content)"
            ) from None


def request_body(messages: list[dict[str, str]], model_config: Mapping[str, Any]) -> dict[str, Any]:
    """The chat-completions request for ``messages`` under a version's model config."""
    body: dict[str, Any] = {
        "model": model_config.get("model_name") or model_config.get("model") or DEFAULT_MODEL,
        "messages": messages,
    }
    for key in _SAME:
        if key in model_config:
            body[key] = model_config[key]
    if "stop_sequences" in model_config:
        body["stop"] = model_config["stop_sequences"]
    extra = model_config.get("extra_params")
    if isinstance(extra, dict):
        body.update({k: v for k, v in extra.items() if k not in ("messages", "model")})
    return body
