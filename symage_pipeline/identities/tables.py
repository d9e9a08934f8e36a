"""The shipped reference tables (``data/``), loaded once per process into fast pickers.

Why tables and not Faker per field: an identity must cost tens of microseconds, so every choice
is a search in a pre-built cumulative-weight array driven by a hash-derived uniform (a whole
column of them at once: ``pick_many``).  Faker
only lends its name frequency tables (SSA first names, census surnames) at import time.
"""

from __future__ import annotations

import bisect
import csv
import functools
import itertools
import json
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from faker.providers.person.en_US import Provider as _PersonProvider

DATA_DIR = Path(__file__).resolve().parent / "data"
T = TypeVar("T")


class Weighted(Generic[T]):
    """Pick by weight with one uniform: O(log n), no per-call allocation; ``pick_many`` picks a
    whole column of uniforms at once (the same items ``pick`` gives one by one)."""

    __slots__ = ("items", "_cum", "_total", "_np_cum")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        pairs = [(item, float(w)) for item, w in pairs if w > 0]
        if not pairs:
            raise ValueError("a weighted table needs at least one positive weight")
        self.items: list[T] = [p[0] for p in pairs]
        cum = list(itertools.accumulate(p[1] for p in pairs))
        self._total = cum[-1]
        cum[-1] = math.inf  # u < 1 always lands on an item, without a bounds check per pick
        self._cum = cum
        self._np_cum = np.array(cum)

    def pick(self, u: float) -> T:
        return self.items[bisect.bisect_right(self._cum, u * self._total)]

    def indices(self, u: np.ndarray) -> np.ndarray:
        """The index in ``items`` of each uniform's pick."""
        return np.searchsorted(self._np_cum, u * self._total, side="right")

    def pick_many(self, u: np.ndarray) -> list[T]:
        items = self.items
        return [items[i] for i in self.indices(u).tolist()]


def pick_grouped(tables_by_group: Sequence[Weighted[T]], groups: np.ndarray, u: np.ndarray) -> list[T]:
    """Row r picks from ``tables_by_group[groups[r]]`` with ``u[r]`` (e.g. a city of each row's state)."""
    out: list[Any] = [None] * len(u)
    for g in np.unique(groups).tolist():
        rows = np.flatnonzero(groups == g)
        picked = tables_by_group[g].pick_many(u[rows])
        for r, item in zip(rows.tolist(), picked, strict=True):
            out[r] = item
    return out


def ascii_fold(text: str) -> str:
    """The typed surface uses WinAnsi Helvetica: fold accents rather than print '?'."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@dataclass(frozen=True)
class State:
    code: str
    name: str
    fed_district: int
    income_tax_rate: float
    flat: bool
    local_rate: float
    local_share: float
    sdi: str | None


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    area_codes: tuple[str, ...]
    zips: tuple[str, ...]


@dataclass(frozen=True)
class Occupation:
    title: str
    median_wage: float
    pay_type: str  # hourly | salary
    sector: str  # private | education | health | government
    industry: str


@dataclass(frozen=True)
class Procedure:
    code: str
    description: str
    charge_cents: int


class Tables:
    """Everything the generator draws from; built once (``tables()``) and shared read-only."""

    def __init__(self) -> None:
        self.first_female = Weighted((ascii_fold(k), v) for k, v in _PersonProvider.first_names_female.items())
        self.first_male = Weighted((ascii_fold(k), v) for k, v in _PersonProvider.first_names_male.items())
        self.last = Weighted((ascii_fold(k), v) for k, v in _PersonProvider.last_names.items())

        self.states: dict[str, State] = {}
        population: list[tuple[str, float]] = []
        for row in _csv_rows("states.csv"):
            self.states[row["state"]] = State(
                code=row["state"],
                name=row["name"],
                fed_district=int(row["fed_district"]),
                income_tax_rate=float(row["income_tax_rate"]),
                flat=row["flat"] == "1",
                local_rate=float(row["local_rate"]),
                local_share=float(row["local_share"]),
                sdi=row["sdi"] or None,
            )
            population.append((row["state"], float(row["population_m"])))
        self.state_by_population = Weighted(population)

        places = json.loads((DATA_DIR / "places.json").read_text(encoding="utf-8"))
        self.places_by_state: dict[str, Weighted[Place]] = {}
        self.all_places: list[Place] = []
        for state, rows in places["places"].items():
            entries = [(Place(city, state, tuple(npas), tuple(zips)), weight) for city, weight, npas, zips in rows]
            self.places_by_state[state] = Weighted(entries)
            self.all_places.extend(p for p, _ in entries)
        self.place_of: dict[tuple[str, str], Place] = {(p.state, p.city): p for p in self.all_places}
        self.area_code_state: dict[str, str] = places["area_code_state"]
        self.zip3_states: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in places["zip3_states"].items()}

        self.occupations = Weighted(
            (
                Occupation(r["title"], float(r["median_wage"]), r["pay_type"], r["sector"], r["industry"]),
                float(r["employment"]),
            )
            for r in _csv_rows("occupations.csv")
        )
        self.icd10: dict[str, str] = {r["code"]: r["description"] for r in _csv_rows("icd10.csv")}
        self.icd10_codes: tuple[str, ...] = tuple(self.icd10)
        self.procedures: tuple[Procedure, ...] = tuple(
            Procedure(r["code"], r["description"], round(float(r["charge"]) * 100)) for r in _csv_rows("cpt.csv")
        )
        self.cpt: dict[str, Procedure] = {p.code: p for p in self.procedures}

        vocab: dict[str, Any] = json.loads((DATA_DIR / "vocab.json").read_text(encoding="utf-8"))
        self.vocab = vocab
        self.street_names: tuple[str, ...] = tuple(vocab["street_names"])
        self.street_suffixes = Weighted((s, w) for s, w in vocab["street_suffixes"])
        self.email_domains = Weighted((s, w) for s, w in vocab["email_domains"])
        self.company_words: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in vocab["company_words"].items()}
        self.company_suffixes = Weighted((s, w) for s, w in vocab["company_suffixes"])
        self.company_adjectives: tuple[str, ...] = tuple(vocab["company_adjectives"])
        self.bank_words: tuple[str, ...] = tuple(vocab["bank_words"])
        self.bank_prefixes: tuple[str, ...] = tuple(vocab["bank_prefixes"])
        self.spouse_no_wage: tuple[str, ...] = tuple(vocab["spouse_no_wage_occupations"])
        self.merchants: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in vocab["merchants"].items()}
        self.invoice_services: tuple[tuple[str, int, int], ...] = tuple(
            (d, int(lo), int(hi)) for d, lo, hi in vocab["invoice_services"]
        )
        self.payers: dict[str, dict[str, Any]] = {p["name"]: p for p in vocab["payers"]}
        self.commercial_payers = Weighted((p["name"], p["weight"]) for p in vocab["payers"])
        self.practice_words: tuple[str, ...] = tuple(vocab["provider_practice_words"])
        self.credentials = Weighted((s, w) for s, w in vocab["provider_credentials"])


@functools.cache
def tables() -> Tables:
    return Tables()


def states_of_zip(zip_code: str) -> Sequence[str]:
    """States whose ZIP codes start with these three digits (USPS prefixes; a few span two)."""
    return tables().zip3_states.get(zip_code[:3], ())


def state_of_area_code(area_code: str) -> str | None:
    return tables().area_code_state.get(area_code)
