"""Plain-data messages between the judge and a student's worker process.

A message is one JSON header followed by NumPy ``.npy`` blobs. Nothing is
pickled: the judge decodes only JSON and arrays loaded with
``allow_pickle=False``, so a hostile worker can send wrong numbers but never
code. Values that are not plain data (a Relu instance, a Keras model) stay in
the worker and travel as a :class:`Handle` naming them.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class CodecError(ValueError):
    """A message that is not well-formed plain data."""


@dataclass(frozen=True)
class Handle:
    """A worker-side object the judge can use only by asking the worker."""

    id: int
    type_name: str


def encode(value: Any, to_handle: Callable[[Any], Handle] | None = None) -> bytes:
    """Serialize ``value``; objects that are not plain data go through ``to_handle``."""
    blobs: list[bytes] = []
    header = json.dumps(_to_json(value, blobs, to_handle, depth=0)).encode()
    parts = [struct.pack("<II", len(header), len(blobs)), header]
    for blob in blobs:
        parts += [struct.pack("<Q", len(blob)), blob]
    return b"".join(parts)


def decode(message: bytes) -> Any:
    """Inverse of :func:`encode`; raises CodecError on anything malformed."""
    if len(message) > MAX_MESSAGE_BYTES:
        raise CodecError(f"message of {len(message)} bytes exceeds the limit")
    try:
        header_len, n_blobs = struct.unpack_from("<II", message, 0)
        offset = 8
        header = json.loads(message[offset: offset + header_len])
        offset += header_len
        blobs = []
        for _ in range(n_blobs):
            (size,) = struct.unpack_from("<Q", message, offset)
            offset += 8
            blobs.append(message[offset: offset + size])
            offset += size
    except (struct.error, ValueError, UnicodeDecodeError) as err:
        raise CodecError(f"malformed message: {err}") from None
    return _from_json(header, blobs)


def map_leaves(leaf: Callable[[Any], Any], value: Any) -> Any:
    """``value`` with ``leaf`` applied to everything inside its lists, tuples and dicts."""
    if isinstance(value, list):
        return [map_leaves(leaf, v) for v in value]
    if isinstance(value, tuple):
        return tuple(map_leaves(leaf, v) for v in value)
    if isinstance(value, dict):
        return {k: map_leaves(leaf, v) for k, v in value.items()}
    return leaf(value)


def type_names(obj: Any) -> list[str]:
    """Qualified class names along the MRO, e.g. ['keras.src.models.functional.Functional', ...]."""
    return [f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__]


def is_plain(value: Any) -> bool:
    """True for values that cross the boundary as data rather than as a handle."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, np.generic):
        return value.dtype.kind in "biufc"
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc"
    return False


def _to_json(value: Any, blobs: list[bytes], to_handle, depth: int) -> Any:
    if depth > 20:
        raise CodecError("value nested more than 20 levels deep")
    # NumPy first: np.float64 is also a Python float, and must keep its dtype.
    if isinstance(value, (np.ndarray, np.generic)) and is_plain(value):
        blobs.append(_npy_bytes(np.asarray(value)))
        key = "array" if isinstance(value, np.ndarray) else "scalar"
        return {key: len(blobs) - 1}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": str(value)}  # exact, even beyond 2**53
    if isinstance(value, float):
        return {"float": float.__repr__(value)}  # keeps nan/inf, which JSON cannot
    if isinstance(value, (list, tuple)):
        items = [_to_json(v, blobs, to_handle, depth + 1) for v in value]
        return {"list" if isinstance(value, list) else "tuple": items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _to_json(v, blobs, to_handle, depth + 1) for k, v in value.items()}}
    if isinstance(value, Handle):
        return {"handle": [value.id, value.type_name]}
    if to_handle is None:
        raise CodecError(f"cannot send a {type(value).__name__} as plain data")
    handle = to_handle(value)
    return {"handle": [handle.id, handle.type_name]}


def _from_json(node: Any, blobs: list[bytes]) -> Any:
    if node is None or isinstance(node, (bool, str)):
        return node
    if not isinstance(node, dict) or len(node) != 1:
        raise CodecError("malformed message node")
    ((kind, body),) = node.items()
    if kind == "int":
        return int(body)
    if kind == "float":
        return float(body)
    if kind in ("array", "scalar"):
        array = _load_npy(blobs[body])
        return array if kind == "array" else array[()]
    if kind == "list":
        return [_from_json(v, blobs) for v in body]
    if kind == "tuple":
        return tuple(_from_json(v, blobs) for v in body)
    if kind == "dict":
        return {str(k): _from_json(v, blobs) for k, v in body.items()}
    if kind == "handle":
        return Handle(int(body[0]), str(body[1]))
    raise CodecError(f"unknown node kind {kind!r}")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _load_npy(blob: bytes) -> np.ndarray:
    try:
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except ValueError as err:
        raise CodecError(f"bad array: {err}") from None
