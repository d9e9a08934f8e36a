"""Hash-derived randomness: every draw is a pure function of its key, never of a shared stream.

Why: item *i* of a job must come out the same whether it is made in a chunk of 1 or of 10,000,
first or last, on any worker.  So nothing here keeps state between items.  Each (identity seed,
stage) pair gets its own key, and the *j*-th uniform of that stage is ``splitmix64(key + j·φ)``:
a counter-based generator, so adding a draw to one stage never shifts another stage's values,
and a batch of items can be drawn at once with numpy (the same formula, vectorised): the
identity graph takes a matrix of them per stage (``stage_uniforms``).

``KeyedPermutation`` is the other half: a bijection of ``[0, n)`` computed per index (Feistel
network + cycle walking), so a shuffle across all items needs no global array and a chunk can
evaluate just its own indices.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 2.0**-53
_NP_GOLDEN = np.uint64(GOLDEN)
_NP_M1 = np.uint64(_M1)
_NP_M2 = np.uint64(_M2)


def mix64(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-mixed bijection of 64-bit integers."""
    x &= MASK64
    x = ((x ^ (x >> 30)) * _M1) & MASK64
    x = ((x ^ (x >> 27)) * _M2) & MASK64
    return x ^ (x >> 31)


def _np_mix64(x: np.ndarray) -> np.ndarray:
    x = (x ^ (x >> np.uint64(30))) * _NP_M1
    x = (x ^ (x >> np.uint64(27))) * _NP_M2
    return x ^ (x >> np.uint64(31))


def derive(*parts: int | str) -> int:
    """A 64-bit key from any tuple of ints and strings (e.g. seed, form id, field id).

    BLAKE2 over an unambiguous encoding, so ("ab", "c") and ("a", "bc") differ and the result is
    the same in every process (Python's own ``hash`` of a str is salted per process).
    """
    text = "\x1f".join(f"{'s' if isinstance(p, str) else 'i'}{p}" for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def stage_key(identity_seed: int, stage: int) -> int:
    """The key of one stage of one identity (``stage_uniforms`` computes the same keys in bulk)."""
    return mix64(mix64(identity_seed) ^ ((stage + 1) * _M2 & MASK64))


def unit(key: int, j: int) -> float:
    """The j-th uniform in [0, 1) of a key (scalar path, identical to ``stage_uniforms``)."""
    return (mix64(key + (j + 1) * GOLDEN) >> 11) * _TO_UNIT


def stage_uniforms(seeds: np.ndarray, stage: int, width: int) -> np.ndarray:
    """An (n, width) matrix: row r, column j is ``unit(stage_key(seeds[r], stage), j)``.

    The column-wise graph gives every value a stage draws its own column (``graph.Slots``), so a
    batch of identities is a few vector operations per value rather than a Python loop per draw.
    Row r depends on ``seeds[r]`` alone: any chunking gives the same numbers.
    """
    salt = np.uint64(((stage + 1) * _M2) & MASK64)
    steps = np.arange(1, width + 1, dtype=np.uint64) * _NP_GOLDEN
    with np.errstate(over="ignore"):
        keys = _np_mix64(_np_mix64(np.asarray(seeds, dtype=np.uint64)) ^ salt)
        x = _np_mix64(keys[:, None] + steps[None, :])
    return (x >> np.uint64(11)).astype(np.float64) * _TO_UNIT


class Draws:
    """The uniforms of one stage of one identity, consumed in order, one at a time.

    For the details a few documents draw on demand (``documents.py``); the graph itself draws
    column-wise (``stage_uniforms``). ``u`` is a C-level iterator step.
    """

    __slots__ = ("u",)

    def __init__(self, key: int) -> None:
        self.u = map(unit, itertools.repeat(key), itertools.count()).__next__

    def below(self, n: int) -> int:
        """Uniform integer in [0, n)."""
        return int(self.u() * n)

    def between(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi], both ends included."""
        return lo + int(self.u() * (hi - lo + 1))

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> bool:
        return self.u() < p

    def choice(self, items: Sequence):  # type: ignore[no-untyped-def]
        return items[int(self.u() * len(items))]

    def normal(self) -> float:
        """Standard normal by Box–Muller (two uniforms; 1 - u keeps the log finite)."""
        return math.sqrt(-2.0 * math.log(1.0 - self.u())) * math.cos(2.0 * math.pi * self.u())

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())


class KeyedPermutation:
    """A pseudo-random bijection of ``[0, n)``, evaluated one index (or one array) at a time.

    A balanced Feistel network permutes ``[0, 4^h)`` (the smallest power of four ≥ n); indices
    that land outside ``[0, n)`` are fed through again ("cycle walking"), which keeps the map a
    bijection of ``[0, n)`` itself.  Fewer than four walks are needed on average.
    """

    ROUNDS = 4

    def __init__(self, n: int, key: int) -> None:
        if n < 1:
            raise ValueError("a permutation needs n >= 1")
        self.n = n
        self._half_bits = max(1, math.ceil(math.log2(n) / 2)) if n > 1 else 1
        self._mask = (1 << self._half_bits) - 1
        self._keys = tuple(mix64(key + (r + 1) * GOLDEN) for r in range(self.ROUNDS))

    def _once(self, x: int) -> int:
        left, right = x >> self._half_bits, x & self._mask
        for k in self._keys:
            left, right = right, left ^ (mix64(right ^ k) & self._mask)
        return (left << self._half_bits) | right

    def __call__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        if self.n == 1:
            return 0
        x = self._once(i)
        while x >= self.n:
            x = self._once(x)
        return x

    def many(self, indices: np.ndarray) -> np.ndarray:
        """Vectorised ``__call__`` over an integer array (same result element by element)."""
        x = np.asarray(indices, dtype=np.uint64)
        if self.n == 1:
            return np.zeros_like(x)
        out = self._np_once(x)
        todo = out >= np.uint64(self.n)
        while todo.any():
            out[todo] = self._np_once(out[todo])
            todo = out >= np.uint64(self.n)
        return out

    def _np_once(self, x: np.ndarray) -> np.ndarray:
        bits, mask = np.uint64(self._half_bits), np.uint64(self._mask)
        left, right = x >> bits, x & mask
        with np.errstate(over="ignore"):
            for k in self._keys:
                left, right = right, left ^ (_np_mix64(right ^ np.uint64(k)) & mask)
        return (left << bits) | right
