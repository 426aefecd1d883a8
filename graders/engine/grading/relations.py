"""Relations between a student's wrong output and the oracle's, tested on arrays only.

A relation is a small function ``(got, expected, case) -> iterable of parameters``:
every parameter for which the student's output ``got`` is that transform of
the oracle's ``expected`` (within the check's own tolerance). ``case`` holds
what else the test knew: the arrays it passed to the student's code (whose
sizes name dimensions such as the batch size) and the expected values of its
other checks. A parameter is a string that means the same for every student
("1/in3.shape[0]" is "divided by the first dimension of the test's third
input", whatever that student's hidden size is), so one mistake made by many
students with different hidden shapes is one relation with one parameter.

Add a relation by writing a function and decorating it with ``@relation``.
Student code never runs here: only the arrays a check already holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterable, Iterator

import numpy as np

Finder = Callable[[np.ndarray, np.ndarray, "Case"], Iterable[str]]


@dataclass(frozen=True)
class Relation:
    name: str
    words: str          # how it reads, with {param}: "multiplied by {param}"
    find: Finder

    def describe(self, param: str) -> str:
        return self.words.format(param=param)


@dataclass
class Case:
    """What a check knew besides the two arrays."""

    rtol: float
    atol: float
    inputs: list[np.ndarray] = field(default_factory=list)
    others: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (family, expected) of other checks

    def close(self, a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> bool:
        """a ≈ b within this check's tolerance (scaled, for transforms that scale the error too)."""
        if a.shape != b.shape:
            return False
        allowed = (self.atol + self.rtol * np.abs(b)) * max(scale, 1.0) + 1e-12
        return bool(np.all(np.abs(a - b) <= allowed))

    def dimensions(self) -> Iterator[tuple[str, int]]:
        """Sizes of the inputs, named by position: ('in3.shape[0]', 4), ... (sizes of 1 say nothing)."""
        for k, array in enumerate(self.inputs, start=1):
            for axis, size in enumerate(array.shape):
                if size > 1:
                    yield f"in{k}.shape[{axis}]", size


RELATIONS: dict[str, Relation] = {}


def relation(name: str, words: str) -> Callable[[Finder], Finder]:
    """Register ``find`` as the relation ``name`` (its parameters fill ``words``)."""
    def register(find: Finder) -> Finder:
        RELATIONS[name] = Relation(name, words, find)
        return find
    return register


def find_all(got: np.ndarray, expected: np.ndarray, case: Case) -> list[tuple[str, str]]:
    """Every (relation, parameter) that holds; none when got is the oracle's value itself."""
    if case.close(got, expected):
        return []
    found = []
    with np.errstate(all="ignore"):
        for name, rel in RELATIONS.items():
            found += [(name, param) for param in rel.find(got, expected, case)]
    return found


def holds(name: str, param: str, got: np.ndarray, expected: np.ndarray, case: Case) -> bool:
    """Does relation ``name`` with ``param`` hold for a wrong ``got``? (Never for the right value.)"""
    return not case.close(got, expected) and satisfied(name, param, got, expected, case)


def satisfied(name: str, param: str, got: np.ndarray, expected: np.ndarray, case: Case) -> bool:
    """The relation itself, right value or not: naming refuses one that correct outputs satisfy."""
    if name == IDENTICAL:
        return fingerprint(got) == param
    rel = RELATIONS.get(name)
    if rel is None:  # a relation this version does not know: it never fires
        return False
    with np.errstate(all="ignore"):
        return param in set(rel.find(got, expected, case))


IDENTICAL = "identical"  # not searched: the same wrong output as others, in a public test (same inputs)


def fingerprint(got: np.ndarray) -> str:
    """The same output, whatever the last bits: 6 significant digits of each value."""
    text = ",".join(f"{v:.6g}" for v in got.ravel()) + f"|{got.shape}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _nonzero(array: np.ndarray, case: Case) -> bool:
    return bool(np.any(np.abs(array) > case.atol + 1e-12))


# -- the library ---------------------------------------------------------------------
CONSTANTS = (2, 3, 4, Fraction(1, 2), Fraction(1, 3), Fraction(1, 4), -2, Fraction(-1, 2))


def _factors(case: Case) -> Iterator[tuple[str, float]]:
    for c in CONSTANTS:
        yield str(c), float(c)
    for symbol, size in case.dimensions():
        yield symbol, float(size)
        yield f"1/{symbol}", 1.0 / size


@relation("factor", "multiplied by {param}")
def factor(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    """got = c * expected, c a small constant or a size of the inputs (the batch size N, 1/N, ...)."""
    if got.shape != expected.shape or not _nonzero(expected, case):
        return
    ratio = float(np.sum(got * expected) / np.sum(expected * expected))
    for param, value in _factors(case):
        if abs(ratio - value) <= 1e-6 * abs(value) + 1e-9 and case.close(got, value * expected, abs(value)):
            yield param


@relation("negated", "negated (the sign flipped)")
def negated(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    if _nonzero(expected, case) and case.close(got, -expected):
        yield ""


@relation("transposed", "transposed")
def transposed(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    if expected.ndim == 2 and case.close(got, expected.T) and not case.close(expected, expected.T):
        yield ""


@relation("zero", "all zeros")
def zero(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    if got.shape == expected.shape and not _nonzero(got, case) and _nonzero(expected, case):
        yield ""


@relation("summed", "the right value summed over axis {param}")
def summed(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    """got = expected summed along an axis (kept, or broadcast back to the full shape)."""
    for axis in range(expected.ndim):
        total = expected.sum(axis=axis, keepdims=True)
        scale = expected.shape[axis]
        if case.close(got, total.squeeze(axis), scale) or case.close(got, total, scale) \
                or case.close(got, np.broadcast_to(total, expected.shape), scale):
            yield str(axis)


@relation("unreduced", "not summed over axis {param} (summing it there gives the right value)")
def unreduced(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    """got summed along an axis = expected: a sum over the batch left out."""
    if got.ndim not in (expected.ndim, expected.ndim + 1):
        return
    for axis in range(got.ndim):
        reduced = got.sum(axis=axis, keepdims=got.ndim == expected.ndim)
        if case.close(reduced, expected, got.shape[axis]):
            yield str(axis)


@relation("missing_term", "missing the term {param}")
def missing_term(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    """expected - got is one of the test's inputs (broadcast), e.g. a bias left out; '-inK': one too many."""
    if got.shape != expected.shape:
        return
    rest = expected - got
    for k, array in enumerate(case.inputs, start=1):
        try:
            term = np.broadcast_to(array, rest.shape)
        except ValueError:
            continue
        if not _nonzero(term, case):
            continue
        if case.close(rest, term):
            yield f"in{k}"
        elif case.close(-rest, term):
            yield f"-in{k}"


@relation("other_value", "equal to {param} instead")
def other_value(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    """got is one of the test's inputs, or the right value of another check of the same test."""
    for k, array in enumerate(case.inputs, start=1):
        if case.close(got, array):
            yield f"in{k}"
    for family, value in case.others:
        if not case.close(value, expected) and case.close(got, value):
            yield f"the expected value of '{family}'"


@relation("reshaped", "the right values in the wrong shape")
def reshaped(got: np.ndarray, expected: np.ndarray, case: Case) -> Iterator[str]:
    if got.shape != expected.shape and got.size == expected.size \
            and case.close(got.reshape(expected.shape), expected):
        yield ""
