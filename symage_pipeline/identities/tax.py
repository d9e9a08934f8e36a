"""Tax arithmetic for the W-2 (2025) and Form 1040 (2024).

All money is ``Decimal`` with cents, rounded half-up, because the ground truth must agree with the
printed forms to the cent and binary floats would drift.  Only the pieces a wage earner with some
interest/dividends touches are modelled; everything else stays blank on the forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
DOLLAR = Decimal("1")
ZERO = Decimal("0")

# ---- W-2, tax year 2025 ----------------------------------------------------------------------
SS_WAGE_BASE_2025 = Decimal("176100")
SS_RATE = Decimal("0.062")
MEDICARE_RATE = Decimal("0.0145")
ADDL_MEDICARE_RATE = Decimal("0.009")
ADDL_MEDICARE_THRESHOLD = Decimal("200000")  # employer withholds above this regardless of status
ELECTIVE_DEFERRAL_LIMIT_2025 = Decimal("23500")

FILING_STATUSES = ("single", "mfj", "mfs", "hoh", "qss")

# (upper bound of bracket, rate); the last bound is None (no cap).
Brackets = tuple[tuple[Decimal | None, Decimal], ...]


def _brackets(*bounds: int | None) -> Brackets:
    rates = ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37")
    return tuple((None if b is None else Decimal(b), Decimal(r)) for b, r in zip(bounds, rates, strict=True))


BRACKETS_2025: dict[str, Brackets] = {
    "single": _brackets(11925, 48475, 103350, 197300, 250525, 626350, None),
    "mfj": _brackets(23850, 96950, 206700, 394600, 501050, 751600, None),
    "qss": _brackets(23850, 96950, 206700, 394600, 501050, 751600, None),
    "mfs": _brackets(11925, 48475, 103350, 197300, 250525, 375800, None),
    "hoh": _brackets(17000, 64850, 103350, 197300, 250500, 626350, None),
}
STANDARD_DEDUCTION_2025 = {
    "single": Decimal(15000),
    "mfs": Decimal(15000),
    "mfj": Decimal(30000),
    "qss": Decimal(30000),
    "hoh": Decimal(22500),
}

# ---- Form 1040, tax year 2024 ----------------------------------------------------------------
BRACKETS_2024: dict[str, Brackets] = {
    "single": _brackets(11600, 47150, 100525, 191950, 243725, 609350, None),
    "mfj": _brackets(23200, 94300, 201050, 383900, 487450, 731200, None),
    "qss": _brackets(23200, 94300, 201050, 383900, 487450, 731200, None),
    "mfs": _brackets(11600, 47150, 100525, 191950, 243725, 365600, None),
    "hoh": _brackets(16550, 63100, 100500, 191950, 243700, 609350, None),
}
STANDARD_DEDUCTION_2024 = {
    "single": Decimal(14600),
    "mfs": Decimal(14600),
    "mfj": Decimal(29200),
    "qss": Decimal(29200),
    "hoh": Decimal(21900),
}
# Qualified dividends and capital gain tax worksheet thresholds (0% top, 15% top), 2024.
QDCG_2024 = {
    "single": (Decimal(47025), Decimal(518900)),
    "mfs": (Decimal(47025), Decimal(291850)),
    "mfj": (Decimal(94050), Decimal(583750)),
    "qss": (Decimal(94050), Decimal(583750)),
    "hoh": (Decimal(63000), Decimal(551350)),
}
CTC_PER_CHILD = Decimal(2000)
ODC_PER_DEPENDENT = Decimal(500)
ACTC_MAX_PER_CHILD_2024 = Decimal(1700)
CTC_PHASEOUT_START = {"mfj": Decimal(400000)}  # everyone else 200,000
CTC_PHASEOUT_DEFAULT = Decimal(200000)
TAX_TABLE_LIMIT = Decimal(100000)


def money(v: Any) -> Decimal:
    """Cents, half-up: the rounding payroll systems and the IRS worksheets use."""
    return Decimal(str(v)).quantize(CENT, rounding=ROUND_HALF_UP)


def bracket_tax(amount: Decimal, brackets: Brackets) -> Decimal:
    tax = ZERO
    lower = ZERO
    for upper, rate in brackets:
        if amount <= lower:
            break
        top = amount if upper is None else min(amount, upper)
        tax += (top - lower) * rate
        if upper is None:
            break
        lower = upper
    return tax


def income_tax_2024(taxable: Decimal, status: str) -> Decimal:
    """Tax on ordinary income as the 2024 1040 instructions require.

    Below $100,000 the Tax Table applies: the tax of the midpoint of the $25/$50 row, rounded to
    whole dollars.  At or above it, the Tax Computation Worksheet (exact, to the cent).
    """
    brackets = BRACKETS_2024[status]
    if taxable <= ZERO:
        return money(0)
    if taxable < TAX_TABLE_LIMIT:
        if taxable < 5:
            return money(0)
        if taxable < 25:
            low = Decimal(5) if taxable < 15 else Decimal(15)
            mid = low + 5
        elif taxable < 3000:
            low = (taxable // 25) * 25
            mid = low + Decimal("12.5")
        else:
            low = (taxable // 50) * 50
            mid = low + 25
        return money(bracket_tax(mid, brackets).quantize(DOLLAR, rounding=ROUND_HALF_UP))
    return money(bracket_tax(taxable, brackets))


def tax_with_qdcg_2024(taxable: Decimal, qualified: Decimal, cap_gain: Decimal, status: str) -> Decimal:
    """Qualified Dividends and Capital Gain Tax Worksheet (2024 Form 1040 instructions, line 16)."""
    if qualified <= 0 and cap_gain <= 0:
        return income_tax_2024(taxable, status)
    zero_top, fifteen_top = QDCG_2024[status]
    l1 = taxable
    l4 = max(qualified, ZERO) + max(cap_gain, ZERO)
    l5 = max(l1 - l4, ZERO)
    l7 = min(l1, zero_top)
    l8 = min(l5, l7)
    l9 = l7 - l8  # taxed at 0%
    l10 = min(l1, l4)
    l12 = l10 - l9
    l14 = min(l1, fifteen_top)
    l16 = max(l14 - (l5 + l9), ZERO)
    l17 = min(l12, l16)
    l18 = l17 * Decimal("0.15")
    l20 = l10 - (l9 + l17)
    l21 = l20 * Decimal("0.20")
    l22 = income_tax_2024(l5, status)
    l23 = l18 + l21 + l22
    l24 = income_tax_2024(l1, status)
    return money(min(l23, l24))


# ---- W-2 -------------------------------------------------------------------------------------

NO_INCOME_TAX_STATES = frozenset({"AK", "FL", "NV", "NH", "SD", "TN", "TX", "WA", "WY"})
SDI_STATES = {"CA": ("CASDI", "0.012"), "NJ": ("NJSDI", "0.0023"), "NY": ("NYSDI", "0.005")}


def w2_amounts(fin: Mapping[str, Any], employee_state: str, filing_status: str) -> dict[str, Any]:
    """Boxes 1-20 of a 2025 W-2 from the identity's wage draws.

    Boxes 3/5 start from gross wages (box 1 plus the 401(k) deferral); box 1 excludes the deferral,
    which is reported in box 12 with code D.  Withholding approximates the 2025 percentage method
    so box 2 is plausible for the wage and filing status, scaled by the identity's W-4 habit.
    """
    gross = money(fin["gross_wages"])
    deferral = min(money(gross * Decimal(str(fin["deferral_rate"]))), ELECTIVE_DEFERRAL_LIMIT_2025)
    box1 = gross - deferral
    box3 = min(gross, SS_WAGE_BASE_2025)
    box4 = money(box3 * SS_RATE)
    box5 = gross
    box6 = money(box5 * MEDICARE_RATE + max(box5 - ADDL_MEDICARE_THRESHOLD, ZERO) * ADDL_MEDICARE_RATE)

    w4_status = "single" if filing_status in ("single", "mfs") else filing_status
    est = bracket_tax(max(box1 - STANDARD_DEDUCTION_2025[w4_status], ZERO), BRACKETS_2025[w4_status])
    est -= Decimal(int(fin.get("w4_children", 0))) * CTC_PER_CHILD
    box2 = money(max(est, ZERO) * Decimal(str(fin["withholding_factor"])))

    codes: list[tuple[str, Decimal]] = []
    if fin.get("group_term_life"):
        codes.append(("C", money(fin["group_term_life"])))
    if deferral > 0:
        codes.append(("D", deferral))
    if fin.get("health_coverage"):
        codes.append(("DD", money(fin["health_coverage"])))
    if fin.get("hsa"):
        codes.append(("W", money(fin["hsa"])))
    codes = codes[:4]

    out: dict[str, Any] = {
        "gross_wages": gross,
        "elective_deferral": deferral,
        "box1_wages": box1,
        "box2_federal_tax": box2,
        "box3_ss_wages": box3,
        "box4_ss_tax": box4,
        "box5_medicare_wages": box5,
        "box6_medicare_tax": box6,
        "box7_ss_tips": None,
        "box8_allocated_tips": None,
        "box10_dependent_care": money(fin["dependent_care"]) if fin.get("dependent_care") else None,
        "box11_nonqualified": money(fin["nonqualified"]) if fin.get("nonqualified") else None,
        "box13_statutory": bool(fin.get("statutory_employee")),
        "box13_retirement": deferral > 0 or bool(fin.get("pension_plan")),
        "box13_sick_pay": bool(fin.get("third_party_sick_pay")),
    }
    for slot, letter in enumerate("abcd"):
        code, amount = codes[slot] if slot < len(codes) else (None, None)
        out[f"box12{letter}_code"] = code
        out[f"box12{letter}_amount"] = amount

    box14 = None
    if employee_state in SDI_STATES and fin.get("sdi", True):
        label, rate = SDI_STATES[employee_state]
        box14 = f"{label} {money(gross * Decimal(rate)):,.2f}"
    elif fin.get("union_dues"):
        box14 = f"UNION DUES {money(fin['union_dues']):,.2f}"
    out["box14_other"] = box14

    if employee_state in NO_INCOME_TAX_STATES:
        state_vals: tuple[Any, ...] = (None, None, None, None)
    else:
        state_tax = money(box1 * Decimal(str(fin["state_rate"])))
        state_vals = (employee_state, fin["employer_state_id"], box1, state_tax)
    out["box15_state"], out["box15_state_id"], out["box16_state_wages"], out["box17_state_tax"] = state_vals

    if fin.get("locality") and state_vals[0] is not None:
        out["box18_local_wages"] = box5
        out["box19_local_tax"] = money(box5 * Decimal(str(fin["local_rate"])))
        out["box20_locality"] = fin["locality"]
    else:
        out["box18_local_wages"] = out["box19_local_tax"] = out["box20_locality"] = None
    return out


# ---- Form 1040 -------------------------------------------------------------------------------


def _opt(v: Any) -> Decimal:
    return ZERO if v is None else money(v)


def _show(v: Decimal) -> Decimal | None:
    """Optional 1040 lines are left blank rather than printed as 0.00, as filers do."""
    return v if v != 0 else None


def child_credits(agi: Decimal, status: str, n_children: int, n_other: int) -> Decimal:
    """Schedule 8812 line 12: child tax credit plus credit for other dependents after phase-out."""
    total = CTC_PER_CHILD * n_children + ODC_PER_DEPENDENT * n_other
    start = CTC_PHASEOUT_START.get(status, CTC_PHASEOUT_DEFAULT)
    if agi > start:
        steps = ((agi - start) / 1000).to_integral_value(rounding=ROUND_CEILING)
        total = max(total - steps * 50, ZERO)
    return total


def f1040_amounts(
    w2: Mapping[str, Any],
    fin: Mapping[str, Any],
    status: str,
    dependents: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Lines 1a-37 of the 2024 Form 1040 for one W-2 earner.

    Line 1a is the W-2 box 1 amount itself (same Decimal), line 25a is box 2, so cross-form
    checks in the ground truth hold exactly.
    """
    l1a = money(w2["box1_wages"])
    l1z = l1a
    l2a = _opt(fin.get("tax_exempt_interest"))
    l2b = _opt(fin.get("taxable_interest"))
    l3b = _opt(fin.get("ordinary_dividends"))
    l3a = min(_opt(fin.get("qualified_dividends")), l3b)
    l7 = _opt(fin.get("capital_gain_distributions"))
    l8 = ZERO
    l9 = l1z + l2b + l3b + l7 + l8
    l10 = _opt(fin.get("student_loan_interest"))
    l11 = max(l9 - l10, ZERO)
    l12 = STANDARD_DEDUCTION_2024[status]
    l13 = ZERO
    l14 = l12 + l13
    l15 = max(l11 - l14, ZERO)
    l16 = tax_with_qdcg_2024(l15, l3a, l7, status)
    l17 = ZERO
    l18 = l16 + l17

    n_children = sum(1 for d in dependents if d.get("ctc"))
    n_other = sum(1 for d in dependents if d.get("odc"))
    credit = child_credits(l11, status, n_children, n_other)
    l19 = min(credit, l18)
    unused = credit - l19  # Schedule 8812 line 16a
    if n_children and unused > 0:
        earned = l1a
        l28 = min(
            unused,
            ACTC_MAX_PER_CHILD_2024 * n_children,
            money(max(earned - 2500, ZERO) * Decimal("0.15")),
        )
    else:
        l28 = ZERO
    l20 = ZERO
    l21 = l19 + l20
    l22 = max(l18 - l21, ZERO)
    l23 = ZERO
    l24 = l22 + l23
    l25a = money(w2["box2_federal_tax"])
    l25b = ZERO
    l25c = ZERO
    l25d = l25a + l25b + l25c
    l26 = ZERO
    l27 = ZERO
    l29 = ZERO
    l31 = ZERO
    l32 = l27 + l28 + l29 + l31
    l33 = l25d + l26 + l32
    l34 = l33 - l24 if l33 > l24 else None
    l37 = l24 - l33 if l24 > l33 else None
    return {
        "line_1a": l1a,
        "line_1z": l1z,
        "line_2a": _show(l2a),
        "line_2b": _show(l2b),
        "line_3a": _show(l3a),
        "line_3b": _show(l3b),
        "line_4a": None,
        "line_4b": None,
        "line_5a": None,
        "line_5b": None,
        "line_6a": None,
        "line_6b": None,
        "line_7": _show(l7),
        "line_8": None,
        "line_9": l9,
        "line_10": _show(l10),
        "line_11": l11,
        "line_12": l12,
        "line_13": None,
        "line_14": l14,
        "line_15": l15,
        "line_16": l16,
        "line_17": None,
        "line_18": l18,
        "line_19": _show(l19),
        "line_20": None,
        "line_21": _show(l21),
        "line_22": l22,
        "line_23": None,
        "line_24": l24,
        "line_25a": l25a,
        "line_25b": None,
        "line_25c": None,
        "line_25d": l25d,
        "line_26": None,
        "line_27": None,
        "line_28": _show(l28),
        "line_29": None,
        "line_31": None,
        "line_32": _show(l32),
        "line_33": l33,
        "line_34": l34,
        "line_35a": l34,
        "line_36": None,
        "line_37": l37,
        "line_38": None,
    }
