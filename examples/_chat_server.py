"""A local stand-in for the OpenAI chat-completions API (offline examples and tests).

``with running() as server:`` serves ``POST /v1/chat/completions`` on
127.0.0.1 (a free port) and answers each request with the messages it was
sent, so what reached the "LLM" is visible; ``server.requests`` keeps every
request body and its ``Authorization`` header. Point the real ``openai``
client at it with ``OPENAI_BASE_URL=server.base_url``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def answer(messages: list[dict[str, Any]]) -> str:
    """What the stand-in replies: every message it got, one per line."""
    return "\n".join(f"{m.get('role')}: {m.get('content')}" for m in messages)


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.path.rstrip("/") != "/v1/chat/completions" or length > MAX_BODY:
            self._reply(404, {"error": {"message": f"no route {self.path}", "type": "invalid"}})
            return
        body = json.loads(self.rfile.read(length))
        with self.server.lock:
            self.server.requests.append(
                {"authorization": self.headers.get("Authorization"), "body": body}
            )
        if body.get("stream"):
            self._stream(body)
            return
        self._reply(
            200,
            {
                "id": f"chatcmpl-{len(self.server.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer(body["messages"])},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _stream(self, body: dict[str, Any]) -> None:
        """The same answer as server-sent events, a chunk per line, then the usage."""
        text = answer(body["messages"])
        base = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0}
        base["model"] = body.get("model", "")
        pieces = [{"role": "assistant", "content": line} for line in text.splitlines(True)]
        chunks = [{**base, "choices": [{"index": 0, "delta": p}]} for p in pieces]
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 0}
            chunks.append({**base, "choices": [], "usage": usage})
        data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        encoded = data.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)


@contextmanager
def running() -> Iterator[ChatServer]:
    """A ``ChatServer`` serving in a thread for the duration of the block."""
    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
