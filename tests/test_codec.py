"""Judge and worker exchange plain data only: arrays, numbers, strings and containers, never pickles."""

import numpy as np
import pytest

from graders.engine.isolation.codec import CodecError, Handle, decode, encode


def test_round_trip_keeps_values_types_and_dtypes():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": [1, 2.5, float("nan"), None, True],
             "c": (np.float64(0.25), np.int64(3), "text"), "big": 2 ** 70}
    back = decode(encode(value))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert back["b"][:2] == [1, 2.5] and np.isnan(back["b"][2]) and back["b"][3:] == [None, True]
    assert type(back["c"][0]) is np.float64 and type(back["c"][1]) is np.int64 and back["c"][2] == "text"
    assert back["big"] == 2 ** 70 and isinstance(back["c"], tuple)


def test_objects_travel_as_handles():
    class Layer:
        pass

    back = decode(encode([Layer()], to_handle=lambda obj: Handle(7, type(obj).__name__)))
    assert back == [Handle(7, "Layer")]


def test_object_arrays_are_not_plain_data():
    with pytest.raises(CodecError):
        encode(np.array([object()], dtype=object))


def test_a_pickle_is_not_accepted():
    import pickle

    with pytest.raises(CodecError):
        decode(pickle.dumps({"ok": 1}))
