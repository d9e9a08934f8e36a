"""The identity graph: a person, their household, home, employer, pay, 1099 income, bank and health plan.

Every value of an identity is a pure function of its identity seed.  Each stage (person, address,
household, job, income, bank, health) draws from its own hash-derived stream
(``seeding.stage_key``), so a change in how one stage draws never moves another, and nothing is
shared between identities: output does not depend on batch size, chunking or worker count.

Column-wise: every value a stage may draw has its own column of uniforms (``Slots``), drawn
whether or not its branch is taken, so a batch of identities is one matrix of uniforms per stage
(``seeding.stage_uniforms``) and each value is a few vector operations over the batch: table
picks are one ``searchsorted``, money is integer cents in int64 arrays, dates are ordinals.  Only
strings and the final dicts are made item by item.  Transcendentals (log, exp, cos, pow) go
through Python's ``math``, one value at a time: NumPy's SIMD kernels may round differently on
another CPU, and a cent that flips between machines would break "same seed, same bytes".

The parts agree with each other the way real records do: the ZIP code and phone area code belong
to the city, which belongs to the state; the employer is in the same state; wages follow the
occupation; the W-2 is the payroll's year-to-date total; the health plan comes from the employer
when the pay stub deducts a premium.

``needs`` lets a job bias the income draws so that the forms it asks for have something to show:
a job with a 1099-NEC gets households with nonemployee compensation, one with a 1099-INT gets
households with bank interest.  (The manual warns that identity biasing differs per form set.)
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from symage_pipeline.identities import payroll
from symage_pipeline.identities.seeding import MASK64, stage_uniforms
from symage_pipeline.identities.tables import Place, Tables, Weighted, pick_grouped, tables
from symage_pipeline.identities.validity import (
    MBI_ALPHA,
    RETIRED_SSNS,
    VALID_EIN_PREFIXES,
)

PERSON, ADDRESS, HOUSEHOLD, JOB, INCOME, BANK, HEALTH = range(7)
STAGE_NAMES = ("person", "address", "household", "job", "income", "bank", "health")
YEAR_END = date(2025, 12, 31)
NEEDS = frozenset({"nec", "interest"})
MAX_CHILDREN = 4
_AGES = Weighted([((18, 24), 11), ((25, 34), 23), ((35, 44), 22), ((45, 54), 20), ((55, 64), 18), ((65, 74), 6)])
_MARRIED_BY_AGE = ((24, 0.08), (34, 0.40), (44, 0.58), (64, 0.62), (200, 0.58))
_CHILDREN = {
    ("prime", True): Weighted([(0, 35), (1, 22), (2, 26), (3, 12), (4, 5)]),
    ("prime", False): Weighted([(0, 74), (1, 14), (2, 9), (3, 3)]),
    ("young", True): Weighted([(0, 60), (1, 30), (2, 10)]),
    ("young", False): Weighted([(0, 90), (1, 8), (2, 2)]),
    ("old", True): Weighted([(0, 80), (1, 15), (2, 5)]),
    ("old", False): Weighted([(0, 95), (1, 5)]),
}
_EIN_PREFIXES = tuple(sorted(VALID_EIN_PREFIXES))
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_FREQUENCY_NAMES = ("weekly", "biweekly", "semimonthly", "monthly")
_FREQUENCIES = {  # indices into _FREQUENCY_NAMES
    "hourly": Weighted([(0, 38), (1, 50), (2, 8), (3, 4)]),
    "salary": Weighted([(0, 5), (1, 50), (2, 33), (3, 12)]),
}
_PER_YEAR = np.array([payroll.PERIODS_PER_YEAR[f] for f in _FREQUENCY_NAMES], dtype=np.int64)
_HOURS_CENTS = np.array([4000, 8000, 8667, 17333], dtype=np.int64)  # hours x 100 of a full period
_DEFERRAL_PERCENTS = np.array([3, 4, 5, 6, 6, 6, 8, 10, 10, 12, 15], dtype=np.int64)
_NYC = frozenset({"New York", "Brooklyn", "Bronx", "Staten Island", "Queens", "Flushing", "Jamaica"})
_TOLL_FREE = ("800", "888", "877", "866", "855", "844", "833")
_VISIT_CODES = ("99212", "99213", "99213", "99214", "99214", "99215", "99203", "99204")
_W4_STATUS = {"mfj": "mfj", "qss": "mfj", "hoh": "hoh"}
_NEC_INDUSTRIES = ("services", "tech", "office", "construction", "finance")
_RELATIONSHIPS = (("Son", "Daughter"), ("Stepson", "Stepdaughter"), ("Nephew", "Niece"))
_EPOCH = date(1970, 1, 1).toordinal()
_HIRE_2025 = date(2025, 1, 6).toordinal()
_START_2025 = date(2025, 1, 1).toordinal()
_END_2024 = date(2024, 12, 31).toordinal()
_W4_2025 = date(2025, 1, 2).toordinal()
_SIGN_1040 = date(2025, 1, 21).toordinal()
# "-MM-DD" of 2025-12-31 minus k days: a birthday is that day of the year of birth (no 29 Feb).
_MONTH_DAYS = tuple((YEAR_END - timedelta(days=k)).isoformat()[4:] for k in range(365))


class Slots:
    """Named columns of one stage's matrix of uniforms; ``block`` repeats a group of names."""

    def __init__(self, *names: str) -> None:
        self.index: dict[str, int] = {}
        for name in names:
            self.index[name] = len(self.index)
        self.width = len(self.index)

    def __getattr__(self, name: str) -> int:
        try:
            return self.__dict__["index"][name]
        except KeyError:
            raise AttributeError(name) from None


def _block(prefix: str, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in names)


_PERSON_FIELDS = ("gender", "middle", "first", "last", "dob", "ssn")
_STREET = ("number", "name", "suffix")
_COMPANY = ("word", "branch", "adjective", "last1", "last2", "suffix")
_NORMAL = ("n1", "n2")
_CHILD_FIELDS = ("age", "relationship", *_PERSON_FIELDS)

S_PERSON = Slots(
    "age_band", "age", *_block("p_", _PERSON_FIELDS), "suffix", "area_code", "phone", "email_n", "email_domain",
    "homeowner",
)  # fmt: skip
S_ADDRESS = Slots("state", "place", *_block("st_", _STREET), "apt", "apt_n", "apt_letter", "zip")
S_HOUSEHOLD = Slots(
    "married", "mfj", *_block("age_", _NORMAL), "same_last", "opposite", *_block("sp_", _PERSON_FIELDS),
    "occupation", "children",
    *(f"c{k}_{f}" for k in range(MAX_CHILDREN) for f in _CHILD_FIELDS),
)  # fmt: skip
S_JOB = Slots(
    "occupation", *_block("wage_", _NORMAL), "frequency", "part_time", "hours", "new_hire", "hire_day", "tenure",
    "anchor", "elsewhere", "where", "ids", *_block("co_", _COMPANY), "ein", *_block("st_", _STREET), "zip",
    "area_code", "phone", "control", "control_n", "control_l1", "control_l2", "rate_var", "local", "employee_id",
)  # fmt: skip
S_INCOME = Slots(
    "retirement", "retirement_pct", "roth", "roth_pct", "health", "premium", "hsa", "hsa_amount", "gtl",
    "gtl_amount", "coverage", "claims", "other", "other_amount", "deductions", "deductions_amount", "extra",
    "extra_amount", "w4_day",
    "nec", *_block("nec_", _NORMAL), "nec_industry", "nec_anywhere", "nec_place_any", "nec_place_state",
    *_block("nec_co_", _COMPANY), "nec_ein", *_block("nec_st_", _STREET), "nec_zip", "nec_area_code", "nec_phone",
    "nec_expense", "nec_account",
    "interest", *_block("int_", _NORMAL), "dividends", *_block("div_", _NORMAL), "gains", *_block("gain_", _NORMAL),
    "qualified", "student_loan", "student_loan_amount", "digital", "sign_day",
)  # fmt: skip
S_BANK = Slots(
    "named", "prefix", "word", "city_word", "thrift", "institution", "digits", "account", *_block("st_", _STREET),
    "zip", "phone", "direct_deposit",
)  # fmt: skip
S_HEALTH = Slots(
    "medicaid", "payer", "plan", "where", "zip", "female", "conditions", "cond0", "cond1", "cond2", "cond3", "visit",
    "procedures", "proc0", "proc1", "proc2", "proc3", "po_box", "id_digits", "id_letters", "group_number",
    "pcp_first", "pcp_last", "credential", "npi",
)  # fmt: skip
@functools.cache
def _state_tables() -> tuple[tuple[str, ...], dict[str, int], tuple[Weighted[Place], ...]]:
    """States in the order of the population picker, their index, and each one's city picker."""
    t = tables()
    codes = tuple(t.state_by_population.items)
    return codes, {c: i for i, c in enumerate(codes)}, tuple(t.places_by_state[c] for c in codes)


# ---- column helpers ---------------------------------------------------------------------------------


def _ints(x: np.ndarray) -> np.ndarray:
    """``int(x)`` of each non-negative value (truncation, as the scalar code did)."""
    return x.astype(np.int64)


def _math(f: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(f, x.tolist()), dtype=np.float64, count=len(x))


def _normal(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normals by Box–Muller (1 - u keeps the log finite), through ``math``."""
    log = _math(math.log, 1.0 - u1)
    cos = _math(math.cos, 2.0 * math.pi * u2)
    return np.sqrt(-2.0 * log) * cos


def _lognormal(median: float, sigma: float, u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    return median * _math(math.exp, sigma * _normal(u1, u2))


def _cents(x: np.ndarray) -> np.ndarray:
    """Dollars (float) to whole cents, half to even."""
    return np.rint(x * 100.0).astype(np.int64)


def _money(cents: np.ndarray) -> list[float]:
    return (cents / 100).tolist()


def _from(items: Sequence[Any], u: np.ndarray) -> list[Any]:
    return [items[i] for i in _ints(u * len(items)).tolist()]


def _dates(ordinals: np.ndarray) -> list[str]:
    """ISO dates of proleptic ordinals, in one NumPy pass."""
    days = (ordinals - _EPOCH).astype("datetime64[D]")
    return np.datetime_as_string(days).tolist()


def _ssns(u: np.ndarray) -> list[str]:
    """One uniform covers area (1-899 without 666), group (1-99) and serial (1-9999)."""
    x, serial = np.divmod(_ints(u * (898 * 99 * 9999)), 9999)
    area, group = np.divmod(x, 99)
    area = area + np.where(area < 665, 1, 2)
    out = [
        f"{a:03d}-{g + 1:02d}-{s + 1:04d}"
        for a, g, s in zip(area.tolist(), group.tolist(), serial.tolist(), strict=True)
    ]
    return [s[:-4] + "0001" if s.replace("-", "") in RETIRED_SSNS else s for s in out]


def _phones(area_codes: Sequence[str], u: np.ndarray) -> list[str]:
    exchange, line = np.divmod(_ints(u * 8_000_000), 10000)
    exchange = exchange + 200
    exchange = exchange + (exchange % 100 == 11)  # N11 codes (211 ... 911) are service codes, never exchanges
    return [f"({a}) {e:03d}-{n:04d}" for a, e, n in zip(area_codes, exchange.tolist(), line.tolist(), strict=True)]


def _area_codes(places: Sequence[Place], u: np.ndarray) -> list[str]:
    return [p.area_codes[int(x * len(p.area_codes))] for p, x in zip(places, u.tolist(), strict=True)]


def _zips(places: Sequence[Place], u: np.ndarray) -> list[str]:
    return [p.zips[int(x * len(p.zips))] for p, x in zip(places, u.tolist(), strict=True)]


def _streets(t: Tables, U: np.ndarray, at: int) -> list[str]:
    """House numbers roughly log-uniform, a street name and a suffix (three columns from ``at``)."""
    numbers = [int(10 ** (x * 3.9)) + 1 for x in U[:, at].tolist()]
    names = _from(t.street_names, U[:, at + 1])
    suffixes = t.street_suffixes.pick_many(U[:, at + 2])
    return [f"{n} {s} {x}" for n, s, x in zip(numbers, names, suffixes, strict=True)]


def _eins(u: np.ndarray) -> list[str]:
    prefix, rest = np.divmod(_ints(u * len(_EIN_PREFIXES) * 10_000_000), 10_000_000)
    return [f"{_EIN_PREFIXES[p]}-{r:07d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def _company_names(t: Tables, U: np.ndarray, at: int, industries: Sequence[str], cities: Sequence[str]) -> list[str]:
    """Company names in the style of each industry (six columns from ``at``)."""
    words_u, branch, adjectives = U[:, at].tolist(), U[:, at + 1].tolist(), _from(t.company_adjectives, U[:, at + 2])
    last1, last2 = t.last.pick_many(U[:, at + 3]), t.last.pick_many(U[:, at + 4])
    suffixes = t.company_suffixes.pick_many(U[:, at + 5])
    out = []
    for r, (industry, city) in enumerate(zip(industries, cities, strict=True)):
        words = t.company_words[industry]
        word = words[int(words_u[r] * len(words))]
        if industry == "government":
            out.append(f"{word} {city}")
        elif industry == "education":
            out.append(f"{city} {word}" if branch[r] < 0.8 else f"{adjectives[r]} {word}")
        elif industry == "legal":
            out.append(f"{last1[r]} & {last2[r]} {word}")
        elif industry == "health":
            out.append(f"{city} {word}" if branch[r] < 0.5 else f"{adjectives[r]} {word}")
        else:
            base = f"{last1[r]} {word}" if branch[r] < 0.55 else f"{adjectives[r]} {word}"
            out.append(f"{base} {suffixes[r]}" if suffixes[r] else base)
    return out


def _people(
    t: Tables,
    U: np.ndarray,
    at: int,
    ages: np.ndarray,
    genders: Sequence[str] | None = None,
    last_names: Sequence[str | None] | None = None,
) -> list[dict[str, Any]]:
    """People of the given ages (six columns from ``at``); gender and last name drawn unless given."""
    n = len(ages)
    if genders is None:
        genders = np.where(U[:, at] < 0.508, "F", "M").tolist()
    female = [g == "F" for g in genders]
    ff, fm = t.first_female, t.first_male
    middle = [
        a if f else b for f, a, b in zip(female, ff.pick_many(U[:, at + 1]), fm.pick_many(U[:, at + 1]), strict=True)
    ]
    first = [
        a if f else b for f, a, b in zip(female, ff.pick_many(U[:, at + 2]), fm.pick_many(U[:, at + 2]), strict=True)
    ]
    drawn_last = t.last.pick_many(U[:, at + 3])
    last = drawn_last if last_names is None else [g or d for g, d in zip(last_names, drawn_last, strict=True)]
    day = _ints(U[:, at + 4] * 365).tolist()
    age_list = ages.tolist()
    dob = [
        f"{2025 - a:04d}{_MONTH_DAYS[k]}" for a, k in zip(age_list, day, strict=True)
    ]  # exactly ``age`` on 2025-12-31
    ssn = _ssns(U[:, at + 5])
    return [
        {
            "first_name": first[r],
            "middle_name": middle[r],
            "middle_initial": middle[r][0],
            "last_name": last[r],
            "gender": genders[r],
            "dob": dob[r],
            "age": age_list[r],
            "ssn": ssn[r],
        }
        for r in range(n)
    ]


# ---- stages -----------------------------------------------------------------------------------------


class _Batch:
    """One batch's seeds and, per stage, its matrix of uniforms (made on first use)."""

    def __init__(self, seeds: Sequence[int]) -> None:
        self.seeds = list(seeds)
        self.n = len(self.seeds)
        self._seeds = np.fromiter((s & MASK64 for s in self.seeds), dtype=np.uint64, count=self.n)
        self._made: dict[int, np.ndarray] = {}

    def uniforms(self, stage: int, slots: Slots) -> np.ndarray:
        if stage not in self._made:
            self._made[stage] = stage_uniforms(self._seeds, stage, slots.width)
        return self._made[stage]


def _stage_person(t: Tables, b: _Batch) -> list[dict[str, Any]]:
    U, S = b.uniforms(PERSON, S_PERSON), S_PERSON
    band = _AGES.indices(U[:, S.age_band])
    lo = np.array([a[0] for a in _AGES.items])[band]
    hi = np.array([a[1] for a in _AGES.items])[band]
    ages = lo + _ints(U[:, S.age] * (hi - lo + 1))
    people = _people(t, U, S.p_gender, ages)
    junior = (U[:, S.suffix] < 0.02).tolist()
    for person, jr in zip(people, junior, strict=True):
        person["suffix"] = "Jr." if jr and person["gender"] == "M" else None
    return people


def _contact(t: Tables, b: _Batch, people: list[dict[str, Any]], places: Sequence[Place]) -> None:
    """Phone (an area code of the home city) and email (from the name)."""
    U, S = b.uniforms(PERSON, S_PERSON), S_PERSON
    phones = _phones(_area_codes(places, U[:, S.area_code]), U[:, S.phone])
    numbers = (1 + _ints(U[:, S.email_n] * 99)).tolist()
    domains = t.email_domains.pick_many(U[:, S.email_domain])
    for person, phone, number, domain in zip(people, phones, numbers, domains, strict=True):
        local = f"{person['first_name']}.{person['last_name']}".lower().replace(" ", "").replace("'", "")
        person["phone"] = phone
        person["email"] = f"{local}{number}@{domain}"


def _homeowners(b: _Batch, people: list[dict[str, Any]]) -> list[bool]:
    owner = (b.uniforms(PERSON, S_PERSON)[:, S_PERSON.homeowner] < 0.65).tolist()
    return [p["age"] >= 35 and o for p, o in zip(people, owner, strict=True)]


def _stage_address(t: Tables, b: _Batch) -> tuple[list[dict[str, Any]], list[Place], np.ndarray]:
    U, S = b.uniforms(ADDRESS, S_ADDRESS), S_ADDRESS
    codes, _, by_state = _state_tables()
    state = t.state_by_population.indices(U[:, S.state])
    places = pick_grouped(by_state, state, U[:, S.place])
    streets = _streets(t, U, S.st_number)
    has_apt = (U[:, S.apt] < 0.22).tolist()
    apt_n = (1 + _ints(U[:, S.apt_n] * 40)).tolist()
    apt_l = _from("ABCD", U[:, S.apt_letter])
    zips = _zips(places, U[:, S.zip])
    addresses = [
        {
            "street": streets[r],
            "apt": f"{apt_n[r]}{apt_l[r]}" if has_apt[r] else None,
            "city": places[r].city,
            "state": codes[s],
            "zip": zips[r],
        }
        for r, s in enumerate(state.tolist())
    ]
    return addresses, places, state


def _stage_household(
    t: Tables, b: _Batch, people: list[dict[str, Any]]
) -> tuple[list[str], list[dict | None], list[list[dict]]]:
    """Spouses and children are made only for the rows that have them: a row's columns are its
    own, so which other rows are made never changes it."""
    U, S = b.uniforms(HOUSEHOLD, S_HOUSEHOLD), S_HOUSEHOLD
    ages = np.array([p["age"] for p in people], dtype=np.int64)
    p_married = np.select([ages <= top for top, _ in _MARRIED_BY_AGE], [p for _, p in _MARRIED_BY_AGE])
    married = U[:, S.married] < p_married
    statuses = np.where(married, np.where(U[:, S.mfj] < 0.92, "mfj", "mfs"), "single").tolist()
    spouses: list[dict | None] = [None] * b.n
    rows = np.flatnonzero(married)
    if len(rows):
        V = U[rows]
        spouse_ages = np.clip(
            ages[rows] + np.rint(3 * _normal(V[:, S.age_n1], V[:, S.age_n2])).astype(np.int64), 18, 90
        )
        of = [people[r] for r in rows.tolist()]
        opposite, same_last = (V[:, S.opposite] < 0.95).tolist(), (V[:, S.same_last] < 0.8).tolist()
        genders = [
            ("M" if p["gender"] == "F" else "F") if o else p["gender"] for p, o in zip(of, opposite, strict=True)
        ]
        lasts = [p["last_name"] if same else None for p, same in zip(of, same_last, strict=True)]
        no_wage = _from(t.spouse_no_wage, V[:, S.occupation])
        any_job = [o.title for o in t.occupations.pick_many(V[:, S.occupation])]
        made = _people(t, V, S.sp_gender, spouse_ages, genders, lasts)
        for i, r in enumerate(rows.tolist()):
            # every wage on the joint return has its W-2 in the packet
            made[i]["occupation"] = no_wage[i] if statuses[r] == "mfj" else any_job[i]
            spouses[r] = made[i]
    # Children: fewer for the young and the old; unmarried parents file as head of household.
    groups = np.where((ages >= 25) & (ages <= 54), 0, np.where(ages < 25, 1, 2))
    counts = np.zeros(b.n, dtype=np.int64)
    for (group, is_married), table in _CHILDREN.items():
        rows = (groups == ("prime", "young", "old").index(group)) & (married == is_married)
        counts[rows] = np.array(table.items, dtype=np.int64)[table.indices(U[rows, S.children])]
    oldest = np.clip(ages - 18, 0, 23)
    dependents: list[list[dict]] = [[] for _ in range(b.n)]
    for k in range(MAX_CHILDREN):
        rows = np.flatnonzero(counts > k)
        if not len(rows):
            break
        V, at = U[rows], S.index[f"c{k}_age"]
        kids = _people(t, V, at + 2, _ints(V[:, at] * (oldest[rows] + 1)), None, [people[r]["last_name"] for r in rows])
        for kid, r, rel in zip(kids, rows.tolist(), V[:, at + 1].tolist(), strict=True):
            if kid["age"] >= 19:  # a dependent 19-23 is a full-time student
                kid["student"] = True
            pair = _RELATIONSHIPS[0 if rel < 0.88 else 1 if rel < 0.96 else 2]
            kid["relationship"] = pair[0] if kid["gender"] == "M" else pair[1]
            # Credit eligibility for the 2024 return: child tax credit under 17 at the end of 2024.
            kid["ctc"] = kid["age"] <= 17
            kid["odc"] = not kid["ctc"]
            dependents[r].append(kid)
    for r, deps in enumerate(dependents):
        if deps and statuses[r] == "single":
            statuses[r] = "hoh"
        if len(deps) > 1:
            deps.sort(key=lambda c: c["dob"])  # oldest first, as filers list them
    return statuses, spouses, dependents


@dataclass(frozen=True)
class _Jobs:
    """The job stage's columns the later stages read (money in cents)."""

    gross: np.ndarray
    per_year: np.ndarray
    frequency: np.ndarray
    hire: np.ndarray
    periods: np.ndarray
    salary: np.ndarray  # 0 for hourly pay
    state_rate_ppm: np.ndarray
    local_rate_ppm: np.ndarray
    localities: list[str | None]
    sdi: list[str | None]


def _periods_paid(frequency: np.ndarray, anchor: np.ndarray, hire: np.ndarray) -> np.ndarray:
    """``payroll.periods_paid`` of each row, by schedule: a searchsorted per (frequency, anchor)."""
    out = np.zeros(len(hire), dtype=np.int64)
    for f, name in enumerate(_FREQUENCY_NAMES):
        for a in (0, 1):
            rows = (frequency == f) & (anchor == a)
            if not rows.any():
                continue
            starts = np.array([p[0].toordinal() for p in payroll.pay_schedule(name, a)], dtype=np.int64)
            h = hire[rows]
            out[rows] = np.where(h < _START_2025, len(starts), len(starts) - np.searchsorted(starts, h, side="left"))
    return out


def _stage_job(
    t: Tables, b: _Batch, people: list[dict], addresses: list[dict], places: list[Place], state: np.ndarray
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], _Jobs]:
    U, S = b.uniforms(JOB, S_JOB), S_JOB
    codes, _, by_state = _state_tables()
    occupations = t.occupations.pick_many(U[:, S.occupation])
    ages = np.array([p["age"] for p in people], dtype=np.int64)
    experience = np.select([ages < 25, ages < 35, ages < 55], [0.72, 0.9, 1.05], 1.0)
    median = np.array([o.median_wage for o in occupations])
    annual = median * experience * _math(math.exp, 0.33 * _normal(U[:, S.wage_n1], U[:, S.wage_n2]))
    hourly = np.array([o.pay_type == "hourly" for o in occupations])
    frequency = np.where(
        hourly, _FREQUENCIES["hourly"].indices(U[:, S.frequency]), _FREQUENCIES["salary"].indices(U[:, S.frequency])
    )
    per_year = _PER_YEAR[frequency]
    # Hourly: exact cents (rate x hours, half-up), as a payroll system computes them.
    rate_c = np.maximum(_cents(annual / 2080), 1100)
    full = _HOURS_CENTS[frequency]
    part = U[:, S.part_time] < 0.15
    hours_c = np.where(part, np.rint(full * (0.5 + 0.3 * U[:, S.hours])).astype(np.int64), full)
    hourly_gross = (2 * rate_c * hours_c + 100) // 200  # payroll.rnd(rate x hours, 100): cents
    salary = np.maximum(np.rint(annual / 100) * 100, 30000.0)
    gross_c = np.where(hourly, hourly_gross, np.rint(salary * 100 / per_year).astype(np.int64))
    # Tenure: most have worked there for years; one in eight started during 2025 (part-year W-2).
    years = np.minimum(-_math(math.log, 1.0 - U[:, S.tenure]) * 5.5, np.maximum(ages - 18, 0) + 0.5)
    new_hire = U[:, S.new_hire] < 0.125
    hire = np.where(new_hire, _HIRE_2025 + _ints(U[:, S.hire_day] * 290), _END_2024 - _ints(years * 365.25))
    anchor = _ints(U[:, S.anchor] * 2)
    periods = _periods_paid(frequency, anchor, hire)
    elsewhere = pick_grouped(by_state, state, U[:, S.where])
    where = [p if u < 0.6 else e for p, e, u in zip(places, elsewhere, U[:, S.elsewhere].tolist(), strict=True)]
    cities = [w.city for w in where]
    industries = [o.industry for o in occupations]
    names = _company_names(t, U, S.co_word, industries, cities)
    eins = _eins(U[:, S.ein])
    streets = _streets(t, U, S.st_number)
    zips = _zips(where, U[:, S.zip])
    phones = _phones(_area_codes(where, U[:, S.area_code]), U[:, S.phone])
    ids = _ints(U[:, S.ids] * (900 * 9000 * 10)).tolist()
    control = (U[:, S.control] < 0.35).tolist()
    control_n = _ints(U[:, S.control_n] * 100000).tolist()
    l1, l2 = _from(_LETTERS, U[:, S.control_l1]), _from(_LETTERS, U[:, S.control_l2])
    states = [t.states[codes[s]] for s in state.tolist()]
    rate_var = np.where([s.flat for s in states], 1.0, 0.8 + 0.35 * U[:, S.rate_var])
    state_rate = np.round(np.array([s.income_tax_rate for s in states]) * rate_var, 4).tolist()
    local_u = U[:, S.local].tolist()
    employee_ids = _ints(U[:, S.employee_id] * 1_000_000).tolist()
    hire_dates = _dates(hire)
    jobs, employers, local_rates = [], [], []
    freq_list, anchor_list, hourly_list = frequency.tolist(), anchor.tolist(), hourly.tolist()
    rates, hours, salaries = _money(rate_c), _money(hours_c), salary.tolist()
    gross, paid = _money(gross_c), periods.tolist()
    for r, (occ, address, st) in enumerate(zip(occupations, addresses, states, strict=True)):
        city, code = address["city"], address["state"]
        # New York's local tax on the W-2 is New York City's resident tax; elsewhere a share of workers pay one.
        local = city in _NYC if code == "NY" else st.local_rate > 0 and local_u[r] < st.local_share
        local_rate = st.local_rate if local else None
        if local and city in ("Philadelphia", "Detroit") and code in ("PA", "MI"):
            local_rate = 0.0375 if city == "Philadelphia" else 0.024
        local_rates.append(local_rate or 0.0)
        i = ids[r]
        employers.append(
            {
                "name": names[r],
                "ein": eins[r],
                "street": streets[r],
                "city": cities[r],
                "state": code,
                "zip": zips[r],
                "phone": phones[r],
                "state_id": f"{100 + i // 90000}-{1000 + i // 10 % 9000}-{i % 10}",
                "control_number": f"{control_n[r]:05d} {l1[r]}{l2[r]}" if control[r] else None,
                "sector": occ.sector,
                "industry": occ.industry,
            }
        )
        is_hourly = hourly_list[r]
        jobs.append(
            {
                "title": occ.title,
                "pay_type": occ.pay_type,
                "pay_frequency": _FREQUENCY_NAMES[freq_list[r]],
                "pay_anchor": anchor_list[r],
                "hire_date": hire_dates[r],
                "hourly_rate": rates[r] if is_hourly else None,
                "hours_per_period": hours[r] if is_hourly else None,
                "annual_salary": None if is_hourly else salaries[r],
                "period_gross": gross[r],
                "periods_paid": paid[r],
                "employee_id": f"{employee_ids[r]:06d}",
                "state_tax_rate": state_rate[r],
                "local_tax_rate": local_rate,
                "locality": ("NYC" if code == "NY" else city.upper()[:16]) if local else None,
                "sdi": st.sdi,
            }
        )
    columns = _Jobs(
        gross=gross_c, per_year=per_year, frequency=frequency, hire=hire, periods=periods,
        salary=np.where(hourly, 0.0, salary), state_rate_ppm=np.rint(np.array(state_rate) * 1_000_000).astype(np.int64),
        local_rate_ppm=np.rint(np.array(local_rates) * 1_000_000).astype(np.int64),
        localities=[j["locality"] for j in jobs], sdi=[s.sdi for s in states],
    )  # fmt: skip
    return jobs, employers, columns


def _sometimes(when: np.ndarray, amounts: Sequence[int], u: np.ndarray) -> np.ndarray:
    """One of ``amounts`` (whole dollars) where ``when``, else 0."""
    return np.where(when, np.array(amounts, dtype=np.int64)[_ints(u * len(amounts))], 0)


def _bracket_tax(taxable: np.ndarray, statuses: np.ndarray) -> np.ndarray:
    """``payroll.bracket_tax_2025`` of each row (status 0 single, 1 mfj, 2 hoh)."""
    tax = np.zeros(len(taxable), dtype=np.int64)
    for s, name in enumerate(("single", "mfj", "hoh")):
        rows = statuses == s
        x = taxable[rows]
        total = np.zeros(len(x), dtype=np.int64)
        lower = 0
        for upper, rate in zip((*payroll.BRACKETS_2025_CENTS[name], None), payroll.RATES_PERMILLE, strict=True):
            top = x if upper is None else np.minimum(x, upper)
            total += np.maximum(top - lower, 0) * rate
            lower = upper
        tax[rows] = np.where(x > 0, (2 * total + 1000) // 2000, 0)
    return tax


def _stage_income(
    t: Tables,
    b: _Batch,
    people: list[dict],
    jobs: _Jobs,
    employers: list[dict],
    statuses: list[str],
    dependents: list[list[dict]],
    needs: Collection[str],
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    U, S = b.uniforms(INCOME, S_INCOME), S_INCOME
    _, state_index, by_state = _state_tables()
    g, per_year = jobs.gross, jobs.per_year
    ret_pct = np.where(U[:, S.retirement] < 0.6, _DEFERRAL_PERCENTS[_ints(U[:, S.retirement_pct] * 11)], 0)
    roth_pct = np.where(U[:, S.roth] < 0.15, 2 + _ints(U[:, S.roth_pct] * 7), 0)
    health = U[:, S.health] < 0.62
    family = np.array([bool(d) or s == "mfj" for d, s in zip(dependents, statuses, strict=True)])
    yearly = np.where(family, 4500 + 3500 * U[:, S.premium], 900 + 1300 * U[:, S.premium])
    premium = np.where(health, _cents(np.minimum(yearly / per_year, 0.12 * g / 100)), 0)
    with_hsa = health & (U[:, S.hsa] < 0.18)
    hsa_year = (0.2 + 0.8 * U[:, S.hsa_amount]) * np.where(family, 8550, 4300)
    hsa = np.where(with_hsa, _cents(np.minimum(hsa_year / per_year, 0.08 * g / 100)), 0)
    with_gtl = (jobs.salary > 100_000) & (U[:, S.gtl] < 0.25)
    gtl = np.where(with_gtl, _cents((2 + 7 * U[:, S.gtl_amount]) * jobs.salary / 100_000 / per_year * 12), 0)
    ret, roth = np.rint(g * ret_pct / 100).astype(np.int64), np.rint(g * roth_pct / 100).astype(np.int64)
    coverage = _cents(premium / 100 * per_year + 6000 + 11000 * U[:, S.coverage])
    ages = np.array([p["age"] for p in people], dtype=np.int64)
    limit = np.select([(ages >= 60) & (ages <= 63), ages >= 50], [
        payroll.DEFERRAL_LIMIT + payroll.CATCH_UP_60_63, payroll.DEFERRAL_LIMIT + payroll.CATCH_UP_50,
    ], payroll.DEFERRAL_LIMIT)  # fmt: skip
    # Form W-4 (2025): Step 1(c) status, Step 3 credits, Step 4 adjustments; it drives withholding.
    w4_status = [_W4_STATUS.get(s, "single") for s in statuses]
    w4_index = np.array([("single", "mfj", "hoh").index(s) for s in w4_status])
    claims = U[:, S.claims] < 0.75
    n_ctc = np.array([sum(1 for c in d if c["ctc"]) for d in dependents], dtype=np.int64)
    n_deps = np.array([len(d) for d in dependents], dtype=np.int64)
    children = np.where(claims, 2000 * n_ctc, 0)
    others = np.where(claims, 500 * (n_deps - n_ctc), 0)
    other_income = _sometimes(U[:, S.other] < 0.08, (500, 1000, 2000, 5000), U[:, S.other_amount])
    deductions = _sometimes(U[:, S.deductions] < 0.05, (1000, 2500, 5000), U[:, S.deductions_amount])
    extra = _sometimes(U[:, S.extra] < 0.18, (10, 20, 25, 50, 100), U[:, S.extra_amount])
    # IRS Pub. 15-T percentage method, as payroll.federal_withholding_per_period (cents).
    taxable = g - ret - premium - hsa
    standard = np.array([payroll.STANDARD_DEDUCTION_2025_CENTS[s] for s in ("single", "mfj", "hoh")])[w4_index]
    annual_taxable = taxable * per_year + other_income * 100 - deductions * 100 - standard
    tax = np.maximum(_bracket_tax(annual_taxable, w4_index) - (children + others) * 100, 0)
    federal = (2 * tax + per_year) // (2 * per_year) + extra * 100
    signed = np.where(jobs.hire >= _START_2025, jobs.hire, _W4_2025 + _ints(U[:, S.w4_day] * 320))
    # 1099-NEC, 1099-INT and 1099-DIV income, other lines of the return.
    nec = ("nec" in needs) | (U[:, S.nec] < 0.1)
    nec_amount = _cents(np.clip(_lognormal(9000, 0.9, U[:, S.nec_n1], U[:, S.nec_n2]), 600.0, 120_000.0))
    nec_industry = _from(_NEC_INDUSTRIES, U[:, S.nec_industry])
    anywhere = _from(t.all_places, U[:, S.nec_place_any])
    employer_state = np.array([state_index[e["state"]] for e in employers])
    in_state = pick_grouped(by_state, employer_state, U[:, S.nec_place_state])
    nec_where = [a if u < 0.3 else s for a, s, u in zip(anywhere, in_state, U[:, S.nec_anywhere].tolist(), strict=True)]
    nec_names = _company_names(t, U, S.nec_co_word, nec_industry, [w.city for w in nec_where])
    nec_eins = _eins(U[:, S.nec_ein])
    nec_streets = _streets(t, U, S.nec_st_number)
    nec_zips = _zips(nec_where, U[:, S.nec_zip])
    nec_phones = _phones(_area_codes(nec_where, U[:, S.nec_area_code]), U[:, S.nec_phone])
    nec_expense = np.round(0.05 + 0.3 * U[:, S.nec_expense], 4).tolist()
    nec_account = _ints(U[:, S.nec_account] * 100000).tolist()
    interest = ("interest" in needs) | (U[:, S.interest] < 0.45)
    interest_amount = _cents(np.clip(_lognormal(110, 1.4, U[:, S.int_n1], U[:, S.int_n2]), 10.0, 20_000.0))
    dividends = U[:, S.dividends] < 0.2
    ordinary = _cents(np.clip(_lognormal(800, 1.4, U[:, S.div_n1], U[:, S.div_n2]), 10.0, 60_000.0))
    gains = U[:, S.gains] < 0.4
    gains_amount = _cents(np.clip(_lognormal(400, 1.2, U[:, S.gain_n1], U[:, S.gain_n2]), 1.0, 30_000.0))
    qualified = _cents(ordinary / 100 * (0.5 + 0.45 * U[:, S.qualified]))
    loan = (ages < 45) & (U[:, S.student_loan] < 0.12)
    loan_amount = _cents(150 + 2350 * U[:, S.student_loan_amount])
    digital = (U[:, S.digital] < 0.08).tolist()
    sign_dates = _dates(_SIGN_1040 + _ints(U[:, S.sign_day] * 84))
    signed_dates = _dates(signed)

    L = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in {
        "ret_pct": ret_pct, "roth_pct": roth_pct, "health": health, "limit": limit, "nec": nec,
        "interest": interest, "dividends": dividends, "gains": gains, "loan": loan,
    }.items()}  # fmt: skip
    money = {k: _money(v) for k, v in {
        "ret": ret, "roth": roth, "premium": premium, "hsa": hsa, "gtl": gtl, "coverage": coverage,
        "children": children * 100, "others": others * 100, "other_income": other_income * 100,
        "deductions": deductions * 100, "extra": extra * 100, "federal": federal, "nec": nec_amount,
        "interest": interest_amount, "ordinary": ordinary, "gains": gains_amount, "qualified": qualified,
        "loan": loan_amount,
    }.items()}  # fmt: skip
    incomes = []
    for r, employer in enumerate(employers):
        code = payroll.RETIREMENT_CODES[employer["sector"]]
        has_health = L["health"][r]
        benefits = {
            "retirement_code": code,
            "retirement_plan": payroll.PLAN_NAMES[code],
            "retirement_percent": L["ret_pct"][r],
            "retirement_per_period": money["ret"][r],
            "roth_percent": L["roth_pct"][r],
            "roth_per_period": money["roth"][r],
            "deferral_limit": L["limit"][r] / 100,
            "health_plan": has_health,
            "health_premium_per_period": money["premium"][r],
            "health_coverage_annual": money["coverage"][r] if has_health else None,
            "hsa_per_period": money["hsa"][r],
            "gtl_imputed_per_period": money["gtl"][r],
        }
        w4 = {
            "filing_status": w4_status[r],
            "multiple_jobs": False,
            "children_amount": money["children"][r],
            "other_dependents_amount": money["others"][r],
            "other_income": money["other_income"][r],
            "deductions": money["deductions"][r],
            "extra_withholding": money["extra"][r],
            "federal_withholding_per_period": money["federal"][r],
            "signed": signed_dates[r],
        }
        where = nec_where[r]
        nec_record = (
            {
                "payer": {
                    "name": nec_names[r],
                    "ein": nec_eins[r],
                    "street": nec_streets[r],
                    "city": where.city,
                    "state": where.state,
                    "zip": nec_zips[r],
                    "phone": nec_phones[r],
                },
                "amount": money["nec"][r],
                "expense_ratio": nec_expense[r],
                "account_number": f"C-{nec_account[r]:05d}",
            }
            if L["nec"][r]
            else None
        )
        dividend_record = (
            {
                "ordinary": money["ordinary"][r],
                "qualified": money["qualified"][r],
                "capital_gain_distributions": money["gains"][r] if L["gains"][r] else None,
            }
            if L["dividends"][r]
            else None
        )
        incomes.append(
            {
                "benefits": benefits,
                "w4": w4,
                "nec": nec_record,
                "interest": {"amount": money["interest"][r]} if L["interest"][r] else None,
                "dividends": dividend_record,
                "student_loan_interest": money["loan"][r] if L["loan"][r] else None,
                "digital_assets": digital[r],
                "tax_sign_date": sign_dates[r],
            }
        )
    plan = {
        "retirement": ret, "roth": roth, "health": premium, "hsa": hsa, "gtl": gtl, "federal": federal,
        "deferral_limit": limit, "coverage": np.where(health, coverage, 0),
    }  # fmt: skip
    return incomes, plan


def _w2s(jobs: _Jobs, plan: dict[str, np.ndarray], employers: list[dict], addresses: list[dict]) -> list[dict]:
    """Boxes 1-20 of the 2025 W-2, as ``payroll.w2_boxes`` makes them, from the payroll year's
    columns (``payroll.ytd_columns``)."""
    states = [a["state"] for a in addresses]
    y = payroll.ytd_columns(
        periods=jobs.periods, gross=jobs.gross, retirement=plan["retirement"], roth=plan["roth"],
        health=plan["health"], hsa=plan["hsa"], gtl=plan["gtl"], federal=plan["federal"],
        deferral_limit=plan["deferral_limit"], state_rate_ppm=jobs.state_rate_ppm,
        adds_back_deferrals=np.array([s == "PA" for s in states]), local_rate_ppm=jobs.local_rate_ppm, sdi=jobs.sdi,
        ny_sdi_cap=np.array([payroll.NY_SDI_CAP_PER_PERIOD[_FREQUENCY_NAMES[f]] for f in jobs.frequency.tolist()]),
    )  # fmt: skip
    d = {k: _money(y[k]) for k in ("wages", "federal", "ss_wages", "social_security", "fica_wages", "medicare")}
    d |= {k: _money(y[k]) for k in ("state_wages", "state_tax", "local_tax", "sdi")}
    cents = {k: y[k].tolist() for k in ("retirement", "roth", "hsa", "gtl")}
    has_state, has_local = (jobs.state_rate_ppm > 0).tolist(), (jobs.local_rate_ppm > 0).tolist()
    rows = zip(
        employers, states, jobs.localities, jobs.sdi, has_state, has_local, cents["retirement"], cents["roth"],
        cents["hsa"], cents["gtl"], plan["coverage"].tolist(), d["wages"], d["federal"], d["ss_wages"],
        d["social_security"], d["fica_wages"], d["medicare"], d["state_wages"], d["state_tax"], d["local_tax"],
        d["sdi"], strict=True,
    )  # fmt: skip
    out = []
    for row in rows:
        employer, state, locality, sdi, taxed, local, retirement, roth, hsa, gtl, coverage = row[:11]
        wages, federal, ss_wages, ss_tax, fica, medicare, state_wages, state_tax, local_tax, sdi_amount = row[11:]
        code = payroll.RETIREMENT_CODES[employer["sector"]]
        codes = payroll.box12_codes(code, retirement, roth, hsa, gtl, coverage)
        codes += [(None, None)] * (4 - len(codes))
        (a, a_c), (b, b_c), (c, c_c), (e, e_c) = codes
        out.append(
            {
                "box1_wages": wages,
                "box2_federal_tax": federal,
                "box3_ss_wages": ss_wages,
                "box4_ss_tax": ss_tax,
                "box5_medicare_wages": fica,
                "box6_medicare_tax": medicare,
                "box7_ss_tips": None,
                "box8_allocated_tips": None,
                "box10_dependent_care": None,
                "box11_nonqualified": None,
                "box13_statutory": False,
                "box13_retirement": bool(retirement or roth),
                "box13_sick_pay": False,
                "box14_other": f"{sdi} {sdi_amount:,.2f}" if sdi and sdi_amount else None,
                "box15_state": state if taxed else None,
                "box15_state_id": employer["state_id"] if taxed else None,
                "box16_state_wages": state_wages if taxed else None,
                "box17_state_tax": state_tax if taxed else None,
                "box18_local_wages": fica if local else None,
                "box19_local_tax": local_tax if local else None,
                "box20_locality": locality if local else None,
                "box12a_code": a,
                "box12a_amount": None if a_c is None else a_c / 100,
                "box12b_code": b,
                "box12b_amount": None if b_c is None else b_c / 100,
                "box12c_code": c,
                "box12c_amount": None if c_c is None else c_c / 100,
                "box12d_code": e,
                "box12d_amount": None if e_c is None else e_c / 100,
            }
        )
    return out


def _stage_bank(t: Tables, b: _Batch, addresses: list[dict], places: list[Place]) -> list[dict[str, Any]]:
    U, S = b.uniforms(BANK, S_BANK), S_BANK
    named = (U[:, S.named] < 0.7).tolist()
    prefixes = _from(t.bank_prefixes, U[:, S.prefix])
    words = _from(t.bank_words, U[:, S.word])
    city_words = [t.bank_words[1 + int(u * (len(t.bank_words) - 1))] for u in U[:, S.city_word].tolist()]
    district = np.array([t.states[a["state"]].fed_district for a in addresses], dtype=np.int64)
    district = district + np.where(U[:, S.thrift] < 0.25, 20, 0)  # thrifts start 21-32
    first8 = district * 1_000_000 + 100000 + _ints(U[:, S.institution] * 900000)  # Fed office 1-9, then the institution
    routing = [f"{f:08d}{c}" for f, c in zip(first8.tolist(), _aba_check_digits(first8).tolist(), strict=True)]
    n_digits = (10 + _ints(U[:, S.digits] * 3)).tolist()
    account_u = U[:, S.account].tolist()
    streets = _streets(t, U, S.st_number)
    zips = _zips(places, U[:, S.zip])
    phone = _ints(U[:, S.phone] * 7 * 800 * 10000).tolist()
    direct = (U[:, S.direct_deposit] < 0.75).tolist()
    banks = []
    for r, address in enumerate(addresses):
        name = f"{prefixes[r]} {words[r]}" if named[r] else f"{address['city']} {city_words[r]}"
        k, p = n_digits[r], phone[r]
        banks.append(
            {
                "name": name,
                "routing": routing[r],
                "account": str(int(account_u[r] * 9 * 10 ** (k - 1)) + 10 ** (k - 1)),
                "account_type": "checking",
                "street": streets[r],
                "city": places[r].city,
                "state": address["state"],
                "zip": zips[r],
                "phone": f"1-{_TOLL_FREE[p // 8_000_000]}-{200 + p // 10000 % 800}-{p % 10000:04d}",
                "direct_deposit_refund": direct[r],
            }
        )
    return banks


@functools.cache
def _id_template(fmt: str) -> tuple[str, int, int]:
    """A member-id format as a str.format template plus how many digits and letters it takes."""
    if fmt == "MBI":  # 1-9, letter, letter, digit, letter, letter, digit, letter, letter, digit, digit
        return "{d[0]}{a[0]}{a[1]}{d[1]}{a[2]}{a[3]}{d[2]}{a[4]}{a[5]}{d[3]}{d[4]}", 5, 6
    out, n_d, n_a = [], 0, 0
    for ch in fmt:
        if ch == "#":
            out.append(f"{{d[{n_d}]}}")
            n_d += 1
        elif ch == "@":
            out.append(f"{{a[{n_a}]}}")
            n_a += 1
        else:
            out.append(ch)
    return "".join(out), n_d, n_a


def _member_id(fmt: str, u_digits: float, u_letters: float) -> str:
    """Digits from one uniform, letters from another (base 20), so an ID costs two draws."""
    template, n_d, n_a = _id_template(fmt)
    digits = f"{int(u_digits * 10**n_d):0{n_d}d}" if n_d else ""
    if fmt == "MBI" and digits[0] == "0":
        digits = "1" + digits[1:]  # the MBI starts with 1-9
    x = int(u_letters * 20**n_a)
    letters = []
    for _ in range(n_a):
        x, r = divmod(x, 20)
        letters.append(MBI_ALPHA[r])
    return template.format(d=digits, a=letters)


def _digits(x: np.ndarray, width: int) -> np.ndarray:
    """(n, width) decimal digits of each value, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (x[:, None] // powers[None, :]) % 10


def _npi_check_digits(body: np.ndarray) -> np.ndarray:
    """``npi_check_digit`` of "1" + each 8-digit body: Luhn over 80840, 1 and the body."""
    payload = _digits(80840_1_00000000 + body, 14)
    doubled = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)[payload[:, ::-1][:, 0::2]]
    total = doubled.sum(axis=1) + payload[:, ::-1][:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10


def _aba_check_digits(first8: np.ndarray) -> np.ndarray:
    """``aba_check_digit`` of each 8-digit routing prefix."""
    d = _digits(first8, 8)
    return -(3 * (d[:, 0] + d[:, 3] + d[:, 6]) + 7 * (d[:, 1] + d[:, 4] + d[:, 7]) + (d[:, 2] + d[:, 5])) % 10


def _stage_health(
    t: Tables, b: _Batch, people: list[dict], addresses: list[dict], incomes: list[dict], jobs: _Jobs
) -> list[dict[str, Any]]:
    U, S = b.uniforms(HEALTH, S_HEALTH), S_HEALTH
    annual = (jobs.gross * jobs.per_year / 100).tolist()
    medicaid_u = U[:, S.medicaid].tolist()
    commercial = t.commercial_payers.pick_many(U[:, S.payer])
    plan_u = U[:, S.plan].tolist()
    where = _from(t.all_places, U[:, S.where])
    zips = _zips(where, U[:, S.zip])
    female = (U[:, S.female] < 0.5).tolist()
    codes = t.icd10_codes
    n_conditions = (1 + _ints(U[:, S.conditions] * 4)).tolist()
    conditions = [_from(codes, U[:, S.cond0 + k]) for k in range(4)]
    visits = _from(_VISIT_CODES, U[:, S.visit])
    n_procedures = _ints(U[:, S.procedures] * 4).tolist()
    procedures = [[p.code for p in _from(t.procedures, U[:, S.proc0 + k])] for k in range(4)]
    po_box = (1000 + _ints(U[:, S.po_box] * 99000)).tolist()
    id_digits, id_letters = U[:, S.id_digits].tolist(), U[:, S.id_letters].tolist()
    group_number = _ints(U[:, S.group_number] * 10_000_000).tolist()
    first_f, first_m = t.first_female.pick_many(U[:, S.pcp_first]), t.first_male.pick_many(U[:, S.pcp_first])
    last = t.last.pick_many(U[:, S.pcp_last])
    credentials = t.credentials.pick_many(U[:, S.credential])
    npi_body = _ints(U[:, S.npi] * 100_000_000)
    npis = [f"1{n:08d}{c}" for n, c in zip(npi_body.tolist(), _npi_check_digits(npi_body).tolist(), strict=True)]
    out = []
    for r, (person, address, income) in enumerate(zip(people, addresses, incomes, strict=True)):
        if income["benefits"]["health_plan"]:
            program, payer_name = "group", commercial[r]
        elif person["age"] >= 65:
            program, payer_name = "medicare", "Medicare"
        elif annual[r] < 32000 and medicaid_u[r] < 0.5:
            program, payer_name = "medicaid", "Medicaid"
        else:
            program, payer_name = "other", commercial[r]  # individual marketplace plan
        payer = t.payers[payer_name]
        plans = payer["plans"]
        plan_name = plans[int(plan_u[r] * len(plans))]
        if program == "medicaid":
            plan_name = f"{t.states[address['state']].name.upper()} MEDICAID"[:28]
            payer_name = plan_name.title()
        # Conditions on record and the procedures of the latest visit (codes from the shipped lists).
        on_record = list(dict.fromkeys(conditions[k][r] for k in range(n_conditions[r])))
        visit = [visits[r]]
        for k in range(n_procedures[r]):
            code = procedures[k][r]
            if code not in visit and not code.startswith(("992", "993", "G0")):
                visit.append(code)
        place = where[r]
        out.append(
            {
                "program": program,
                "payer": {
                    "name": payer_name,
                    "street": f"PO Box {po_box[r]}",
                    "city": place.city,
                    "state": place.state,
                    "zip": zips[r],
                },
                "plan_name": plan_name,
                "member_id": _member_id(payer["id_format"], id_digits[r], id_letters[r]),
                "group_number": f"{group_number[r]:07d}" if program == "group" else None,
                "provider": {  # the primary care provider; the practice is drawn with the visit (documents.py)
                    "first_name": first_f[r] if female[r] else first_m[r],
                    "last_name": last[r],
                    "credential": credentials[r],
                    "npi": npis[r],
                },
                "conditions": on_record,
                "procedures": visit,
            }
        )
    return out


# ---- assembly -------------------------------------------------------------------------------------


def _paused_gc(build: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Identities are trees of dicts and lists (no cycles): building thousands of them would
    otherwise trigger cyclic-GC passes over everything already built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return build()
    finally:
        if was_enabled:
            gc.enable()


def _identities(seeds: Sequence[int], needs: frozenset[str]) -> list[dict[str, Any]]:
    t, b = tables(), _Batch(seeds)
    if b.n == 0:
        return []
    people = _stage_person(t, b)
    addresses, places, state = _stage_address(t, b)
    statuses, spouses, dependents = _stage_household(t, b, people)
    jobs, employers, job_columns = _stage_job(t, b, people, addresses, places, state)
    incomes, plan = _stage_income(t, b, people, job_columns, employers, statuses, dependents, needs)
    _contact(t, b, people, places)
    homeowners = _homeowners(b, people)
    w2s = _w2s(job_columns, plan, employers, addresses)
    banks = _stage_bank(t, b, addresses, places)
    health = _stage_health(t, b, people, addresses, incomes, job_columns)
    for r, person in enumerate(people):
        spouse = spouses[r]
        person.update(
            identity_seed=b.seeds[r],
            occupation=jobs[r]["title"],
            marital_status="married" if spouse else "single",
            homeowner=homeowners[r],
            address=addresses[r],
            filing_status=statuses[r],
            spouse=spouse,
            dependents=dependents[r],
            employer=employers[r],
            job=jobs[r],
            **incomes[r],
            w2=w2s[r],
            bank=banks[r],
            health=health[r],
        )
    return people


def identities_from_seeds(identity_seeds: Sequence[int], needs: Collection[str] = ()) -> list[dict[str, Any]]:
    """Identities for a batch of identity seeds; each depends only on its own seed (and ``needs``)."""
    wanted = frozenset(needs) & NEEDS
    seeds = list(identity_seeds)
    return _paused_gc(lambda: _identities(seeds, wanted))


def core_identities(identity_seeds: Sequence[int], with_job: bool = False) -> list[dict[str, Any]]:
    """The person, home address, phone and email of identities (and, ``with_job``, their job and
    employer): the same values ``identities_from_seeds`` gives those parts, without running the
    household, income, bank and health stages. For tables of people, where those stages would be
    most of the cost and none of the columns.

    Each dict is the person's fields (with ``phone`` and ``email``) plus ``address`` and, with the
    job, ``job``, ``employer`` and ``annual_wage`` (the job's gross pay for a year).
    """

    def build() -> list[dict[str, Any]]:
        t, b = tables(), _Batch(identity_seeds)
        if b.n == 0:
            return []
        people = _stage_person(t, b)
        addresses, places, state = _stage_address(t, b)
        _contact(t, b, people, places)
        if with_job:
            jobs, employers, columns = _stage_job(t, b, people, addresses, places, state)
            annual = (columns.gross * columns.per_year / 100).tolist()
        for r, person in enumerate(people):
            person["identity_seed"] = b.seeds[r]
            person["address"] = addresses[r]
            if with_job:
                person["job"], person["employer"], person["annual_wage"] = jobs[r], employers[r], annual[r]
        return people

    return _paused_gc(build)


def make_identities(seed: int, start: int, stop: int, needs: Collection[str] = ()) -> list[dict[str, Any]]:
    """Items [start, stop) of a job: item i is the identity of seed + i (as the SDK documents)."""
    out = identities_from_seeds(range(seed + start, seed + stop), needs)
    for i, ident in enumerate(out, start=start):
        ident["seed"], ident["index"] = seed, i
    return out


def make_identity(seed: int, index: int, needs: Collection[str] = ()) -> dict[str, Any]:
    """One reproducible identity: item ``index`` of a job seeded ``seed``."""
    return make_identities(seed, index, index + 1, needs)[0]


__all__ = [
    "NEEDS",
    "STAGE_NAMES",
    "YEAR_END",
    "core_identities",
    "identities_from_seeds",
    "make_identities",
    "make_identity",
]
