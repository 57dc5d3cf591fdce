"""What LangChain hands a callback, as span attributes: messages, values, model replies.

Pure conversions (no OpenTelemetry): the handler keeps the raw objects of a
call, and the span writer turns them into attributes off the caller's thread.

>>> message_json({"role": "user", "content": "hi"})
{'role': 'user', 'parts': [{'type': 'text', 'content': 'hi'}]}
"""

from __future__ import annotations

import json
from typing import Any

from gitprompts.tracing import attributes as attr

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _jsonable(value: Any) -> Any:
    message_type = getattr(value, "type", None)
    if isinstance(message_type, str) and hasattr(value, "content"):
        return {"type": message_type, "content": value.content}
    for method in ("model_dump", "dict"):
        dump = getattr(value, method, None)
        if callable(dump):
            try:
                return dump()
            except Exception:
                break
    return repr(value)


def to_json(value: Any) -> str:
    """``value`` as bounded JSON text (LangChain messages as ``{type, content}``)."""
    try:
        text = json.dumps(value, default=_jsonable, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json.dumps(repr(value), ensure_ascii=False)
    return attr.bounded(text)


def _parts(message: Any) -> list[dict[str, Any]]:
    if isinstance(message, dict):  # {"role", "content"}, as LangGraph states often hold
        content = message.get("content", "")
    else:
        content = getattr(message, "content", message)
    parts: list[dict[str, Any]] = []
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for piece in content:
            if isinstance(piece, str):
                parts.append({"type": "text", "content": piece})
            elif isinstance(piece, dict) and piece.get("type") == "text":
                parts.append({"type": "text", "content": piece.get("text", "")})
            else:
                parts.append({"type": "other", "content": _jsonable(piece)})
    calls = message.get("tool_calls") if isinstance(message, dict) else None
    for call in calls or getattr(message, "tool_calls", None) or []:
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": call.get("name"),
                "arguments": call.get("args"),
            }
        )
    return parts


def message_json(message: Any) -> dict[str, Any]:
    """A LangChain message in the GenAI conventions' shape: ``{role, parts}``."""
    if isinstance(message, dict):
        kind = str(message.get("role", "user"))
    else:
        kind = str(getattr(message, "type", "user"))
    return {"role": _ROLES.get(kind, kind), "parts": _parts(message)}


def message_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        str(p.get("content", "")) for m in messages for p in m["parts"] if p["type"] == "text"
    )


def reply_attributes(response: Any) -> dict[str, Any]:
    """The attributes of a model's reply (an ``LLMResult``): messages, usage, finish reasons."""
    attributes: dict[str, Any] = {}
    outputs = []
    reasons = []
    input_tokens = output_tokens = None
    for batch in response.generations or []:
        for generation in batch:
            message = getattr(generation, "message", None)
            if message is not None:
                outputs.append(message_json(message))
                usage = getattr(message, "usage_metadata", None) or {}
                if usage:
                    input_tokens = (input_tokens or 0) + int(usage.get("input_tokens", 0))
                    output_tokens = (output_tokens or 0) + int(usage.get("output_tokens", 0))
            else:
                text = {"type": "text", "content": generation.text}
                outputs.append({"role": "assistant", "parts": [text]})
            info = generation.generation_info or {}
            reason = info.get("finish_reason")
            if isinstance(reason, str):
                reasons.append(reason)
    llm_output = response.llm_output or {}
    token_usage = llm_output.get("token_usage") or llm_output.get("usage") or {}
    if input_tokens is None and isinstance(token_usage, dict) and token_usage:
        input_tokens = token_usage.get("prompt_tokens", token_usage.get("input_tokens"))
        output_tokens = token_usage.get("completion_tokens", token_usage.get("output_tokens"))
    if isinstance(input_tokens, int):
        attributes[attr.INPUT_TOKENS] = input_tokens
    if isinstance(output_tokens, int):
        attributes[attr.OUTPUT_TOKENS] = output_tokens
    model_name = llm_output.get("model_name") or llm_output.get("model")
    if isinstance(model_name, str):
        attributes[attr.RESPONSE_MODEL] = model_name
    if reasons:
        attributes[attr.FINISH_REASONS] = reasons
    attributes[attr.OUTPUT_MESSAGES] = attr.bounded(json.dumps(outputs, ensure_ascii=False))
    return attributes
