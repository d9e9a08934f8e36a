"""Synthetic identities: one person, household, employer and the random draws behind their taxes.

``make_identity`` is a pure function of ``seed + index`` so that item *i* of a job is reproducible
on any worker.  Faker supplies the name/address vocabularies, but Faker's own weighted pickers are
slow (~50 us per last name), so the weighted choices are done here with bisect on Faker's data and
Faker's seeded ``random`` -- same distributions, ~20x cheaper.  Numeric draws use a second,
separately seeded ``random.Random`` so wage/tax draws do not shift if Faker's vocabularies change.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from faker import Faker
from faker.providers.address.en_US import Provider as _AddressProvider
from faker.providers.company.en_US import Provider as _CompanyProvider
from faker.providers.person.en_US import Provider as _PersonProvider

_FAKER = Faker("en_US")


class _Weighted:
    """Cumulative-weight picker: O(log n) per draw instead of Faker's O(n)."""

    __slots__ = ("_items", "_cum", "_total")

    def __init__(self, weights: dict[str, float] | Sequence[tuple[str, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self._items = [p[0] for p in pairs]
        self._cum = list(itertools.accumulate(p[1] for p in pairs))
        self._total = self._cum[-1]

    def __call__(self, r: random.Random) -> str:
        return self._items[bisect.bisect_right(self._cum, r.random() * self._total)]


_FIRST_MALE = _Weighted(_PersonProvider.first_names_male)
_FIRST_FEMALE = _Weighted(_PersonProvider.first_names_female)
_LAST = _Weighted(_PersonProvider.last_names)
_STREET_SUFFIXES = tuple(_AddressProvider.street_suffixes)
_CITY_PREFIXES = tuple(_AddressProvider.city_prefixes)
_CITY_SUFFIXES = tuple(_AddressProvider.city_suffixes)
_COMPANY_SUFFIXES = tuple(_CompanyProvider.company_suffixes)

# 2020 census population (millions) so state mix -- and therefore state taxes -- is realistic.
_STATE_WEIGHTS = _Weighted(
    [
        ("CA", 39.5), ("TX", 29.1), ("FL", 21.5), ("NY", 20.2), ("PA", 13.0), ("IL", 12.8),
        ("OH", 11.8), ("GA", 10.7), ("NC", 10.4), ("MI", 10.1), ("NJ", 9.3), ("VA", 8.6),
        ("WA", 7.7), ("AZ", 7.2), ("MA", 7.0), ("TN", 6.9), ("IN", 6.8), ("MD", 6.2),
        ("MO", 6.2), ("WI", 5.9), ("CO", 5.8), ("MN", 5.7), ("SC", 5.1), ("AL", 5.0),
        ("LA", 4.7), ("KY", 4.5), ("OR", 4.2), ("OK", 4.0), ("CT", 3.6), ("UT", 3.3),
        ("IA", 3.2), ("NV", 3.1), ("AR", 3.0), ("MS", 3.0), ("KS", 2.9), ("NM", 2.1),
        ("NE", 2.0), ("ID", 1.8), ("WV", 1.8), ("HI", 1.5), ("NH", 1.4), ("ME", 1.4),
        ("RI", 1.1), ("MT", 1.1), ("DE", 1.0), ("SD", 0.9), ("ND", 0.8), ("AK", 0.7),
        ("DC", 0.7), ("VT", 0.6), ("WY", 0.6),
    ]
)  # fmt: skip
_LOCAL_TAX_STATES = frozenset({"OH", "PA", "MI", "NY", "MD", "IN", "KY", "MO"})
_FILING_STATUS = _Weighted([("single", 45), ("mfj", 38), ("hoh", 12), ("mfs", 5)])
_EIN_PREFIXES = tuple(
    f"{p:02d}"
    for p in itertools.chain(
        range(10, 17), range(20, 28), range(30, 40), range(41, 49), range(50, 69), range(71, 78),
        range(80, 89), range(90, 96), range(98, 100),
    )
)  # fmt: skip
_DEFERRAL_RATES = (0.03, 0.04, 0.05, 0.06, 0.06, 0.08, 0.10, 0.12, 0.15)
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_WAGE_MEDIAN = 58000.0
_WAGE_SIGMA = 0.62
_WAGE_MIN, _WAGE_MAX = 20000.0, 400000.0
_TAX_YEAR_END = date(2024, 12, 31)


def _ascii(s: str) -> str:
    """The typed surface uses WinAnsi Helvetica; fold accents rather than print '?'."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _ssn(r: random.Random) -> str:
    area = r.randint(1, 899)
    if area == 666:
        area = 667
    return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def _routing_number(r: random.Random) -> str:
    """ABA routing number with a valid check digit, so validators downstream accept it."""
    d = [r.randint(0, 1)] + [r.randint(0, 9) for _ in range(7)]
    d[1] = r.randint(1, 2) if d[0] == 1 else r.randint(1, 9)
    check = (-(3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5]))) % 10
    return "".join(map(str, d)) + str(check)


def _birth_date(r: random.Random, oldest: date, youngest: date) -> date:
    return oldest + timedelta(days=r.randint(0, (youngest - oldest).days))


def _lognormal(r: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    return round(min(max(r.lognormvariate(math.log(median), sigma), lo), hi), 2)


def _city(fk: random.Random) -> str:
    form = fk.randrange(4)
    if form == 0:
        return f"{fk.choice(_CITY_PREFIXES)} {_FIRST_MALE(fk)}{fk.choice(_CITY_SUFFIXES)}"
    if form == 1:
        return f"{fk.choice(_CITY_PREFIXES)} {_FIRST_FEMALE(fk)}"
    if form == 2:
        return f"{_FIRST_FEMALE(fk)}{fk.choice(_CITY_SUFFIXES)}"
    return f"{_LAST(fk)}{fk.choice(_CITY_SUFFIXES)}"


def _street(fk: random.Random) -> str:
    name = _FIRST_MALE(fk) if fk.random() < 0.5 else _LAST(fk)
    return f"{fk.randint(1, 9999)} {name} {fk.choice(_STREET_SUFFIXES)}"


def _company(fk: random.Random) -> str:
    form = fk.randrange(3)
    if form == 0:
        return f"{_LAST(fk)} {fk.choice(_COMPANY_SUFFIXES)}"
    if form == 1:
        return f"{_LAST(fk)}-{_LAST(fk)}"
    return f"{_LAST(fk)}, {_LAST(fk)} and {_LAST(fk)}"


def _person(fk: random.Random, r: random.Random, last_name: str | None, oldest: date, youngest: date) -> dict:
    gender = "F" if fk.random() < 0.5 else "M"
    first = (_FIRST_FEMALE if gender == "F" else _FIRST_MALE)(fk)
    return {
        "first_name": _ascii(first),
        "middle_initial": fk.choice(_LETTERS),
        "last_name": _ascii(last_name or _LAST(fk)),
        "gender": gender,
        "ssn": _ssn(r),
        "dob": _birth_date(r, oldest, youngest).isoformat(),
    }


def _finances(r: random.Random, state: str, status: str, n_children: int, city: str) -> dict[str, Any]:
    gross = _lognormal(r, _WAGE_MEDIAN, _WAGE_SIGMA, _WAGE_MIN, _WAGE_MAX)
    fin: dict[str, Any] = {
        "gross_wages": gross,
        "deferral_rate": r.choice(_DEFERRAL_RATES) if r.random() < 0.55 else 0.0,
        "withholding_factor": round(r.uniform(0.85, 1.2), 4),
        "w4_children": n_children if r.random() < 0.7 else 0,
        "group_term_life": round(r.uniform(40, 900), 2) if r.random() < 0.05 else None,
        "health_coverage": round(r.uniform(4000, 26000), 2) if r.random() < 0.6 else None,
        "hsa": round(r.uniform(500, 8550), 2) if r.random() < 0.12 else None,
        "dependent_care": (2500.0 if status == "mfs" else 5000.0) if r.random() < 0.05 else None,
        "nonqualified": round(r.uniform(1000, 50000), 2) if gross > 150000 and r.random() < 0.15 else None,
        "statutory_employee": r.random() < 0.01,
        "third_party_sick_pay": r.random() < 0.015,
        "pension_plan": r.random() < 0.08,
        "union_dues": round(r.uniform(200, 1200), 2) if r.random() < 0.1 else None,
        "state_rate": round(r.uniform(0.025, 0.065), 4),
        "employer_state_id": f"{r.randint(100, 999)}-{r.randint(1000, 9999)}-{r.randint(0, 9)}",
        "locality": None,
        "local_rate": None,
        # 1040 extras (2024)
        "taxable_interest": _lognormal(r, 120, 1.3, 1, 25000) if r.random() < 0.45 else None,
        "tax_exempt_interest": _lognormal(r, 300, 1.0, 5, 20000) if r.random() < 0.05 else None,
        "ordinary_dividends": None,
        "qualified_dividends": None,
        "capital_gain_distributions": None,
        "student_loan_interest": round(r.uniform(100, 2500), 2) if r.random() < 0.1 else None,
    }
    if state in _LOCAL_TAX_STATES and r.random() < 0.5:
        fin["locality"] = city.upper()[:16]
        fin["local_rate"] = round(r.uniform(0.005, 0.025), 4)
    if r.random() < 0.22:
        div = _lognormal(r, 900, 1.4, 5, 60000)
        fin["ordinary_dividends"] = div
        fin["qualified_dividends"] = round(div * r.uniform(0.5, 0.95), 2)
        if r.random() < 0.4:
            fin["capital_gain_distributions"] = _lognormal(r, 400, 1.2, 1, 30000)
    return fin


def _dependents(fk: random.Random, r: random.Random, status: str, last_name: str) -> list[dict]:
    if status == "single":
        n = 0
    elif status == "hoh":
        n = 1 + (r.random() < 0.45) + (r.random() < 0.15)
    elif status == "mfs":
        n = int(r.random() < 0.3)
    else:
        n = r.choices((0, 1, 2, 3, 4), weights=(35, 25, 25, 12, 3))[0]
    deps = []
    for _ in range(n):
        child = _person(fk, r, last_name, date(2001, 1, 1), date(2024, 6, 30))
        under_17 = date.fromisoformat(child["dob"]) > date(2007, 12, 31)
        child["relationship"] = (
            ("Daughter" if child["gender"] == "F" else "Son")
            if r.random() < 0.9
            else ("Stepdaughter" if child["gender"] == "F" else "Stepson")
        )
        child["ctc"] = under_17
        child["odc"] = not under_17
        deps.append(child)
    deps.sort(key=lambda d: d["dob"])  # oldest first, as filers list them
    return deps


def make_identity(seed: int, index: int) -> dict:
    """One reproducible taxpayer; every random choice for all forms is drawn here, none later."""
    s = seed + index
    _FAKER.seed_instance(s)
    fk = _FAKER.random
    r = random.Random(s * 1_000_003 + 0x5EED)

    status = _FILING_STATUS(r)
    person = _person(fk, r, None, date(1961, 1, 2), date(2005, 12, 31))
    state = _STATE_WEIGHTS(r)
    city = _city(fk)
    address = {
        "street": _street(fk),
        "apt": f"{r.randint(1, 40)}{fk.choice('ABCD')}" if r.random() < 0.2 else None,
        "city": _ascii(city),
        "state": state,
        "zip": _FAKER.zipcode_in_state(state),
    }
    spouse = None
    if status in ("mfj", "mfs"):
        same_last = r.random() < 0.8
        spouse = _person(fk, r, person["last_name"] if same_last else None, date(1961, 1, 2), date(2005, 12, 31))
        spouse["occupation"] = _ascii(_FAKER.job())
    dependents = _dependents(fk, r, status, person["last_name"])
    employer = {
        "name": _ascii(_company(fk)),
        "ein": f"{r.choice(_EIN_PREFIXES)}-{r.randint(0, 9999999):07d}",
        "street": _street(fk),
        "city": _ascii(_city(fk)),
        "state": state,
        "zip": _FAKER.zipcode_in_state(state),
        "control_number": (
            f"{r.randint(0, 99999):05d} {fk.choice(_LETTERS)}{fk.choice(_LETTERS)}" if r.random() < 0.35 else None
        ),
    }
    n_children = sum(1 for d in dependents if d["ctc"])
    fin = _finances(r, state, status, n_children, address["city"])
    email_user = f"{person['first_name']}.{person['last_name']}".lower().replace(" ", "").replace("'", "")
    return {
        "seed": seed,
        "index": index,
        "identity_seed": s,
        **person,
        "suffix": "Jr." if person["gender"] == "M" and r.random() < 0.02 else None,
        "phone": f"({r.randint(201, 989)}) {r.randint(200, 999)}-{r.randint(0, 9999):04d}",
        "email": f"{email_user}{r.randint(1, 99)}@{_FAKER.free_email_domain()}",
        "occupation": _ascii(_FAKER.job()),
        "address": address,
        "filing_status": status,
        "spouse": spouse,
        "dependents": dependents,
        "employer": employer,
        "finances": fin,
        "digital_assets": r.random() < 0.08,
        "sign_date": (date(2025, 1, 21) + timedelta(days=r.randint(0, 84))).isoformat(),
        "bank": {
            "routing": _routing_number(r),
            "account": str(r.randint(10**7, 10**12 - 1)),
            "type": "checking" if r.random() < 0.8 else "savings",
            "direct_deposit": r.random() < 0.75,
        },
    }
