"""The ``openai`` flavor: a chat-completions call (model, messages, parameters) stored as JSON.

As ``mlflow.openai.log_model(model, task, messages=...)``: the model is a
model name, a task and ``messages`` whose ``{variables}`` are filled from
the input at call time. A message may name a registry prompt instead of
giving text (a ``PromptVersion``, or ``"prompts:/chat@production"``); the
reference is pinned with the model and answered by the pinned copy at load.
Nothing secret is stored: ``openai.OpenAI()`` is made at call time and reads
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` (any OpenAI-compatible endpoint)
from the environment. Scripts (models-from-code) that build their own client
are stored as code and come back behind ``predict``.

Needs the ``openai`` extra: ``pip install 'gitprompts[openai]'``.

>>> spec = make_spec("gpt-4o-mini", "chat.completions",
...                  [{"role": "user", "content": "Say {word}"}], {"temperature": 0})
>>> fill("Say {word}, not {{literal}}", {"word": "hi"})
'Say hi, not {literal}'
>>> OpenAIModel(spec).variables
['word']
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.records import RecordDecoder
from gitprompts.errors import GitPromptsError, InvalidInputError, InvalidModelError, ModelError
from gitprompts.models.flavors import pyfunc, references
from gitprompts.models.flavors.extras import require
from gitprompts.models.pins import PinSet, activate, current

if TYPE_CHECKING:
    from gitprompts.models.info import ModelInfo

PACKAGES: tuple[str, ...] = ("openai",)
EXTRA = "openai"
ENTRY = "openai.json"
TASKS = ("chat.completions",)
# A key in the artifact would be readable by anyone who can read the store.
SECRETS = ("api_key", "organization", "project", "default_headers", "http_client")
MAX_SPEC_BYTES = 4 << 20


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One message: literal ``content`` with ``{variables}``, or a registry ``prompt`` URI.

    A prompt reference with no ``role`` stands for all of a chat prompt's
    messages (a text prompt becomes one ``user`` message).
    """

    role: str = ""
    content: str = ""
    prompt: str = ""


class Spec(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = 1
    model: str
    task: str
    messages: list[Message] = msgspec.field(default_factory=list)
    params: dict[str, Any] = msgspec.field(default_factory=dict)


def _refused(path: str, reason: str) -> GitPromptsError:
    return ModelError(f"{path}: {reason}")


_decoder = RecordDecoder(
    Spec, kind="openai model", schema_version=1, max_bytes=MAX_SPEC_BYTES, error=_refused
)
_encoder = msgspec.json.Encoder(order="sorted")
_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def task_name(task: object) -> str:
    """``"chat.completions"`` for that string or for ``openai.chat.completions`` itself."""
    if isinstance(task, str):
        name = task.removeprefix("openai.")
    else:
        module = type(task).__module__  # openai.resources.chat.completions(.completions)
        name = ".".join(module.split(".")[2:4]) if module.startswith("openai.resources.") else ""
    if name not in TASKS:
        raise InvalidInputError(
            f"task {task!r} is not supported: use one of {', '.join(TASKS)} "
            "(or openai.chat.completions)"
        )
    return name


def _message(item: object) -> list[Message]:
    uri = references.uri_of(item)
    if uri is not None:
        return [Message(prompt=uri)]
    if not isinstance(item, Mapping) or not isinstance(item.get("role"), str):
        raise InvalidInputError(
            f"messages entry {item!r} is not a {{'role': ..., 'content': ...}} dict, a "
            "PromptVersion or a 'prompts:/name@alias' URI"
        )
    role, content, prompt = item["role"], item.get("content", ""), item.get("prompt")
    ref = references.uri_of(prompt if prompt is not None else content)
    if ref is not None:
        return [Message(role=role, prompt=ref)]
    if not isinstance(content, str):
        raise InvalidInputError(f"messages entry {item!r}: content must be a string")
    return [Message(role=role, content=content)]


def make_spec(model: object, task: object, messages: object, params: dict[str, Any]) -> Spec:
    """The stored form of a ``log_model(model, task, messages=..., **params)`` call."""
    if not isinstance(model, str) or not model:
        raise InvalidModelError(model, "expected an OpenAI model name such as 'gpt-4o-mini'")
    found: list[Message] = []
    if messages is not None:
        if isinstance(messages, (str, PromptVersion)):
            found = _message(messages)
        elif isinstance(messages, (list, tuple)):
            for item in messages:
                found += _message(item)
        else:
            raise InvalidInputError(f"messages must be a list of messages, not {messages!r}")
    secrets = sorted(k for k in params if k in SECRETS)
    if secrets:
        raise InvalidInputError(
            f"{', '.join(secrets)} cannot be stored with a model: set OPENAI_API_KEY (and "
            "OPENAI_BASE_URL) in the environment where the model is loaded"
        )
    try:
        params = msgspec.json.decode(_encoder.encode(params))
    except (TypeError, msgspec.EncodeError) as exc:
        raise InvalidInputError(f"model parameters must be JSON values ({exc})") from None
    return Spec(model=model, task=task_name(task), messages=found, params=params)


def prompt_uris(spec: Spec) -> list[str]:
    """The registry prompts ``spec`` references (``log_model`` pins them)."""
    return [m.prompt for m in spec.messages if m.prompt]


def fill(text: str, values: Mapping[str, Any]) -> str:
    """MLflow's ``{variable}`` filling: ``{{``/``}}`` are literal braces, unknown names stay."""

    def one(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        return str(values[name]) if name in values else token

    return _VARIABLE.sub(one, text)


def _variables(text: str) -> list[str]:
    return [m.group(1) for m in _VARIABLE.finditer(text) if m.group(1)]


class OpenAIModel:
    """A logged chat-completions call; ``predict`` fills the messages and calls the API.

    The client is made on first use (``openai.OpenAI()``: key and base URL from
    the environment) and shared by the threads that call this model.
    """

    def __init__(self, spec: Spec, pins: PinSet | None = None) -> None:
        self.spec = spec
        self._pins = pins
        self._client: Any = None
        self._lock = threading.Lock()
        self.metadata: ModelInfo | None = None

    @property
    def model(self) -> str:
        return self.spec.model

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.spec.params)

    def _prompts(self) -> dict[str, PromptVersion]:
        with activate(self._pins):
            return {uri: references.resolve(uri) for uri in prompt_uris(self.spec)}

    @property
    def messages(self) -> list[dict[str, str]]:
        """The messages as they will be sent, before filling (prompt references resolved)."""
        prompts = self._prompts()
        found: list[dict[str, str]] = []
        for message in self.spec.messages:
            if not message.prompt:
                found.append({"role": message.role, "content": message.content})
                continue
            version = prompts[message.prompt]
            template = version.to_single_brace_format()
            if isinstance(template, str):
                found.append({"role": message.role or "user", "content": template})
            else:
                found += [dict(m) for m in template]
        return found

    @property
    def variables(self) -> list[str]:
        """The names ``predict`` fills, in order of first use."""
        names: dict[str, None] = {}
        for message in self.messages:
            names.update(dict.fromkeys(_variables(message["content"])))
        return list(names)

    def _messages_for(self, row: object) -> list[dict[str, str]]:
        messages = self.messages
        names = self.variables
        if isinstance(row, Mapping):
            values = dict(row)
        elif isinstance(row, str) and len(names) == 1:
            values = {names[0]: row}
        elif isinstance(row, str) and not names:
            return [*messages, {"role": "user", "content": row}]
        else:
            raise InvalidInputError(
                f"predict input {row!r} does not fit this model: give a dict with "
                f"{', '.join(names) or 'the message variables'}, or a string "
                "(for a model with at most one variable)"
            )
        missing = [n for n in names if n not in values]
        if missing:
            raise InvalidInputError(
                f"predict input {row!r} has no value for {', '.join(missing)} "
                f"(this model fills {', '.join(names)})"
            )
        return [{"role": m["role"], "content": fill(m["content"], values)} for m in messages]

    def client(self) -> Any:
        """The ``openai.OpenAI()`` client, made on first use from the environment."""
        with self._lock:
            if self._client is None:
                openai = require("openai", EXTRA, "the openai flavor")
                self._client = openai.OpenAI()
            return self._client

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> list[str | None]:
        """One chat completion per input row: a dict of variables, or a string; returns texts.

        As MLflow's: a string fills the one variable (or, with none, is sent as
        the user's message), a list is several rows, and the answer is the
        first choice's text for each.
        """
        rows = data if isinstance(data, list) else [data]
        with activate(self._pins):
            requests = [self._messages_for(row) for row in rows]
        answers: list[str | None] = []
        for messages in requests:
            response = self.client().chat.completions.create(
                model=self.spec.model, messages=messages, **{**self.spec.params, **(params or {})}
            )
            answers.append(response.choices[0].message.content)
        return answers

    def __repr__(self) -> str:
        return f"<OpenAIModel: {self.spec.model} {self.spec.task}>"


def serialise(model: Any) -> tuple[str, str, dict[str, bytes]]:
    """``("openai-json", entry, files)`` for an ``OpenAIModel`` (what the facade builds)."""
    if not isinstance(model, OpenAIModel):
        raise InvalidModelError(
            model,
            "the openai flavor logs a model name with task= and messages= "
            "(gitprompts.openai.log_model), or a script that calls gitprompts.set_model(...)",
        )
    return "openai-json", ENTRY, {ENTRY: _encoder.encode(model.spec)}


def deserialise(loader: str, data: bytes, where: str) -> Any:
    if loader != "openai-json":
        return pyfunc.deserialise(loader, data, where)
    # Loaded under the model's pins (load_model activates them): keep them, so
    # the references are answered by the pinned copies wherever this is called.
    return OpenAIModel(_decoder.decode(data, f"{where} ({ENTRY})"), current())


def wrap(model: Any, pins: PinSet, info: ModelInfo) -> Any:
    """The ``OpenAIModel`` itself, or a script's model behind ``predict`` (``PyFuncModel``)."""
    if isinstance(model, OpenAIModel):
        model._pins = pins
        model.metadata = info
        return model
    return pyfunc.PyFuncModel(model, pins, info)
