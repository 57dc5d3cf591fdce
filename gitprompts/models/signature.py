"""Model signatures: MLflow's column-based subset, inferred from examples, checked at ``predict``.

What is covered (without depending on MLflow): a ``Schema`` of ``ColSpec``
columns, named or not, of the scalar types ``string``, ``long``,
``integer``, ``double``, ``float``, ``boolean``, ``binary`` and
``datetime``, plus ``any`` for everything this subset does not type
(MLflow's ``Array``/``Object``/``Map`` columns and tensor specs load as
``any``: present, unchecked); and a ``ParamSchema`` of ``ParamSpec``
inference parameters with defaults. ``infer_signature`` types a ``str``,
``bytes``, a list of scalars, a dict of scalars, a list of dicts (records)
and a pandas DataFrame (duck-typed: pandas is never imported here).

``enforce`` checks ``predict`` input as MLflow does and raises
``SchemaEnforcementError`` with MLflow's wording (a missing required column,
a value that cannot safely be converted); the input is then passed on
unchanged (MLflow converts it to a DataFrame first). Params missing from
the call get their defaults; params the schema does not name are dropped.

>>> sig = infer_signature({"question": "What is git?"}, "an answer", params={"temperature": 0.1})
>>> sig.inputs
Schema([ColSpec('string', 'question')])
>>> enforce(sig, {"question": "Why?"}, None)
({'question': 'Why?'}, {'temperature': 0.1})
>>> enforce(sig, {"question": ["Why?", "How?"]}, {"temperature": 0.5})  # columns, as pandas'
({'question': ['Why?', 'How?']}, {'temperature': 0.5})
>>> enforce(sig, {"q": "Why?"}, None)  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.SchemaEnforcementError: ... Error: Model is missing inputs ['question']. Note ...
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Literal

import msgspec

from gitprompts.errors import InvalidInputError, SchemaEnforcementError

__all__ = ["ColSpec", "ModelSignature", "ParamSchema", "ParamSpec", "Schema", "infer_signature"]

DataType = Literal[
    "string", "long", "integer", "double", "float", "boolean", "binary", "datetime", "any"
]
_TYPES: tuple[str, ...] = DataType.__args__  # type: ignore[attr-defined]


class ColSpec(msgspec.Struct, frozen=True):
    """One input or output column: ``ColSpec("string", "question")`` as in ``mlflow.types``."""

    type: DataType
    name: str | None = None
    required: bool = True

    def __repr__(self) -> str:
        name = f", {self.name!r}" if self.name is not None else ""
        optional = ", required=False" if not self.required else ""
        return f"ColSpec({self.type!r}{name}{optional})"


class Schema(msgspec.Struct, frozen=True):
    """A list of columns: ``Schema([ColSpec("string", "question")])``."""

    inputs: list[ColSpec]

    def input_names(self) -> list[str | None]:
        return [c.name for c in self.inputs]

    def has_input_names(self) -> bool:
        return bool(self.inputs) and all(c.name is not None for c in self.inputs)

    def __repr__(self) -> str:
        return f"Schema({self.inputs!r})"


class ParamSpec(msgspec.Struct, frozen=True):
    """An inference parameter and its default: ``ParamSpec("temperature", "double", 0.1)``."""

    name: str
    dtype: DataType = msgspec.field(name="type")  # MLflow's name; "type" in its JSON too
    default: Any = None
    shape: tuple[int, ...] | None = None


class ParamSchema(msgspec.Struct, frozen=True):
    params: list[ParamSpec]


class ModelSignature(msgspec.Struct, frozen=True):
    """What a model takes and returns: ``ModelSignature(inputs, outputs=None, params=None)``."""

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: ParamSchema | None = None

    def to_dict(self) -> dict[str, str | None]:
        """MLflow's form: each part as a JSON string (what an MLmodel file holds)."""

        def cols(schema: Schema | None) -> str | None:
            return None if schema is None else json.dumps(msgspec.to_builtins(schema.inputs))

        params = (
            None if self.params is None else json.dumps(msgspec.to_builtins(self.params.params))
        )
        return {"inputs": cols(self.inputs), "outputs": cols(self.outputs), "params": params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        """The inverse of ``to_dict``; also reads an MLflow signature's ``to_dict()``."""

        def cols(text: Any) -> Schema | None:
            if text is None:
                return None
            specs = json.loads(text) if isinstance(text, str) else text
            return Schema([_colspec(s) for s in specs])

        params = data.get("params")
        parsed = json.loads(params) if isinstance(params, str) else params
        return cls(
            inputs=cols(data.get("inputs")),
            outputs=cols(data.get("outputs")),
            params=None if parsed is None else ParamSchema([_paramspec(p) for p in parsed]),
        )


def _type(value: Any) -> str:
    return value if isinstance(value, str) and value in _TYPES else "any"


def _colspec(spec: Any) -> ColSpec:
    if not isinstance(spec, dict):
        raise InvalidInputError(
            f"signature column {spec!r} is not an object such as "
            "{'type': 'string', 'name': 'question'}"
        )
    name = spec.get("name")
    return ColSpec(
        _type(spec.get("type")),  # type: ignore[arg-type]
        name if isinstance(name, str) else None,
        bool(spec.get("required", True)),
    )


def _paramspec(spec: Any) -> ParamSpec:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise InvalidInputError(f"signature param {spec!r} is not an object with a 'name'")
    shape = spec.get("shape")
    return ParamSpec(
        spec["name"],
        _type(spec.get("type")),  # type: ignore[arg-type]
        spec.get("default"),
        tuple(shape) if isinstance(shape, list) else None,
    )


def coerce(signature: object) -> ModelSignature | None:
    """A ``ModelSignature`` from ours, MLflow's (via ``to_dict()``) or the dict form; None stays."""
    if signature is None or isinstance(signature, ModelSignature):
        return signature
    to_dict = getattr(signature, "to_dict", None)
    data = to_dict() if callable(to_dict) else signature
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"signature must be a ModelSignature (gitprompts.models.infer_signature) or its "
            f"to_dict() form, not {signature!r}"
        )
    return ModelSignature.from_dict(data)


# -- inference ---------------------------------------------------------------


def _scalar_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (bytes, bytearray)):
        return "binary"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "datetime"
    return "any"


def _common(types: list[str]) -> str:
    kinds = set(types)
    if kinds == {"long", "double"}:
        return "double"
    return kinds.pop() if len(kinds) == 1 else "any"


_DTYPES = {
    "object": "string",
    "bool": "boolean",
    "int64": "long",
    "int32": "integer",
    "float64": "double",
    "float32": "float",
    "bytes": "binary",
}


def _schema(example: Any) -> Schema:
    if hasattr(example, "dtypes") and hasattr(example, "columns"):  # a pandas DataFrame
        return Schema(
            [
                ColSpec(_DTYPES.get(str(dtype), "any"), str(col))  # type: ignore[arg-type]
                for col, dtype in zip(example.columns, example.dtypes, strict=True)
            ]
        )
    if isinstance(example, dict):
        return Schema(
            [
                ColSpec(_scalar_type(v), str(k))  # type: ignore[arg-type]
                for k, v in example.items()
            ]
        )
    if isinstance(example, (list, tuple)) and example and all(isinstance(r, dict) for r in example):
        keys = list(dict.fromkeys(k for row in example for k in row))
        return Schema(
            [
                ColSpec(
                    _common([_scalar_type(r[k]) for r in example if k in r]),  # type: ignore[arg-type]
                    str(k),
                    all(k in r for r in example),
                )
                for k in keys
            ]
        )
    if isinstance(example, (list, tuple)) and example:
        return Schema([ColSpec(_common([_scalar_type(v) for v in example]))])  # type: ignore[arg-type]
    return Schema([ColSpec(_scalar_type(example))])  # type: ignore[arg-type]


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict[str, Any] | None = None
) -> ModelSignature:
    """A signature typed from an example input, output and params (as ``mlflow.models``).

    >>> infer_signature(["hi", "there"]).inputs
    Schema([ColSpec('string')])
    >>> infer_signature(params={"k": 3}).params
    ParamSchema(params=[ParamSpec(name='k', dtype='long', default=3, shape=None)])
    """
    spec_params = None
    if params is not None:
        if not isinstance(params, dict):
            raise InvalidInputError(f"params must be a dict of parameter defaults, not {params!r}")
        spec_params = ParamSchema(
            [
                ParamSpec(
                    str(k),
                    (_common([_scalar_type(x) for x in v]) if v else "any")  # type: ignore[arg-type]
                    if isinstance(v, list)
                    else _scalar_type(v),
                    v,
                    (-1,) if isinstance(v, list) else None,
                )
                for k, v in params.items()
            ]
        )
    return ModelSignature(
        inputs=None if model_input is None else _schema(model_input),
        outputs=None if model_output is None else _schema(model_output),
        params=spec_params,
    )


_HINTED = {str: "string", bool: "boolean", int: "long", float: "double", bytes: "binary"}


def from_type_hints(model: Any) -> ModelSignature | None:
    """A signature from ``predict``'s type hints, as MLflow 3 makes one (scalars and their lists).

    The input is the first parameter after ``context``; ``list[str]`` gives
    a string column, and so on for ``int``/``float``/``bool``/``bytes``.
    Other hints (dicts, pydantic models) give no signature here.

    >>> def predict(model_input: list[str]) -> list[str]:
    ...     return model_input
    >>> from_type_hints(predict).inputs
    Schema([ColSpec('string')])
    """
    import inspect
    import typing

    function = getattr(model, "predict", model)
    if not callable(function):
        return None
    try:
        hints = typing.get_type_hints(function)
        names = [n for n in inspect.signature(function).parameters if n not in ("self", "context")]
    except Exception:  # unresolvable hints are the model's business, not a logging error
        return None

    def column(hint: Any) -> Schema | None:
        if hint in _HINTED:
            return Schema([ColSpec(_HINTED[hint])])  # type: ignore[arg-type]
        args = typing.get_args(hint)
        if typing.get_origin(hint) is list and len(args) == 1 and args[0] in _HINTED:
            return Schema([ColSpec(_HINTED[args[0]])])  # type: ignore[arg-type]
        return None

    inputs = column(hints.get(names[0])) if names else None
    if inputs is None:
        return None
    return ModelSignature(inputs=inputs, outputs=column(hints.get("return")))


def example_value(example: Any) -> Any:
    """``input_example`` as stored (JSON values; a DataFrame in pandas' ``split`` form)."""
    if hasattr(example, "to_dict") and hasattr(example, "columns"):
        example = example.to_dict(orient="split")
    try:
        return msgspec.json.decode(msgspec.json.encode(example))
    except (TypeError, RecursionError, msgspec.EncodeError) as exc:
        raise InvalidInputError(
            f"input_example {example!r} cannot be stored as JSON ({exc}): give a str, a dict, "
            "a list or a pandas DataFrame of plain values"
        ) from None


# -- enforcement -------------------------------------------------------------


def _fits(value: Any, kind: str) -> bool:
    if kind == "any" or value is None:
        return True
    if kind in ("long", "integer"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return _scalar_type(value) == kind


def _describe(schema: Schema) -> str:
    return ", ".join(
        (f"{c.name!r}: " if c.name else "") + c.type + ("" if c.required else " (optional)")
        for c in schema.inputs
    )


def _rows(data: Any) -> list[dict[str, Any]] | None:
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        rows: list[dict[str, Any]] = data.to_dict(orient="records")
        return rows
    if isinstance(data, dict):
        columns = list(data.values())
        if columns and all(isinstance(c, list) and len(c) == len(columns[0]) for c in columns):
            # Column-oriented, as a DataFrame's dict: one row per position.
            return [dict(zip(data, row, strict=True)) for row in zip(*columns, strict=True)]
        return [data]
    if isinstance(data, (list, tuple)) and data and all(isinstance(r, dict) for r in data):
        return list(data)
    return None


def _check_inputs(schema: Schema, data: Any) -> None:
    def fail(reason: str) -> SchemaEnforcementError:
        return SchemaEnforcementError(data, _describe(schema), reason)

    if schema.has_input_names():
        rows = _rows(data)
        if rows is None:
            raise fail(
                f"Model expects named inputs {schema.input_names()}: give a dict, a list of "
                f"dicts or a DataFrame, not {type(data).__name__}"
            )
        names = {c.name for c in schema.inputs}
        given = set().union(*(r.keys() for r in rows))
        missing = sorted(str(c.name) for c in schema.inputs if c.required and c.name not in given)
        if missing:
            extra = sorted(str(k) for k in given - names)
            note = f". Note that there were extra inputs: {extra}" if extra else ""
            raise fail(f"Model is missing inputs {missing}{note}")
        for col in schema.inputs:
            for row in rows:
                if col.name in row and not _fits(row[col.name], col.type):
                    got = type(row[col.name]).__name__
                    raise fail(
                        f"Incompatible input types for column {col.name}. "
                        f"Can not safely convert {got} to {col.type}."
                    )
        return
    kinds = [c.type for c in schema.inputs]
    values = list(data) if isinstance(data, (list, tuple)) else [data]
    if len(kinds) == 1:
        for value in values:
            if not _fits(value, kinds[0]):
                raise fail(
                    f"Incompatible input types. Can not safely convert "
                    f"{type(value).__name__} to {kinds[0]}."
                )


def _check_params(schema: ParamSchema, params: dict[str, Any] | None) -> dict[str, Any]:
    if params is not None and not isinstance(params, dict):
        raise InvalidInputError(f"params must be a dict, not {params!r}")
    given = params or {}
    found: dict[str, Any] = {}
    for spec in schema.params:
        value = given.get(spec.name, spec.default)
        items = value if spec.shape is not None and isinstance(value, list) else [value]
        if not all(_fits(v, spec.dtype) for v in items):
            raise SchemaEnforcementError(
                params,
                ", ".join(f"{p.name!r}: {p.dtype}" for p in schema.params),
                f"Failed to convert value {value!r} of param {spec.name!r} to {spec.dtype}",
            )
        found[spec.name] = value
    return found


def enforce(
    signature: ModelSignature | None, data: Any, params: dict[str, Any] | None
) -> tuple[Any, dict[str, Any] | None]:
    """``(data, params)`` checked against ``signature``, params completed with their defaults."""
    if signature is None:
        return data, params
    if signature.inputs is not None and signature.inputs.inputs:
        _check_inputs(signature.inputs, data)
    if signature.params is not None:
        return data, _check_params(signature.params, params)
    return data, params
