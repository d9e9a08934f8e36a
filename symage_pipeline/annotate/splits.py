"""Train / validation / test partition of a job's items (80/10/10, floor-allocated).

Splits are by item, not by document, so every form of one identity lands in the same split and a
model never sees an identity's W-2 in training and its 1040 in test. The partition is a pure
function of the quantity: per-document writers (which run in parallel chunks) and the bundle
agree on it without talking to each other.
"""

from __future__ import annotations

from typing import Any

# Percentages, so the floor is exact integer arithmetic (0.1 * n is not always n / 10 in floats).
SPLIT_PERCENT = (("train", 80), ("validation", 10), ("test", 10))
SPLIT_NAMES = tuple(name for name, _ in SPLIT_PERCENT)


def split_ranges(quantity: int) -> dict[str, tuple[int, int]]:
    """Item ranges ``[start, stop)`` per split; the flooring remainder goes to train; empty splits absent."""
    counts = {name: quantity * percent // 100 for name, percent in SPLIT_PERCENT}
    counts["train"] += quantity - sum(counts.values())
    ranges: dict[str, tuple[int, int]] = {}
    start = 0
    for name in SPLIT_NAMES:
        if counts[name]:
            ranges[name] = (start, start + counts[name])
            start += counts[name]
    return ranges


def split_of(item_index: int, quantity: int) -> str:
    for name, (start, stop) in split_ranges(quantity).items():
        if start <= item_index < stop:
            return name
    raise ValueError(f"item {item_index} is outside a job of {quantity} items")


def splits(quantity: int) -> tuple[dict[str, Any], list[str]]:
    """The manifest's ``splits`` (count and item range per split) and ``omitted_splits``."""
    ranges = split_ranges(quantity)
    result = {name: {"count": stop - start, "item_range": [start, stop]} for name, (start, stop) in ranges.items()}
    return result, [name for name in SPLIT_NAMES if name not in ranges]
