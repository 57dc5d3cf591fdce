"""Span attribute names, and the rules for what a span may record.

The OpenTelemetry GenAI semantic conventions name what they define
(``gen_ai.*``, as in opentelemetry-semantic-conventions 0.66b2); the rest is
ours, under ``gitprompts.*``. The conventions define ``gen_ai.prompt.name``
but no prompt version, so the version, the URI as written, the hashes and the
model id are ``gitprompts.*`` attributes.

Nothing here imports OpenTelemetry: the CLI and the web UI read stored spans
with these names and need no tracing extra.

>>> redact({"model": "gpt-4o", "api_key": "sk-123", "headers": {"Authorization": "Bearer x"}})
{'model': 'gpt-4o', 'api_key': '[redacted]', 'headers': {'Authorization': '[redacted]'}}
>>> bounded("x" * 10, limit=4)
'xxxx…[6 more characters]'
"""

from __future__ import annotations

import re
from typing import Any

# -- OpenTelemetry GenAI semantic conventions ---------------------------------
OPERATION = "gen_ai.operation.name"  # chat | text_completion | execute_tool | invoke_workflow
PROVIDER = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
REQUEST_TOP_P = "gen_ai.request.top_p"
REQUEST_TOP_K = "gen_ai.request.top_k"
REQUEST_SEED = "gen_ai.request.seed"
REQUEST_STOP = "gen_ai.request.stop_sequences"
INPUT_MESSAGES = "gen_ai.input.messages"  # JSON: [{"role", "parts": [{"type", "content"}]}]
OUTPUT_MESSAGES = "gen_ai.output.messages"
FINISH_REASONS = "gen_ai.response.finish_reasons"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
TOOL_NAME = "gen_ai.tool.name"
TOOL_ARGUMENTS = "gen_ai.tool.call.arguments"
TOOL_RESULT = "gen_ai.tool.call.result"
PROMPT_NAME = "gen_ai.prompt.name"
ERROR_TYPE = "error.type"

# -- gitprompts ----------------------------------------------------------------
SPAN_KIND = "gitprompts.span.kind"  # chain | llm | chat_model | tool | retriever
INPUTS = "gitprompts.inputs"  # JSON of a chain's or tool's inputs
OUTPUTS = "gitprompts.outputs"
PARAMETERS = "gitprompts.request.parameters"  # JSON of the invocation parameters, redacted
MODEL_ID = "gitprompts.model.id"  # the logged model whose call this is (root span)
MODEL_URI = "gitprompts.model.uri"
PROMPT_VERSION = "gitprompts.prompt.version"
PROMPT_URI = "gitprompts.prompt.uri"  # as the code wrote it: prompts:/bot@production
PROMPT_RESOLVED_URI = "gitprompts.prompt.resolved_uri"  # what it resolved to: prompts:/bot/1
PROMPT_SHA256 = "gitprompts.prompt.sha256"  # of the .prompt file (pinned copies)
PROMPT_BLOB_ID = "gitprompts.prompt.blob_id"  # git's id of the same file
PROMPT_PINNED = "gitprompts.prompt.pinned"  # True: answered by a loaded model's pins
PROMPTS = "gitprompts.prompts"  # every prompt the span used, as resolved URIs

# A value is cut beyond this many characters: a span is kept in memory until its
# batch is exported, and a runaway output must not grow the trace store without end.
MAX_VALUE_CHARS = 32_000
REDACTED = "[redacted]"
# Parameter names that hold credentials (api_key, openai_api_key, x-api-key,
# Authorization, access_token, client_secret, password...).
_SECRET = re.compile(r"(api[_-]?key|token|secret|password|passwd|authorization|credential)", re.I)


def is_secret(key: str) -> bool:
    """True for a parameter name that holds a credential.

    >>> is_secret("openai_api_key"), is_secret("temperature")
    (True, False)
    """
    return bool(_SECRET.search(key))


def redact(value: Any, depth: int = 0) -> Any:
    """``value`` with every credential-named key's value replaced (nested dicts and lists too)."""
    if depth > 16:
        return REDACTED
    if isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret(str(k)) else redact(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v, depth + 1) for v in value]
    if type(value).__name__ == "SecretStr":  # pydantic's: its repr hides it, we drop it
        return REDACTED
    return value


def bounded(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit} more characters]"
