"""The identity graph: a person, their household, home, employer, pay, 1099 income, bank and health plan.

Every value of an identity is a pure function of its identity seed.  Each stage (person, address,
household, job, income, bank, health) draws from its own hash-derived stream
(``seeding.stage_key``), so a change in how one stage draws never moves another, and nothing is
shared between identities: output does not depend on batch size, chunking or worker count.

Values are built from the shipped tables (``tables.py``), never from Faker per field, so an identity
costs tens of microseconds.  The parts agree with each other the way real records do: the ZIP code
and phone area code belong to the city, which belongs to the state; the employer is in the same
state; wages follow the occupation; the W-2 is the payroll's year-to-date total; the health plan
comes from the employer when the pay stub deducts a premium.

``needs`` lets a job bias the income draws so that the forms it asks for have something to show:
a job with a 1099-NEC gets households with nonemployee compensation, one with a 1099-INT gets
households with bank interest.  (The manual warns that identity biasing differs per form set.)

The code is written for speed (local ``u = d.u``, inline table picks, ordinals for dates): an
identity is ~150 draws and a dozen dicts, and Python call overhead is most of what it costs.
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from symage_pipeline.identities import payroll
from symage_pipeline.identities.seeding import Draws, stage_draws
from symage_pipeline.identities.tables import Place, Tables, Weighted, tables
from symage_pipeline.identities.validity import (
    MBI_ALPHA,
    RETIRED_SSNS,
    VALID_EIN_PREFIXES,
    aba_check_digit,
    npi_check_digit,
)

PERSON, ADDRESS, HOUSEHOLD, JOB, INCOME, BANK, HEALTH = range(7)
STAGE_NAMES = ("person", "address", "household", "job", "income", "bank", "health")
# Uniforms computed in bulk per stage (about what each stage usually draws); a stage that needs
# more computes the rest one by one, with the same values.
BUDGETS = (14, 9, 16, 28, 28, 13, 23)
YEAR_END = date(2025, 12, 31)
NEEDS = frozenset({"nec", "interest"})

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
_FREQUENCIES = {
    "hourly": Weighted([("weekly", 38), ("biweekly", 50), ("semimonthly", 8), ("monthly", 4)]),
    "salary": Weighted([("weekly", 5), ("biweekly", 50), ("semimonthly", 33), ("monthly", 12)]),
}
_HOURS = {"weekly": 40.0, "biweekly": 80.0, "semimonthly": 86.67, "monthly": 173.33}
_DEFERRAL_PERCENTS = (3, 4, 5, 6, 6, 6, 8, 10, 10, 12, 15)
_NYC = frozenset({"New York", "Brooklyn", "Bronx", "Staten Island", "Queens", "Flushing", "Jamaica"})
_TOLL_FREE = ("800", "888", "877", "866", "855", "844", "833")
_VISIT_CODES = ("99212", "99213", "99213", "99214", "99214", "99215", "99203", "99204")
_W4_STATUS = {"mfj": "mfj", "qss": "mfj", "hoh": "hoh"}
_NEC_INDUSTRIES = ("services", "tech", "office", "construction", "finance")
_DOB_BASE = date(2025, 12, 31).toordinal()
_CTC_CUTOFF = date(2007, 12, 31).toordinal()  # under 17 at the end of 2024
_HIRE_2025 = date(2025, 1, 6).toordinal()
_END_2024 = date(2024, 12, 31).toordinal()
_W4_2025 = date(2025, 1, 2).toordinal()
_SIGN_1040 = date(2025, 1, 21).toordinal()
_T: list[Tables] = []


def _tables() -> Tables:
    """The shared tables, looked up once (``tables()`` is cached but this is called per stage)."""
    if not _T:
        _T.append(tables())
    return _T[0]


def _ssn(x: float) -> str:
    """One uniform covers area (1-899 without 666), group (1-99) and serial (1-9999)."""
    x, serial = divmod(int(x * (898 * 99 * 9999)), 9999)  # areas x groups x serials
    area, group = divmod(x, 99)
    area += 1 if area < 665 else 2
    ssn = f"{area:03d}-{group + 1:02d}-{serial + 1:04d}"
    return ssn[:-4] + "0001" if ssn.replace("-", "") in RETIRED_SSNS else ssn


def _phone(area_code: str, x: float) -> str:
    exchange, line = divmod(int(x * 8_000_000), 10000)
    exchange += 200
    if exchange % 100 == 11:  # N11 codes (211, 311, ... 911) are service codes, never exchanges
        exchange += 1
    return f"({area_code}) {exchange:03d}-{line:04d}"


def _street(t: Tables, u: Any) -> str:
    number = int(10 ** (u() * 3.9)) + 1  # house numbers are roughly log-uniform
    names = t.street_names
    return f"{number} {names[int(u() * len(names))]} {t.street_suffixes.pick(u())}"


def _ein(x: float) -> str:
    prefix, rest = divmod(int(x * len(_EIN_PREFIXES) * 10_000_000), 10_000_000)
    return f"{_EIN_PREFIXES[prefix]}-{rest:07d}"


def _company_name(t: Tables, u: Any, industry: str, city: str) -> str:
    words = t.company_words[industry]
    word = words[int(u() * len(words))]
    if industry == "government":
        return f"{word} {city}"
    adjectives = t.company_adjectives
    if industry == "education":
        return f"{city} {word}" if u() < 0.8 else f"{adjectives[int(u() * len(adjectives))]} {word}"
    if industry == "legal":
        return f"{t.last.pick(u())} & {t.last.pick(u())} {word}"
    if industry == "health":
        return f"{city} {word}" if u() < 0.5 else f"{adjectives[int(u() * len(adjectives))]} {word}"
    base = f"{t.last.pick(u())} {word}" if u() < 0.55 else f"{adjectives[int(u() * len(adjectives))]} {word}"
    suffix = t.company_suffixes.pick(u())
    return f"{base} {suffix}" if suffix else base


def _person(t: Tables, u: Any, age: int, last_name: str | None = None, gender: str | None = None) -> dict[str, Any]:
    if gender is None:
        gender = "F" if u() < 0.508 else "M"
    names = t.first_female if gender == "F" else t.first_male
    middle = names.pick(u())
    return {
        "first_name": names.pick(u()),
        "middle_name": middle,
        "middle_initial": middle[0],
        "last_name": last_name or t.last.pick(u()),
        "gender": gender,
        # A birthday giving exactly ``age`` at the end of 2025.
        "dob": date.fromordinal(_DOB_BASE - int(u() * 365)).replace(year=2025 - age).isoformat(),
        "age": age,
        "ssn": _ssn(u()),
    }


# ---- stages -----------------------------------------------------------------------------------------


def _stage_person(t: Tables, d: Draws) -> dict[str, Any]:
    u = d.u
    lo, hi = _AGES.pick(u())
    person = _person(t, u, lo + int(u() * (hi - lo + 1)))
    person["suffix"] = "Jr." if person["gender"] == "M" and u() < 0.02 else None
    return person


def _stage_address(t: Tables, d: Draws) -> tuple[dict[str, Any], Place]:
    u = d.u
    state = t.state_by_population.pick(u())
    place = t.places_by_state[state].pick(u())
    address = {
        "street": _street(t, u),
        "apt": f"{1 + int(u() * 40)}{'ABCD'[int(u() * 4)]}" if u() < 0.22 else None,
        "city": place.city,
        "state": state,
        "zip": place.zips[int(u() * len(place.zips))],
    }
    return address, place


def _stage_household(t: Tables, d: Draws, person: dict[str, Any]) -> tuple[str, dict | None, list[dict]]:
    u = d.u
    age = person["age"]
    married = u() < next(p for top, p in _MARRIED_BY_AGE if age <= top)
    spouse = None
    status = "single"
    if married:
        status = "mfj" if u() < 0.92 else "mfs"
        spouse_age = max(18, min(90, age + round(3 * d.normal())))
        last = person["last_name"] if u() < 0.8 else None
        gender = ("M" if person["gender"] == "F" else "F") if u() < 0.95 else person["gender"]
        spouse = _person(t, u, spouse_age, last, gender)
        if status == "mfj":  # every wage on the joint return has its W-2 in the packet
            spouse["occupation"] = t.spouse_no_wage[int(u() * len(t.spouse_no_wage))]
        else:
            spouse["occupation"] = t.occupations.pick(u()).title
    # Children: fewer for the young and the old; unmarried parents file as head of household.
    group = "prime" if 25 <= age <= 54 else "young" if age < 25 else "old"
    n = _CHILDREN[(group, married)].pick(u())
    if n and status == "single":
        status = "hoh"
    dependents = []
    oldest = max(0, min(23, age - 18))
    for _ in range(n):
        child = _person(t, u, int(u() * (oldest + 1)), person["last_name"])
        if child["age"] >= 19:  # a dependent 19-23 is a full-time student
            child["student"] = True
        r = u()
        son = child["gender"] == "M"
        if r < 0.88:
            child["relationship"] = "Son" if son else "Daughter"
        elif r < 0.96:
            child["relationship"] = "Stepson" if son else "Stepdaughter"
        else:
            child["relationship"] = "Nephew" if son else "Niece"
        # Credit eligibility for the 2024 return: child tax credit under 17 at the end of 2024.
        ctc = date.fromisoformat(child["dob"]).toordinal() > _CTC_CUTOFF
        child["ctc"], child["odc"] = ctc, not ctc
        dependents.append(child)
    if n > 1:
        dependents.sort(key=lambda c: c["dob"])  # oldest first, as filers list them
    return status, spouse, dependents


def _stage_job(
    t: Tables, d: Draws, person: dict[str, Any], address: dict[str, Any], place: Place
) -> tuple[dict[str, Any], dict[str, Any]]:
    u = d.u
    occ = t.occupations.pick(u())
    state = t.states[address["state"]]
    age = person["age"]
    experience = 0.72 if age < 25 else 0.9 if age < 35 else 1.05 if age < 55 else 1.0
    annual = occ.median_wage * experience * math.exp(0.33 * d.normal())
    hourly = occ.pay_type == "hourly"
    frequency = _FREQUENCIES[occ.pay_type].pick(u())
    if hourly:
        rate = max(round(annual / 2080, 2), 11.0)
        hours = round(_HOURS[frequency] * (0.5 + 0.3 * u()), 2) if u() < 0.15 else _HOURS[frequency]
        # Exact cents (rate x hours, half-up), as a payroll system computes them.
        period_gross = payroll.rnd(round(rate * 100) * round(hours * 100), 100) / 100
        salary = None
    else:
        rate = hours = None
        salary = max(round(annual, -2), 30000.0)
        period_gross = round(salary / payroll.PERIODS_PER_YEAR[frequency], 2)
    # Tenure: most have worked there for years; one in eight started during 2025 (part-year W-2).
    if u() < 0.125:
        hire = date.fromordinal(_HIRE_2025 + int(u() * 290))
    else:
        years = min(-math.log(1.0 - u()) * 5.5, max(age - 18, 0) + 0.5)
        hire = date.fromordinal(_END_2024 - int(years * 365.25))
    anchor = int(u() * 2)
    where = place if u() < 0.6 else t.places_by_state[address["state"]].pick(u())
    ids = int(u() * 900 * 9000 * 10)
    employer = {
        "name": _company_name(t, u, occ.industry, where.city),
        "ein": _ein(u()),
        "street": _street(t, u),
        "city": where.city,
        "state": address["state"],
        "zip": where.zips[int(u() * len(where.zips))],
        "phone": _phone(where.area_codes[int(u() * len(where.area_codes))], u()),
        "state_id": f"{100 + ids // 90000}-{1000 + ids // 10 % 9000}-{ids % 10}",
        "control_number": f"{int(u() * 100000):05d} {_LETTERS[int(u() * 23)]}{_LETTERS[int(u() * 23)]}"
        if u() < 0.35
        else None,
        "sector": occ.sector,
        "industry": occ.industry,
    }
    rate_var = 1.0 if state.flat else 0.8 + 0.35 * u()
    city = address["city"]
    # New York's local tax on the W-2 is New York City's resident tax; elsewhere a share of workers pay one.
    ny = address["state"] == "NY"
    local = city in _NYC if ny else state.local_rate > 0 and u() < state.local_share
    local_rate = state.local_rate if local else None
    if local and city in ("Philadelphia", "Detroit") and address["state"] in ("PA", "MI"):
        local_rate = 0.0375 if city == "Philadelphia" else 0.024
    job = {
        "title": occ.title,
        "pay_type": occ.pay_type,
        "pay_frequency": frequency,
        "pay_anchor": anchor,
        "hire_date": hire.isoformat(),
        "hourly_rate": rate,
        "hours_per_period": hours,
        "annual_salary": salary,
        "period_gross": period_gross,
        "periods_paid": payroll.periods_paid(frequency, anchor, hire),
        "employee_id": f"{int(u() * 1_000_000):06d}",
        "state_tax_rate": round(state.income_tax_rate * rate_var, 4),
        "local_tax_rate": local_rate,
        "locality": ("NYC" if address["state"] == "NY" else city.upper()[:16]) if local else None,
        "sdi": state.sdi,
    }
    return job, employer


def _stage_income(
    t: Tables, d: Draws, person: dict, job: dict, employer: dict, status: str, deps: list[dict], needs: Collection[str]
) -> dict[str, Any]:
    u = d.u
    g = job["period_gross"]
    per_year = payroll.PERIODS_PER_YEAR[job["pay_frequency"]]
    code = payroll.RETIREMENT_CODES[employer["sector"]]
    ret_pct = _DEFERRAL_PERCENTS[int(u() * len(_DEFERRAL_PERCENTS))] if u() < 0.6 else 0
    roth_pct = 2 + int(u() * 7) if u() < 0.15 else 0
    health = u() < 0.62
    family = bool(deps) or status == "mfj"
    premium = hsa = 0.0
    if health:
        premium = min((4500 + 3500 * u() if family else 900 + 1300 * u()) / per_year, 0.12 * g)
        if u() < 0.18:
            hsa = min((0.2 + 0.8 * u()) * (8550 if family else 4300) / per_year, 0.08 * g)
    salary = job["annual_salary"] or 0
    gtl = round((2 + 7 * u()) * salary / 100_000 / per_year * 12, 2) if salary > 100_000 and u() < 0.25 else 0.0
    ret, roth = round(g * ret_pct / 100, 2), round(g * roth_pct / 100, 2)
    premium, hsa = round(premium, 2), round(hsa, 2)
    benefits = {
        "retirement_code": code,
        "retirement_plan": payroll.PLAN_NAMES[code],
        "retirement_percent": ret_pct,
        "retirement_per_period": ret,
        "roth_percent": roth_pct,
        "roth_per_period": roth,
        "deferral_limit": payroll.deferral_limit(person["age"]) / 100,
        "health_plan": health,
        "health_premium_per_period": premium,
        "health_coverage_annual": round(premium * per_year + 6000 + 11000 * u(), 2) if health else None,
        "hsa_per_period": hsa,
        "gtl_imputed_per_period": gtl,
    }
    # Form W-4 (2025): Step 1(c) status, Step 3 credits, Step 4 adjustments; it drives withholding.
    w4_status = _W4_STATUS.get(status, "single")
    claims = u() < 0.75
    n_ctc = sum(1 for c in deps if c["ctc"])
    children = 2000 * n_ctc if claims else 0
    others = 500 * (len(deps) - n_ctc) if claims else 0
    other_income = float((500, 1000, 2000, 5000)[int(u() * 4)]) if u() < 0.08 else 0.0
    deductions = float((1000, 2500, 5000)[int(u() * 3)]) if u() < 0.05 else 0.0
    extra = float((10, 20, 25, 50, 100)[int(u() * 5)]) if u() < 0.18 else 0.0
    taxable = round(g * 100) - round(ret * 100) - round(premium * 100) - round(hsa * 100)
    federal = payroll.federal_withholding_per_period(
        taxable, per_year, w4_status, (children + others) * 100, round(other_income * 100),
        round(deductions * 100), round(extra * 100),
    )  # fmt: skip
    hire = job["hire_date"]
    signed = hire if hire >= "2025" else date.fromordinal(_W4_2025 + int(u() * 320)).isoformat()
    w4 = {
        "filing_status": w4_status,
        "multiple_jobs": False,
        "children_amount": float(children),
        "other_dependents_amount": float(others),
        "other_income": other_income,
        "deductions": deductions,
        "extra_withholding": extra,
        "federal_withholding_per_period": federal / 100,
        "signed": signed,
    }
    nec = None
    if "nec" in needs or u() < 0.1:
        amount = round(min(max(d.lognormal(9000, 0.9), 600.0), 120_000.0), 2)
        industry = _NEC_INDUSTRIES[int(u() * len(_NEC_INDUSTRIES))]
        where = (
            t.all_places[int(u() * len(t.all_places))] if u() < 0.3 else t.places_by_state[employer["state"]].pick(u())
        )
        nec = {
            "payer": {
                "name": _company_name(t, u, industry, where.city),
                "ein": _ein(u()),
                "street": _street(t, u),
                "city": where.city,
                "state": where.state,
                "zip": where.zips[int(u() * len(where.zips))],
                "phone": _phone(where.area_codes[int(u() * len(where.area_codes))], u()),
            },
            "amount": amount,
            "expense_ratio": round(0.05 + 0.3 * u(), 4),
            "account_number": f"C-{int(u() * 100000):05d}",
        }
    interest = None
    if "interest" in needs or u() < 0.45:
        interest = {"amount": round(min(max(d.lognormal(110, 1.4), 10.0), 20_000.0), 2)}
    dividends = None
    if u() < 0.2:
        ordinary = round(min(max(d.lognormal(800, 1.4), 10.0), 60_000.0), 2)
        gains = round(min(max(d.lognormal(400, 1.2), 1.0), 30_000.0), 2) if u() < 0.4 else None
        dividends = {
            "ordinary": ordinary,
            "qualified": round(ordinary * (0.5 + 0.45 * u()), 2),
            "capital_gain_distributions": gains,
        }
    return {
        "benefits": benefits,
        "w4": w4,
        "nec": nec,
        "interest": interest,
        "dividends": dividends,
        "student_loan_interest": round(150 + 2350 * u(), 2) if person["age"] < 45 and u() < 0.12 else None,
        "digital_assets": u() < 0.08,
        "tax_sign_date": date.fromordinal(_SIGN_1040 + int(u() * 84)).isoformat(),
    }


def _stage_bank(t: Tables, d: Draws, address: dict[str, Any], place: Place) -> dict[str, Any]:
    u = d.u
    if u() < 0.7:
        name = f"{t.bank_prefixes[int(u() * len(t.bank_prefixes))]} {t.bank_words[int(u() * len(t.bank_words))]}"
    else:
        name = f"{address['city']} {t.bank_words[1 + int(u() * (len(t.bank_words) - 1))]}"
    district = t.states[address["state"]].fed_district + (20 if u() < 0.25 else 0)  # thrifts start 21-32
    first8 = f"{district:02d}{100000 + int(u() * 900000):06d}"  # Fed office 1-9, then the institution
    n_digits = 10 + int(u() * 3)
    phone = int(u() * 7 * 800 * 10000)
    return {
        "name": name,
        "routing": first8 + str(aba_check_digit(first8)),
        "account": str(int(u() * 9 * 10 ** (n_digits - 1)) + 10 ** (n_digits - 1)),
        "account_type": "checking",
        "street": _street(t, u),
        "city": place.city,
        "state": address["state"],
        "zip": place.zips[int(u() * len(place.zips))],
        "phone": f"1-{_TOLL_FREE[phone // 8_000_000]}-{200 + phone // 10000 % 800}-{phone % 10000:04d}",
        "direct_deposit_refund": u() < 0.75,
    }


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


def _member_id(fmt: str, u: Any) -> str:
    """Digits from one uniform, letters from another (base 20), so an ID costs two draws."""
    template, n_d, n_a = _id_template(fmt)
    digits = f"{int(u() * 10**n_d):0{n_d}d}" if n_d else ""
    if fmt == "MBI" and digits[0] == "0":
        digits = "1" + digits[1:]  # the MBI starts with 1-9
    x = int(u() * 20**n_a)
    letters = []
    for _ in range(n_a):
        x, r = divmod(x, 20)
        letters.append(MBI_ALPHA[r])
    return template.format(d=digits, a=letters)


def _npi(entity_type: int, x: float) -> str:
    first9 = f"{entity_type}{int(x * 100_000_000):08d}"
    return first9 + str(npi_check_digit(first9))


def _stage_health(t: Tables, d: Draws, person: dict, address: dict, benefits: dict, annual_wage: float) -> dict:
    u = d.u
    if benefits["health_plan"]:
        program, payer_name = "group", t.commercial_payers.pick(u())
    elif person["age"] >= 65:
        program, payer_name = "medicare", "Medicare"
    elif annual_wage < 32000 and u() < 0.5:
        program, payer_name = "medicaid", "Medicaid"
    else:
        program, payer_name = "other", t.commercial_payers.pick(u())  # individual marketplace plan
    payer = t.payers[payer_name]
    plans = payer["plans"]
    plan_name = plans[int(u() * len(plans))]
    if program == "medicaid":
        plan_name = f"{t.states[address['state']].name.upper()} MEDICAID"[:28]
        payer_name = plan_name.title()
    where = t.all_places[int(u() * len(t.all_places))]
    female = u() < 0.5
    # Conditions on record and the procedures of the latest visit (codes from the shipped lists).
    codes = t.icd10_codes
    conditions = list(dict.fromkeys(codes[int(u() * len(codes))] for _ in range(1 + int(u() * 4))))
    procedures = [_VISIT_CODES[int(u() * len(_VISIT_CODES))]]
    for _ in range(int(u() * 4)):
        code = t.procedures[int(u() * len(t.procedures))].code
        if code not in procedures and not code.startswith(("992", "993", "G0")):
            procedures.append(code)
    return {
        "program": program,
        "payer": {
            "name": payer_name,
            "street": f"PO Box {1000 + int(u() * 99000)}",
            "city": where.city,
            "state": where.state,
            "zip": where.zips[int(u() * len(where.zips))],
        },
        "plan_name": plan_name,
        "member_id": _member_id(payer["id_format"], u),
        "group_number": f"{int(u() * 10_000_000):07d}" if program == "group" else None,
        "provider": {  # the primary care provider; the practice is drawn with the visit (documents.py)
            "first_name": (t.first_female if female else t.first_male).pick(u()),
            "last_name": t.last.pick(u()),
            "credential": t.credentials.pick(u()),
            "npi": _npi(1, u()),
        },
        "conditions": conditions,
        "procedures": procedures,
    }


# ---- assembly -------------------------------------------------------------------------------------


def _contact(t: Tables, u: Any, person: dict[str, Any], place: Place) -> None:
    """Phone (an area code of the home city) and email (from the name), drawn after the person stage."""
    local = f"{person['first_name']}.{person['last_name']}".lower().replace(" ", "").replace("'", "")
    person["phone"] = _phone(place.area_codes[int(u() * len(place.area_codes))], u())
    person["email"] = f"{local}{1 + int(u() * 99)}@{t.email_domains.pick(u())}"


def _build(t: Tables, identity_seed: int, draws: list[Draws], needs: Collection[str]) -> dict[str, Any]:
    person = _stage_person(t, draws[PERSON])
    address, place = _stage_address(t, draws[ADDRESS])
    status, spouse, dependents = _stage_household(t, draws[HOUSEHOLD], person)
    job, employer = _stage_job(t, draws[JOB], person, address, place)
    income = _stage_income(t, draws[INCOME], person, job, employer, status, dependents, needs)
    u = draws[PERSON].u
    _contact(t, u, person, place)
    person.update(
        identity_seed=identity_seed,
        occupation=job["title"],
        marital_status="married" if spouse else "single",
        homeowner=person["age"] >= 35 and u() < 0.65,
        address=address,
        filing_status=status,
        spouse=spouse,
        dependents=dependents,
        employer=employer,
        job=job,
        **income,
    )
    person["w2"] = payroll.w2_boxes(person)
    person["bank"] = _stage_bank(t, draws[BANK], address, place)
    annual = job["period_gross"] * payroll.PERIODS_PER_YEAR[job["pay_frequency"]]
    person["health"] = _stage_health(t, draws[HEALTH], person, address, income["benefits"], annual)
    return person


def identities_from_seeds(identity_seeds: Sequence[int], needs: Collection[str] = ()) -> list[dict[str, Any]]:
    """Identities for a batch of identity seeds; each depends only on its own seed (and ``needs``)."""
    wanted = frozenset(needs) & NEEDS
    seeds = list(identity_seeds)
    t = _tables()
    # Identities are trees of dicts and lists (no cycles), and building thousands of them would
    # otherwise trigger cyclic-GC passes over everything already built: pause it for the batch.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [_build(t, s, draws, wanted) for s, draws in zip(seeds, stage_draws(seeds, BUDGETS), strict=True)]
    finally:
        if was_enabled:
            gc.enable()


# Bulk uniforms for the stages `core_identities` runs (person, address, and job when asked).
_CORE_BUDGETS = (BUDGETS[PERSON] + 4, BUDGETS[ADDRESS], 0, 0, 0, 0, 0)
_CORE_JOB_BUDGETS = (BUDGETS[PERSON] + 4, BUDGETS[ADDRESS], 0, BUDGETS[JOB], 0, 0, 0)


def core_identities(identity_seeds: Sequence[int], with_job: bool = False) -> list[dict[str, Any]]:
    """The person, home address, phone and email of identities (and, ``with_job``, their job and
    employer): the same values ``identities_from_seeds`` gives those parts, without running the
    household, income, bank and health stages. For tables of people, where those stages would be
    most of the cost and none of the columns.

    Each dict is the person's fields (with ``phone`` and ``email``) plus ``address`` and, with the
    job, ``job``, ``employer`` and ``annual_wage`` (the job's gross pay for a year).
    """
    t = _tables()
    seeds = list(identity_seeds)
    out: list[dict[str, Any]] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        budgets = _CORE_JOB_BUDGETS if with_job else _CORE_BUDGETS
        for seed, draws in zip(seeds, stage_draws(seeds, budgets), strict=True):
            person = _stage_person(t, draws[PERSON])
            address, place = _stage_address(t, draws[ADDRESS])
            _contact(t, draws[PERSON].u, person, place)
            person["identity_seed"] = seed
            person["address"] = address
            if with_job:
                job, employer = _stage_job(t, draws[JOB], person, address, place)
                person["job"], person["employer"] = job, employer
                person["annual_wage"] = round(job["period_gross"] * payroll.PERIODS_PER_YEAR[job["pay_frequency"]], 2)
            out.append(person)
        return out
    finally:
        if was_enabled:
            gc.enable()


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
