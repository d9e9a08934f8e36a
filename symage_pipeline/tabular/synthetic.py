"""Synthetic column types: numbers with distributions, dates, choices, masks, patterns and codes
with real check digits. Each maker draws a whole block with NumPy; only formatting touches rows."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from symage_pipeline.identities.tables import tables
from symage_pipeline.identities.validity import VALID_ABA_PREFIXES, VALID_EIN_PREFIXES
from symage_pipeline.tabular.types import Block, ColumnType, ConstraintError, Param, parse_moment

DISTRIBUTIONS = ("uniform", "normal", "lognormal", "poisson", "exponential")
DISTRIBUTION_PARAMS = {
    "uniform": (),
    "normal": ("mean", "std"),
    "lognormal": ("mean", "sigma"),
    "poisson": ("lam",),
    "exponential": ("scale",),
}
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
ALNUM = np.concatenate([UPPER, DIGITS])
WORD = np.concatenate([UPPER, LOWER, DIGITS, np.frombuffer(b"_", dtype=np.uint8)])
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@cache
def vocab() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "data" / "vocab.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------ helpers


def chars(rng: np.random.Generator, alphabet: np.ndarray, rows: int, width: int) -> np.ndarray:
    """A (rows, width) uint8 matrix of characters drawn from `alphabet`."""
    return alphabet[rng.integers(0, len(alphabet), size=(rows, width))]


def strings(matrix: np.ndarray) -> np.ndarray:
    """Rows of a uint8 character matrix as Python strings (object array)."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    return matrix.view(f"S{matrix.shape[1]}").ravel().astype(str).astype(object)


def luhn_digit(digits: np.ndarray) -> np.ndarray:
    """The Luhn check digit of each row of a digit matrix (the payload, without its check)."""
    doubled = digits[:, ::-1].astype(np.int64).copy()
    doubled[:, 0::2] *= 2
    doubled[doubled > 9] -= 9
    return (10 - doubled.sum(axis=1) % 10) % 10


def _pick(rng: np.random.Generator, values: list[Any], rows: int) -> np.ndarray:
    return np.array(values, dtype=object)[rng.integers(0, len(values), size=rows)]


def _join(*parts: Any) -> np.ndarray:
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + np.asarray(part, dtype=object)
    return out


# ---------------------------------------------------------------------------------- numbers


def _check_range(c: Mapping[str, Any]) -> None:
    if c["min"] > c["max"]:
        raise ConstraintError("min", f"min ({c['min']:g}) must not exceed max ({c['max']:g}).")
    dist = c.get("distribution_type", "uniform")
    params = c.get("distribution_params", {})
    allowed = DISTRIBUTION_PARAMS[dist]
    for key, value in params.items():
        if key not in allowed:
            names = ", ".join(allowed) or "none"
            raise ConstraintError("distribution_params", f"{dist} takes distribution_params {names}; not {key!r}.")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConstraintError("distribution_params", f"distribution_params.{key} must be a number.")
        if key in ("std", "sigma", "lam", "scale") and value <= 0:
            raise ConstraintError("distribution_params", f"distribution_params.{key} must be positive.")


def draw_numbers(rng: np.random.Generator, c: Mapping[str, Any], rows: int, integer: bool) -> np.ndarray:
    """Values of a distribution inside [min, max]: out-of-range draws are drawn again (a few
    rounds, then clipped), so bounds hold without piling mass on them."""
    lo, hi = float(c["min"]), float(c["max"])
    dist = c.get("distribution_type", "uniform")
    p = c.get("distribution_params", {})
    span = hi - lo

    def sample(n: int) -> np.ndarray:
        if dist == "uniform":
            if integer:
                return rng.integers(int(lo), int(hi) + 1, size=n).astype(np.float64)
            return rng.uniform(lo, hi, size=n)
        if dist == "normal":
            return rng.normal(p.get("mean", (lo + hi) / 2), p.get("std", span / 6 or 1.0), size=n)
        if dist == "lognormal":
            median = max((lo + hi) / 2, 1e-9)
            return rng.lognormal(p.get("mean", float(np.log(median))), p.get("sigma", 0.5), size=n)
        if dist == "poisson":
            return rng.poisson(p.get("lam", max((lo + hi) / 2, 1e-9)), size=n).astype(np.float64)
        return lo + rng.exponential(p.get("scale", span / 4 or 1.0), size=n)

    values = sample(rows)
    if integer:
        values = np.rint(values)
    for _ in range(8):
        bad = (values < lo) | (values > hi)
        if not bad.any():
            break
        fresh = sample(int(bad.sum()))
        values[bad] = np.rint(fresh) if integer else fresh
    return np.clip(values, lo, hi)


def _integer(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return draw_numbers(rng, c, block.rows, integer=True).astype(np.int64)


def _decimal(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return np.round(draw_numbers(rng, c, block.rows, integer=False), c["decimals"])


def _number_params(lo: float, hi: float, decimals: int | None = None) -> dict[str, Param]:
    params = {
        "min": Param("number", lo, description="smallest value"),
        "max": Param("number", hi, description="largest value"),
        "distribution_type": Param("choice", "uniform", choices=DISTRIBUTIONS),
        "distribution_params": Param("dict", {}, description="normal: mean, std; lognormal: mean, sigma; "
                                     "poisson: lam; exponential: scale"),  # fmt: skip
    }
    if decimals is not None:
        params["decimals"] = Param("int", decimals, 0, 10)
    return params


# ------------------------------------------------------------------------------------ times


def _check_dates(c: Mapping[str, Any]) -> None:
    if c["start"] > c["end"]:
        raise ConstraintError("start", f"start ({c['start']}) must not be after end ({c['end']}).")


def _date(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    start = date.fromisoformat(c["start"]).toordinal()
    end = date.fromisoformat(c["end"]).toordinal()
    days = rng.integers(start, end + 1, size=block.rows) - date(1970, 1, 1).toordinal()
    moments = days.astype("datetime64[D]")
    if c["format"] == "%Y-%m-%d":
        return np.datetime_as_string(moments).astype(object)
    import pandas as pd

    return pd.DatetimeIndex(moments).strftime(c["format"]).to_numpy(dtype=object)


def _datetime(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    epoch = datetime(1970, 1, 1)
    start = int((datetime.fromisoformat(c["start"]) - epoch).total_seconds())
    end = int((datetime.fromisoformat(c["end"]) - epoch).total_seconds())
    seconds = rng.integers(start, end + 1, size=block.rows).astype("datetime64[s]")
    return np.datetime_as_string(seconds, unit="s").astype(object)


def _time(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    seconds = rng.integers(0, 86400, size=block.rows)
    return np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").astype("U19").astype(object)


def _time_of_day(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return np.array([s[11:] for s in _time(block, rng, c)], dtype=object)


def _check_datetimes(c: Mapping[str, Any]) -> None:
    if c["start"] > c["end"]:
        raise ConstraintError("start", f"start ({c['start']}) must not be after end ({c['end']}).")


def _check_format(c: Mapping[str, Any]) -> None:
    _check_dates(c)
    try:
        date(2024, 1, 31).strftime(c["format"])
    except ValueError as exc:
        raise ConstraintError("format", f"format is not a valid strftime pattern: {exc}") from None


# ----------------------------------------------------------------------------- choices, text


def _check_enum(c: Mapping[str, Any]) -> None:
    values, weights = c.get("values"), c.get("weights")
    if not values:
        raise ConstraintError("values", "custom_enum needs a non-empty list of values.")
    if len(values) > 1000:
        raise ConstraintError("values", "custom_enum takes at most 1,000 values.")
    if any(not isinstance(v, str | int | float) for v in values):
        raise ConstraintError("values", "values must be strings or numbers.")
    if weights is not None:
        if len(weights) != len(values):
            raise ConstraintError(
                "weights", f"weights has {len(weights)} entries but values has {len(values)}; they must match."
            )
        if any(isinstance(w, bool) or not isinstance(w, int | float) or not np.isfinite(w) or w < 0 for w in weights):
            raise ConstraintError("weights", "weights must be non-negative numbers.")
        if sum(weights) <= 0:
            raise ConstraintError("weights", "weights must not all be zero.")


def _enum(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    values = c["values"]
    weights = c.get("weights")
    p = None if weights is None else np.asarray(weights, dtype=np.float64) / float(sum(weights))
    return np.array(values, dtype=object)[rng.choice(len(values), size=block.rows, p=p)]


MASK_CLASSES = {"A": UPPER, "a": LOWER, "9": DIGITS, "X": ALNUM}


def _check_mask(c: Mapping[str, Any]) -> None:
    mask = c["mask"]
    if not mask.isascii():
        raise ConstraintError("mask", "mask must be ASCII.")
    if mask.endswith("\\") and not mask.endswith("\\\\"):
        raise ConstraintError("mask", "mask must not end with a lone backslash.")


def _mask_columns(mask: str) -> list[np.ndarray | bytes]:
    out: list[np.ndarray | bytes] = []
    escaped = False
    for ch in mask:
        if escaped:
            out.append(ch.encode())
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(MASK_CLASSES.get(ch, ch.encode()))  # type: ignore[arg-type]
    return out


def _mask(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    columns = _mask_columns(c["mask"])
    matrix = np.empty((block.rows, len(columns)), dtype=np.uint8)
    for j, spec in enumerate(columns):
        if isinstance(spec, bytes):
            matrix[:, j] = spec[0]
        else:
            matrix[:, j] = spec[rng.integers(0, len(spec), size=block.rows)]
    return strings(matrix)


_REGEX_TOKEN = re.compile(r"\\d|\\w|\\.|\[[^\]]+\]|[^\\\[\]{}()|*+?^$]|\.")
_REPEAT = re.compile(r"\{(\d+)(?:,(\d+))?\}|\?|\+|\*")


def _char_class(token: str) -> np.ndarray:
    if token == r"\d":
        return DIGITS
    if token == r"\w":
        return WORD
    if token == ".":
        return ALNUM
    if token.startswith("\\"):
        return np.frombuffer(token[1].encode(), dtype=np.uint8)
    if token.startswith("["):
        body, members = token[1:-1], []
        if body.startswith("^"):
            raise ConstraintError("pattern", "negated character classes are not supported.")
        i = 0
        while i < len(body):
            if i + 2 < len(body) and body[i + 1] == "-":
                lo, hi = ord(body[i]), ord(body[i + 2])
                if lo > hi:
                    raise ConstraintError("pattern", f"bad range {body[i:i + 3]!r} in the pattern.")
                members.extend(range(lo, hi + 1))
                i += 3
            else:
                members.append(ord(body[i]))
                i += 1
        return np.array(sorted(set(members)), dtype=np.uint8)
    return np.frombuffer(token.encode(), dtype=np.uint8)


def compile_pattern(pattern: str) -> list[tuple[np.ndarray, int, int]]:
    """A regex-like id pattern as (alphabet, min repeat, max repeat) tokens: literals, escapes,
    `\\d`, `\\w`, `.`, character classes with ranges and `{n}`, `{n,m}`, `?`, `+`, `*` (up to 8)."""
    if not pattern.isascii():
        raise ConstraintError("pattern", "pattern must be ASCII.")
    tokens: list[tuple[np.ndarray, int, int]] = []
    i = 0
    while i < len(pattern):
        match = _REGEX_TOKEN.match(pattern, i)
        if not match:
            raise ConstraintError("pattern", f"unsupported pattern syntax at {pattern[i:]!r} (no groups or |).")
        alphabet = _char_class(match.group())
        i = match.end()
        lo = hi = 1
        repeat = _REPEAT.match(pattern, i)
        if repeat:
            text = repeat.group()
            if text.startswith("{"):
                lo = int(repeat.group(1))
                hi = int(repeat.group(2)) if repeat.group(2) else lo
            else:
                lo, hi = {"?": (0, 1), "+": (1, 8), "*": (0, 8)}[text]
            if lo > hi or hi > 64:
                raise ConstraintError("pattern", f"bad repeat {text!r} (at most 64).")
            i = repeat.end()
        tokens.append((alphabet, lo, hi))
    if not tokens or sum(hi for _, _, hi in tokens) > 256:
        raise ConstraintError("pattern", "pattern must make 1..256 characters.")
    return tokens


def _regex(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    parts = []
    for alphabet, lo, hi in compile_pattern(c["pattern"]):
        matrix = chars(rng, alphabet, block.rows, hi)
        if lo != hi:  # a variable count: the unused tail is NUL, which the bytes view drops
            counts = rng.integers(lo, hi + 1, size=block.rows)
            matrix[np.arange(hi)[None, :] >= counts[:, None]] = 0
        parts.append(strings(matrix))
    return _join(*parts)


def _check_pattern(c: Mapping[str, Any]) -> None:
    compile_pattern(c["pattern"])


def _sequence(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> Any:
    numbers = c["start"] + c["step"] * np.arange(block.start, block.start + block.rows, dtype=np.int64)
    if not c["prefix"] and not c["pad"]:
        return numbers
    return np.array([f"{c['prefix']}{n:0{c['pad']}d}" for n in numbers.tolist()], dtype=object)


def _boolean(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return rng.random(block.rows) < c["probability"]


def _uuid(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    raw = rng.integers(0, 256, size=(block.rows, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexed = np.empty((block.rows, 36), dtype=np.uint8)
    digits = np.stack([HEX[raw >> 4], HEX[raw & 0x0F]], axis=2).reshape(block.rows, 32)
    cuts = [0, 8, 12, 16, 20, 32]
    pos = 0
    for k in range(5):
        width = cuts[k + 1] - cuts[k]
        hexed[:, pos : pos + width] = digits[:, cuts[k] : cuts[k + 1]]
        pos += width
        if k < 4:
            hexed[:, pos] = ord("-")
            pos += 1
    return strings(hexed)


def _hex(block: Block, rng: np.random.Generator, width: int) -> np.ndarray:
    return strings(chars(rng, HEX, block.rows, width))


LOREM_SIZES = {"lorem_word": (1, 1), "lorem_sentence": (4, 12), "lorem_paragraph": (25, 60)}


def _lorem(kind: str):  # type: ignore[no-untyped-def]
    def make(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
        words = np.array(vocab()["lorem"], dtype=object)
        lo, hi = c.get("min_words", LOREM_SIZES[kind][0]), c.get("max_words", LOREM_SIZES[kind][1])
        picks = words[rng.integers(0, len(words), size=(block.rows, hi))]
        counts = rng.integers(lo, hi + 1, size=block.rows).tolist()
        if kind == "lorem_word":
            return picks[:, 0]
        return np.array([" ".join(row[:n]).capitalize() + "." for row, n in zip(picks.tolist(), counts, strict=True)],
                        dtype=object)  # fmt: skip

    return make


def _check_words(c: Mapping[str, Any]) -> None:
    if c["min_words"] > c["max_words"]:
        raise ConstraintError("min_words", "min_words must not exceed max_words.")


# ---------------------------------------------------------------------------------- codes


CARD_PREFIXES = {"visa": (["4"], 16), "mastercard": (["51", "52", "53", "54", "55"], 16),
                 "amex": (["34", "37"], 15), "discover": (["6011", "65"], 16)}  # fmt: skip


def _digit_matrix(rng: np.random.Generator, rows: int, width: int) -> np.ndarray:
    return rng.integers(0, 10, size=(rows, width), dtype=np.int64)


def _credit_card(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    brands = list(CARD_PREFIXES) if c["brand"] == "any" else [c["brand"]]
    brand_of = rng.integers(0, len(brands), size=block.rows)
    out = np.empty(block.rows, dtype=object)
    for b, brand in enumerate(brands):
        rows = np.flatnonzero(brand_of == b)
        if not len(rows):
            continue
        prefixes, length = CARD_PREFIXES[brand]
        prefix = np.array(prefixes, dtype=object)[rng.integers(0, len(prefixes), size=len(rows))]
        digits = _digit_matrix(rng, len(rows), length - 1)
        for p in set(prefix.tolist()):
            sel = prefix == p
            digits[np.ix_(sel, np.arange(len(p)))] = [int(ch) for ch in p]
        full = np.concatenate([digits, luhn_digit(digits)[:, None]], axis=1)
        out[rows] = strings(DIGITS[full])
    return out


def _aba(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    prefixes = sorted(VALID_ABA_PREFIXES - {"00"})
    first = np.array([[int(p[0]), int(p[1])] for p in prefixes])[rng.integers(0, len(prefixes), size=block.rows)]
    digits = np.concatenate([first, _digit_matrix(rng, block.rows, 6)], axis=1)
    weights = np.array([3, 7, 1, 3, 7, 1, 3, 7])
    check = (10 - (digits * weights).sum(axis=1) % 10) % 10
    return strings(DIGITS[np.concatenate([digits, check[:, None]], axis=1)])


def _ein(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    prefixes = _pick(rng, sorted(VALID_EIN_PREFIXES), block.rows)
    return _join(prefixes, "-", strings(chars(rng, DIGITS, block.rows, 7)))


def _npi(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    digits = _digit_matrix(rng, block.rows, 9)
    digits[:, 0] = rng.integers(1, 3, size=block.rows)
    with_prefix = np.concatenate([np.tile([8, 0, 8, 4, 0], (block.rows, 1)), digits], axis=1)
    return strings(DIGITS[np.concatenate([digits, luhn_digit(with_prefix)[:, None]], axis=1)])


def _isbn13(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    digits = np.concatenate([np.tile([9, 7, 8], (block.rows, 1)), _digit_matrix(rng, block.rows, 9)], axis=1)
    check = (10 - (digits * np.tile([1, 3], 6)).sum(axis=1) % 10) % 10
    return strings(DIGITS[np.concatenate([digits, check[:, None]], axis=1)])


def _iban(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    layout = vocab()["iban_bban"][c["country"]]
    columns: list[np.ndarray] = []
    for count, kind in re.findall(r"(\d+)([nac])", layout):
        alphabet = {"n": DIGITS, "a": UPPER, "c": ALNUM}[kind]
        columns.append(chars(rng, alphabet, block.rows, int(count)))
    bban = np.concatenate(columns, axis=1)
    # ISO 13616 check digits: BBAN + country + "00" as digits (A=10 … Z=35), mod 97, vectorised.
    tail = np.concatenate([bban, np.tile(np.frombuffer(c["country"].encode() + b"00", np.uint8), (block.rows, 1))],
                          axis=1)  # fmt: skip
    remainder = np.zeros(block.rows, dtype=np.int64)
    for j in range(tail.shape[1]):
        ch = tail[:, j].astype(np.int64)
        letter = ch >= ord("A")
        value = np.where(letter, ch - ord("A") + 10, ch - ord("0"))
        remainder = np.where(letter, (remainder * 100 + value) % 97, (remainder * 10 + value) % 97)
    check = 98 - remainder
    check_chars = np.stack([DIGITS[check // 10], DIGITS[check % 10]], axis=1)
    country = np.tile(np.frombuffer(c["country"].encode(), np.uint8), (block.rows, 1))
    return strings(np.concatenate([country, check_chars, bban], axis=1))


def _from_table(name: str):  # type: ignore[no-untyped-def]
    def make(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
        t = tables()
        values = {"icd10": t.icd10_codes, "cpt": [p.code for p in t.procedures]}[name]
        return _pick(rng, list(values), block.rows)

    return make


def _weighted_pick(rng: np.random.Generator, weighted: Any, rows: int) -> np.ndarray:
    """Picks from an identities `Weighted` table, vectorised (same weights, NumPy draws)."""
    cum = np.array(weighted._cum[:-1] + [weighted._total])
    return np.array(weighted.items, dtype=object)[np.searchsorted(cum, rng.random(rows) * weighted._total, "right")]


def _company(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    t = tables()
    words = sorted({w for ws in t.company_words.values() for w in ws})
    lead = np.where(rng.random(block.rows) < 0.55, _weighted_pick(rng, t.last, block.rows),
                    _pick(rng, list(t.company_adjectives), block.rows))  # fmt: skip
    suffix = _weighted_pick(rng, t.company_suffixes, block.rows)
    suffix = np.where(suffix == "", "", " " + suffix.astype(str)).astype(object)
    return _join(lead, " ", _pick(rng, words, block.rows), suffix)


def _slug(rng: np.random.Generator, rows: int) -> np.ndarray:
    t = tables()
    names = _weighted_pick(rng, t.last, rows)
    words = _pick(rng, sorted({w for ws in t.company_words.values() for w in ws}), rows)
    return np.array([f"{a}{b}".lower().replace(" ", "").replace("'", "").replace("&", "and")
                     for a, b in zip(names.tolist(), words.tolist(), strict=True)], dtype=object)  # fmt: skip


def _domain(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    tlds = vocab()["tlds"]
    tld = np.array([t for t, _ in tlds], dtype=object)[
        rng.choice(len(tlds), size=block.rows, p=np.array([w for _, w in tlds]) / sum(w for _, w in tlds))
    ]
    return _join(_slug(rng, block.rows), ".", tld)


def _url(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    paths = np.array(["", "/about", "/products", "/contact", "/blog", "/careers", "/pricing", "/support"], dtype=object)
    return _join("https://www.", _domain(block, rng, c), paths[rng.integers(0, len(paths), size=block.rows)])


def _ipv4(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    octets = rng.integers(1, 255, size=(block.rows, 4))
    octets[:, 0] = rng.choice(np.setdiff1d(np.arange(1, 224), [10, 127, 169, 172, 192]), size=block.rows)
    o = octets.astype(str).astype(object)
    return _join(o[:, 0], ".", o[:, 1], ".", o[:, 2], ".", o[:, 3])


def _ipv6(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    groups = [strings(chars(rng, HEX, block.rows, 4)) for _ in range(7)]
    parts: list[Any] = ["2001:"]
    for g in groups:
        parts += [g, ":"]
    return _join(*parts[:-1])


def _mac(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    pairs = [strings(chars(rng, HEX, block.rows, 2)) for _ in range(6)]
    parts: list[Any] = []
    for p in pairs:
        parts += [p, ":"]
    return _join(*parts[:-1])


def _color(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return _join("#", strings(chars(rng, np.frombuffer(b"0123456789ABCDEF", np.uint8), block.rows, 6)))


def _vocab_pick(key: str, index: int | None = None):  # type: ignore[no-untyped-def]
    def make(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
        values = vocab()[key]
        if index is not None:
            values = [v[index] for v in values]
        return _pick(rng, values, block.rows)

    return make


def _coordinate(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
    return np.round(rng.uniform(c["min"], c["max"], size=block.rows), c["decimals"])


def _plain_range(c: Mapping[str, Any]) -> None:
    if c["min"] > c["max"]:
        raise ConstraintError("min", f"min ({c['min']:g}) must not exceed max ({c['max']:g}).")


TODAY = "2025-12-31"
SYNTHETIC_TYPES: list[ColumnType] = [
    ColumnType("number_integer", "number", "Random integer", _integer, _number_params(0, 1000), _check_range),
    ColumnType("number_decimal", "number", "Random decimal", _decimal, _number_params(0, 1000, 2), _check_range),
    ColumnType("currency", "number", "Money amount (2 decimals)", _decimal, _number_params(0, 10000, 2),
               _check_range),  # fmt: skip
    ColumnType("percentage", "number", "Percentage 0-100", _decimal, _number_params(0, 100, 1), _check_range),
    ColumnType("latitude", "number", "Latitude in degrees", _coordinate,
               {"min": Param("number", -90.0, -90, 90), "max": Param("number", 90.0, -90, 90),
                "decimals": Param("int", 6, 0, 10)}, _plain_range),  # fmt: skip
    ColumnType("longitude", "number", "Longitude in degrees", _coordinate,
               {"min": Param("number", -180.0, -180, 180), "max": Param("number", 180.0, -180, 180),
                "decimals": Param("int", 6, 0, 10)}, _plain_range),  # fmt: skip
    ColumnType("boolean", "choice", "True with the given probability", _boolean,
               {"probability": Param("number", 0.5, 0, 1)}),  # fmt: skip
    ColumnType("date", "time", "Date in a range", _date,
               {"start": Param("date", "2000-01-01"), "end": Param("date", TODAY),
                "format": Param("string", "%Y-%m-%d", 1, 64)}, _check_format),  # fmt: skip
    ColumnType("datetime", "time", "Timestamp in a range (ISO 8601)", _datetime,
               {"start": Param("datetime", "2020-01-01T00:00:00"), "end": Param("datetime", "2025-12-31T23:59:59")},
               _check_datetimes),  # fmt: skip
    ColumnType("time", "time", "Time of day (HH:MM:SS)", _time_of_day),
    ColumnType("uuid", "code", "UUID version 4", _uuid),
    ColumnType("custom_enum", "choice", "Weighted random choice", _enum,
               {"values": Param("list", required=True), "weights": Param("list")}, _check_enum),  # fmt: skip
    ColumnType("custom_mask", "code", "Pattern: A upper, a lower, 9 digit, X alphanumeric, \\ escapes", _mask,
               {"mask": Param("string", "AAA-9999", 1, 256)}, _check_mask),  # fmt: skip
    ColumnType("custom_regex", "code", "Regex-like id: classes, \\d \\w, {n,m} ? + *", _regex,
               {"pattern": Param("string", "[A-Z]{3}-\\d{4}", 1, 256)}, _check_pattern),  # fmt: skip
    ColumnType("sequence", "code", "Row number: start + step * row, optional prefix and zero padding", _sequence,
               {"start": Param("int", 1, -(2**53), 2**53), "step": Param("int", 1, -(2**20), 2**20),
                "prefix": Param("string", "", 0, 32), "pad": Param("int", 0, 0, 20)}),  # fmt: skip
    ColumnType("credit_card", "code", "Card number with a valid Luhn digit", _credit_card,
               {"brand": Param("choice", "any", choices=("any", *CARD_PREFIXES))}),  # fmt: skip
    ColumnType("iban", "code", "IBAN with valid ISO 13616 check digits", _iban,
               {"country": Param("choice", "DE", choices=tuple(sorted(vocab()["iban_bban"])))}),  # fmt: skip
    ColumnType("aba_routing", "code", "ABA routing number with a valid check digit", _aba),
    ColumnType("ein", "code", "Employer identification number (valid prefix)", _ein),
    ColumnType("npi", "code", "National Provider Identifier (valid Luhn digit)", _npi),
    ColumnType("isbn13", "code", "ISBN-13 with a valid check digit", _isbn13),
    ColumnType("icd10", "code", "ICD-10-CM diagnosis code", _from_table("icd10")),
    ColumnType("cpt", "code", "CPT procedure code", _from_table("cpt")),
    ColumnType("sha256", "code", "64 hex digits", lambda b, r, c: _hex(b, r, 64)),
    ColumnType("company", "text", "Company name", _company),
    ColumnType("domain_name", "network", "Domain name", _domain),
    ColumnType("url", "network", "Website URL", _url),
    ColumnType("ip_address", "network", "Public-range IPv4 address", _ipv4),
    ColumnType("ipv6_address", "network", "IPv6 address (documentation range)", _ipv6),
    ColumnType("mac_address", "network", "MAC address", _mac),
    ColumnType("color_hex", "text", "Colour as #RRGGBB", _color),
    ColumnType("country", "text", "Country name", _vocab_pick("countries", 1)),
    ColumnType("country_code", "text", "ISO 3166 alpha-2 country code", _vocab_pick("countries", 0)),
    ColumnType("currency_code", "text", "ISO 4217 currency code", _vocab_pick("currencies")),
    ColumnType("department", "text", "Company department", _vocab_pick("departments")),
    ColumnType("lorem_word", "text", "One lorem ipsum word", _lorem("lorem_word")),
    ColumnType("lorem_sentence", "text", "A lorem ipsum sentence", _lorem("lorem_sentence"),
               {"min_words": Param("int", 4, 1, 200), "max_words": Param("int", 12, 1, 200)},
               _check_words),  # fmt: skip
    ColumnType("lorem_paragraph", "text", "A lorem ipsum paragraph", _lorem("lorem_paragraph"),
               {"min_words": Param("int", 25, 1, 500), "max_words": Param("int", 60, 1, 500)},
               _check_words),  # fmt: skip
]

__all__ = ["SYNTHETIC_TYPES", "compile_pattern", "draw_numbers", "luhn_digit", "parse_moment"]
