"""2025 payroll: pay schedules, per-period deductions and year-to-date totals, in integer cents.

Why integer cents: the paystub, the W-2 and the bank statement must tie to the cent, and the
identity graph must cost microseconds; ``int`` arithmetic is exact and ~10x faster than
``Decimal``.  Rounding is half-up everywhere (``rnd``), as payroll systems do.

The model: every pay period has the same cash gross, and each deduction is a function of the
year-to-date totals after *k* periods (``ytd(plan, k)``).  Percentage-based taxes are computed on
the YTD base and the current-period amount is the difference of two YTD values, so the W-2 (the
YTD after the last period) equals ``round(rate × box)`` exactly, caps (the 2025 social security
wage base, the 401(k) deferral limit) stop deductions in the period they are reached, and the
paystub's current column always sums to its YTD column.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np

TAX_YEAR = 2025
SS_WAGE_BASE = 17_610_000  # $176,100 (2025)
ADDL_MEDICARE_THRESHOLD = 20_000_000  # employer withholds 0.9 % above $200,000 whatever the status
DEFERRAL_LIMIT = 2_350_000  # 402(g) 2025: $23,500
CATCH_UP_50 = 750_000  # age 50+: $7,500
CATCH_UP_60_63 = 1_125_000  # ages 60-63 (SECURE 2.0): $11,250
NJ_SDI_WAGE_BASE = 16_540_000  # $165,400 (2025)
NY_SDI_CAP_PER_WEEK = 60  # $0.60 a week
PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
NY_SDI_CAP_PER_PERIOD = {"weekly": 60, "biweekly": 120, "semimonthly": 130, "monthly": 260}
RETIREMENT_CODES = {"private": "D", "education": "E", "health": "E", "government": "G"}
ROTH_CODES = {"D": "AA", "E": "BB", "G": "EE"}
PLAN_NAMES = {"D": "401(k)", "E": "403(b)", "G": "457(b)"}

# 2025 federal brackets and standard deductions (W-4 Step 1(c) status), used for withholding.
BRACKETS_2025_CENTS = {
    "single": (1_192_500, 4_847_500, 10_335_000, 19_730_000, 25_052_500, 62_635_000),
    "mfj": (2_385_000, 9_695_000, 20_670_000, 39_460_000, 50_105_000, 75_160_000),
    "hoh": (1_700_000, 6_485_000, 10_335_000, 19_730_000, 25_050_000, 62_635_000),
}
RATES_PERMILLE = (100, 120, 220, 240, 320, 350, 370)
STANDARD_DEDUCTION_2025_CENTS = {"single": 1_500_000, "mfj": 3_000_000, "hoh": 2_250_000}


def rnd(numerator: int, denominator: int) -> int:
    """Round numerator/denominator half-up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def cents(dollars: float | int | None) -> int:
    return 0 if dollars is None else round(dollars * 100)


def dollars(amount: int) -> float:
    """JSON-friendly money: exact for any amount a form can show (str() prints the cents back)."""
    return amount / 100


def bracket_tax_2025(taxable: int, status: str) -> int:
    """Tax in cents on taxable income in cents, 2025 brackets (withholding only, no tax table)."""
    if taxable <= 0:
        return 0
    tax = 0
    lower = 0
    for upper, rate in zip((*BRACKETS_2025_CENTS[status], None), RATES_PERMILLE, strict=True):
        top = taxable if upper is None else min(taxable, upper)
        tax += (top - lower) * rate
        if upper is None or taxable <= upper:
            break
        lower = upper
    return rnd(tax, 1000)


def deferral_limit(age_at_year_end: int) -> int:
    if 60 <= age_at_year_end <= 63:
        return DEFERRAL_LIMIT + CATCH_UP_60_63
    if age_at_year_end >= 50:
        return DEFERRAL_LIMIT + CATCH_UP_50
    return DEFERRAL_LIMIT


def federal_withholding_per_period(
    taxable_per_period: int, per_year: int, w4_status: str, credits: int, other_income: int, deductions: int, extra: int
) -> int:
    """IRS Pub. 15-T percentage method for a 2020-or-later Form W-4 (annualised, Step 2 unchecked).

    The Pub. 15-T annual tables are the tax brackets shifted by the W-4 standard adjustment, which
    is equivalent to taxing (annual wages - standard deduction) on the plain brackets.
    """
    annual = taxable_per_period * per_year + other_income - deductions
    taxable = annual - STANDARD_DEDUCTION_2025_CENTS[w4_status]
    tax = max(bracket_tax_2025(taxable, w4_status) - credits, 0)
    return rnd(tax, per_year) + extra


# ---- schedules ----------------------------------------------------------------------------------


def _friday_on_or_before(d: date) -> date:
    return d - timedelta(days=(d.weekday() - 4) % 7) if d.weekday() >= 5 else d


@functools.cache
def pay_schedule(frequency: str, anchor: int = 0) -> tuple[tuple[date, date, date], ...]:
    """(period start, period end, pay date) for every 2025 pay date of a schedule.

    Weekly and biweekly pay on Fridays for the period that ended the Saturday before (``anchor``
    picks which of the two alternating biweekly Fridays); semimonthly pays the 15th and the
    last day, monthly the last day, moved back to Friday when they fall on a weekend.
    """
    out: list[tuple[date, date, date]] = []
    if frequency in ("weekly", "biweekly"):
        step = 7 if frequency == "weekly" else 14
        pay = date(TAX_YEAR, 1, 3) + timedelta(days=7 * (anchor % 2) if step == 14 else 0)
        while pay.year == TAX_YEAR:
            end = pay - timedelta(days=6)
            out.append((end - timedelta(days=step - 1), end, pay))
            pay += timedelta(days=step)
    else:
        for month in range(1, 13):
            first = date(TAX_YEAR, month, 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            if frequency == "semimonthly":
                mid = first.replace(day=15)
                out.append((first, mid, _friday_on_or_before(mid)))
                out.append((mid + timedelta(days=1), last, _friday_on_or_before(last)))
            else:
                out.append((first, last, _friday_on_or_before(last)))
    return tuple(out)


def paid_periods(frequency: str, anchor: int, hire_date: date) -> tuple[tuple[date, date, date], ...]:
    """The 2025 periods a worker hired on ``hire_date`` was paid for (starting on or after hire)."""
    schedule = pay_schedule(frequency, anchor)
    if hire_date < date(TAX_YEAR, 1, 1):
        return schedule
    return tuple(p for p in schedule if p[0] >= hire_date)


@functools.cache
def _period_starts(frequency: str, anchor: int) -> tuple[date, ...]:
    return tuple(p[0] for p in pay_schedule(frequency, anchor))


def periods_paid(frequency: str, anchor: int, hire_date: date) -> int:
    """How many 2025 periods a worker hired on ``hire_date`` was paid for (``len(paid_periods(...))``)."""
    starts = _period_starts(frequency, anchor)
    if hire_date < date(TAX_YEAR, 1, 1):  # on the payroll all year, including a period begun in 2024
        return len(starts)
    return len(starts) - bisect.bisect_left(starts, hire_date)


# ---- the plan and its year-to-date totals --------------------------------------------------------


class PayPlan(NamedTuple):
    """Everything per period, in cents (rates in parts per million), that drives the YTD totals.

    A NamedTuple rather than a frozen dataclass: one is built per identity, and tuples are cheap.
    """

    frequency: str
    gross: int  # cash gross per period
    retirement: int  # pre-tax elective deferral per period (401(k)/403(b)/457(b))
    roth: int  # designated Roth deferral per period (in box 1)
    health: int  # section 125 medical premium per period (out of boxes 1, 3 and 5)
    hsa: int  # HSA contribution through the cafeteria plan per period (box 12 W)
    gtl: int  # imputed group-term life over $50,000 per period (box 12 C; in boxes 1, 3 and 5)
    federal: int  # federal income tax withheld per period
    deferral_limit: int
    state: str
    state_rate_ppm: int
    state_adds_back_deferrals: bool  # PA taxes elective deferrals
    local_rate_ppm: int
    sdi: str | None


def plan_from(identity: Mapping[str, Any]) -> PayPlan:
    job, ben, w4 = identity["job"], identity["benefits"], identity["w4"]
    return PayPlan(
        frequency=job["pay_frequency"],
        gross=cents(job["period_gross"]),
        retirement=cents(ben["retirement_per_period"]),
        roth=cents(ben["roth_per_period"]),
        health=cents(ben["health_premium_per_period"]),
        hsa=cents(ben["hsa_per_period"]),
        gtl=cents(ben["gtl_imputed_per_period"]),
        federal=cents(w4["federal_withholding_per_period"]),
        deferral_limit=cents(ben["deferral_limit"]),
        state=identity["address"]["state"],
        state_rate_ppm=round(job["state_tax_rate"] * 1_000_000),
        state_adds_back_deferrals=identity["address"]["state"] == "PA",
        local_rate_ppm=round((job["local_tax_rate"] or 0) * 1_000_000),
        sdi=job["sdi"],
    )


def ytd(plan: PayPlan, k: int) -> dict[str, int]:
    """Year-to-date amounts (cents) after k paid periods; k = 0 gives all zeros."""
    gross = k * plan.gross
    retirement = min(k * plan.retirement, plan.deferral_limit)
    roth = min(k * plan.roth, plan.deferral_limit - retirement)
    health, hsa, gtl, federal = k * plan.health, k * plan.hsa, k * plan.gtl, k * plan.federal
    fica_wages = gross - health - hsa + gtl  # box 5 (and box 3 before the wage base)
    ss_wages = min(fica_wages, SS_WAGE_BASE)
    social_security = rnd(ss_wages * 62, 1000)
    medicare = rnd(fica_wages * 145 + max(fica_wages - ADDL_MEDICARE_THRESHOLD, 0) * 90, 10000)
    wages = fica_wages - retirement  # box 1
    state_wages = wages + retirement if plan.state_adds_back_deferrals else wages
    state_tax = rnd(state_wages * plan.state_rate_ppm, 1_000_000) if plan.state_rate_ppm else 0
    local_tax = rnd(fica_wages * plan.local_rate_ppm, 1_000_000) if plan.local_rate_ppm else 0
    if plan.sdi == "CASDI":
        sdi = rnd(fica_wages * 12, 1000)
    elif plan.sdi == "NJSDI":
        sdi = rnd(min(fica_wages, NJ_SDI_WAGE_BASE) * 23, 10000)
    elif plan.sdi == "NYSDI":
        sdi = min(rnd(fica_wages * 5, 1000), k * NY_SDI_CAP_PER_PERIOD[plan.frequency])
    else:
        sdi = 0
    taxes = federal + social_security + medicare + state_tax + local_tax + sdi
    net = gross - retirement - roth - health - hsa - taxes
    return {
        "gross": gross,
        "retirement": retirement,
        "roth": roth,
        "health": health,
        "hsa": hsa,
        "gtl": gtl,
        "fica_wages": fica_wages,
        "ss_wages": ss_wages,
        "wages": wages,
        "state_wages": state_wages,
        "federal": federal,
        "social_security": social_security,
        "medicare": medicare,
        "state_tax": state_tax,
        "local_tax": local_tax,
        "sdi": sdi,
        "net": net,
    }


def ytd_columns(
    *,
    periods: np.ndarray,
    gross: np.ndarray,
    retirement: np.ndarray,
    roth: np.ndarray,
    health: np.ndarray,
    hsa: np.ndarray,
    gtl: np.ndarray,
    federal: np.ndarray,
    deferral_limit: np.ndarray,
    state_rate_ppm: np.ndarray,
    adds_back_deferrals: np.ndarray,
    local_rate_ppm: np.ndarray,
    sdi: Sequence[str | None],
    ny_sdi_cap: np.ndarray,
) -> dict[str, np.ndarray]:
    """``ytd`` of many plans at once (int64 cents, one row per plan, after ``periods[r]`` periods):
    the same integer arithmetic, element by element, so each row equals the scalar ``ytd``."""

    def rnd_(numerator: np.ndarray, denominator: int) -> np.ndarray:
        return (2 * numerator + denominator) // (2 * denominator)

    k = periods
    gross_ = k * gross
    retirement_ = np.minimum(k * retirement, deferral_limit)
    roth_ = np.minimum(k * roth, deferral_limit - retirement_)
    health_, hsa_, gtl_, federal_ = k * health, k * hsa, k * gtl, k * federal
    fica_wages = gross_ - health_ - hsa_ + gtl_
    ss_wages = np.minimum(fica_wages, SS_WAGE_BASE)
    social_security = rnd_(ss_wages * 62, 1000)
    medicare = rnd_(fica_wages * 145 + np.maximum(fica_wages - ADDL_MEDICARE_THRESHOLD, 0) * 90, 10000)
    wages = fica_wages - retirement_
    state_wages = np.where(adds_back_deferrals, wages + retirement_, wages)
    state_tax = np.where(state_rate_ppm > 0, rnd_(state_wages * state_rate_ppm, 1_000_000), 0)
    local_tax = np.where(local_rate_ppm > 0, rnd_(fica_wages * local_rate_ppm, 1_000_000), 0)
    kinds = np.array([s or "" for s in sdi])
    sdi_ = np.select(
        [kinds == "CASDI", kinds == "NJSDI", kinds == "NYSDI"],
        [
            rnd_(fica_wages * 12, 1000),
            rnd_(np.minimum(fica_wages, NJ_SDI_WAGE_BASE) * 23, 10000),
            np.minimum(rnd_(fica_wages * 5, 1000), k * ny_sdi_cap),
        ],
        0,
    )
    taxes = federal_ + social_security + medicare + state_tax + local_tax + sdi_
    net = gross_ - retirement_ - roth_ - health_ - hsa_ - taxes
    return {
        "gross": gross_,
        "retirement": retirement_,
        "roth": roth_,
        "health": health_,
        "hsa": hsa_,
        "gtl": gtl_,
        "fica_wages": fica_wages,
        "ss_wages": ss_wages,
        "wages": wages,
        "state_wages": state_wages,
        "federal": federal_,
        "social_security": social_security,
        "medicare": medicare,
        "state_tax": state_tax,
        "local_tax": local_tax,
        "sdi": sdi_,
        "net": net,
    }


def box12_codes(code: str, retirement: int, roth: int, hsa: int, gtl: int, coverage: int) -> list[tuple[str, int]]:
    """The W-2's box 12 entries (code, cents) from the year's totals, at most the form's four.

    D/E/G pre-tax deferrals leave box 1 but stay in boxes 3/5; AA/BB/EE Roth deferrals stay
    everywhere; W (HSA via cafeteria) and section 125 premiums leave boxes 1, 3 and 5; C (imputed
    group-term life) is added to all three; DD (the cost of coverage) is informational, and the
    one dropped first.
    """
    codes: list[tuple[str, int]] = []
    if retirement:
        codes.append((code, retirement))
    if roth:
        codes.append((ROTH_CODES[code], roth))
    if hsa:
        codes.append(("W", hsa))
    if gtl:
        codes.append(("C", gtl))
    if coverage:
        codes.append(("DD", coverage))
    return codes[:4]


def current(plan: PayPlan, k: int) -> dict[str, int]:
    """The amounts of period k alone (1-based): YTD(k) - YTD(k-1)."""
    now, before = ytd(plan, k), ytd(plan, k - 1)
    return {key: now[key] - before[key] for key in now}


def w2_boxes(identity: Mapping[str, Any]) -> dict[str, Any]:
    """Boxes 1-20 of the 2025 W-2 (dollars) as the YTD of the last paid period (``box12_codes``).

    The identity graph makes its W-2s column-wise (``ytd_columns``); this one-identity version is
    the reference it is tested against.
    """
    job, ben = identity["job"], identity["benefits"]
    plan = plan_from(identity)
    y = ytd(plan, job["periods_paid"])
    codes = box12_codes(
        ben["retirement_code"], y["retirement"], y["roth"], y["hsa"], y["gtl"], cents(ben["health_coverage_annual"])
    )

    employer = identity["employer"]
    state = identity["address"]["state"]
    has_state_tax = plan.state_rate_ppm > 0
    has_local = plan.local_rate_ppm > 0
    fica = y["fica_wages"]
    out: dict[str, Any] = {
        "box1_wages": y["wages"] / 100,
        "box2_federal_tax": y["federal"] / 100,
        "box3_ss_wages": y["ss_wages"] / 100,
        "box4_ss_tax": y["social_security"] / 100,
        "box5_medicare_wages": fica / 100,
        "box6_medicare_tax": y["medicare"] / 100,
        "box7_ss_tips": None,
        "box8_allocated_tips": None,
        "box10_dependent_care": None,
        "box11_nonqualified": None,
        "box13_statutory": False,
        "box13_retirement": bool(y["retirement"] or y["roth"]),
        "box13_sick_pay": False,
        "box14_other": f"{plan.sdi} {y['sdi'] / 100:,.2f}" if plan.sdi and y["sdi"] else None,
        "box15_state": state if has_state_tax else None,
        "box15_state_id": employer["state_id"] if has_state_tax else None,
        "box16_state_wages": y["state_wages"] / 100 if has_state_tax else None,
        "box17_state_tax": y["state_tax"] / 100 if has_state_tax else None,
        "box18_local_wages": fica / 100 if has_local else None,
        "box19_local_tax": y["local_tax"] / 100 if has_local else None,
        "box20_locality": job["locality"] if has_local else None,
    }
    for slot, letter in enumerate("abcd"):
        c, amount = codes[slot] if slot < len(codes) else (None, None)
        out[f"box12{letter}_code"] = c
        out[f"box12{letter}_amount"] = None if amount is None else amount / 100
    return out
