"""Tax arithmetic for Form 1040 (2024), and the 2025 rates the W-2 is checked against.

All money is ``Decimal`` with cents, rounded half-up, because the ground truth must agree with the
printed forms to the cent and binary floats would drift.  The W-2 itself comes from the payroll
(``payroll.py``, integer cents); this module turns a household's W-2 and 1099 income into the
return.  Only what a wage earner with some interest, dividends and 1099-NEC side work touches is
modelled; everything else stays blank on the forms.  The invariant checker reuses these functions
to recompute a printed return from its own lines.
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


# Additional standard deduction per box checked (65 or older / blind), 2024.
ADDITIONAL_STD_DEDUCTION_2024 = {"single": Decimal(1950), "hoh": Decimal(1950)}
ADDITIONAL_STD_DEDUCTION_MARRIED_2024 = Decimal(1550)
SS_WAGE_BASE_2024 = Decimal("168600")
SE_NET_FACTOR = Decimal("0.9235")
SE_SS_RATE = Decimal("0.124")
SE_MEDICARE_RATE = Decimal("0.029")
ADDL_MEDICARE_THRESHOLD_BY_STATUS = {"mfj": Decimal(250000), "mfs": Decimal(125000)}  # others 200,000
SLI_MAX = Decimal(2500)
SLI_PHASEOUT_2024 = {"mfj": (Decimal(165000), Decimal(195000)), "qss": (Decimal(165000), Decimal(195000))}
SLI_PHASEOUT_DEFAULT = (Decimal(80000), Decimal(95000))
QBI_RATE = Decimal("0.20")
QBI_THRESHOLD_2024 = {"mfj": Decimal(383900), "qss": Decimal(383900)}  # others 191,950
QBI_THRESHOLD_DEFAULT = Decimal(191950)


def standard_deduction_2024(status: str, boxes_checked: int = 0) -> Decimal:
    """Line 12 with the additional amount for each 65-or-older/blind box checked."""
    extra = ADDITIONAL_STD_DEDUCTION_2024.get(status, ADDITIONAL_STD_DEDUCTION_MARRIED_2024)
    return STANDARD_DEDUCTION_2024[status] + extra * boxes_checked


def self_employment_tax(net_profit: Decimal, w2_ss_wages: Decimal) -> tuple[Decimal, Decimal]:
    """Schedule SE (2024): (net earnings from self-employment, SE tax); the SS part stops at the
    2024 wage base less the W-2 social security wages already taxed."""
    net = money(max(net_profit, ZERO) * SE_NET_FACTOR)
    if net < 400:
        return net, money(0)
    ss_room = max(SS_WAGE_BASE_2024 - w2_ss_wages, ZERO)
    return net, money(min(net, ss_room) * SE_SS_RATE + net * SE_MEDICARE_RATE)


def additional_medicare_tax(status: str, medicare_wages: Decimal, se_earnings: Decimal) -> Decimal:
    """Form 8959 Parts I and II: 0.9 % above the filing-status threshold (wages first)."""
    threshold = ADDL_MEDICARE_THRESHOLD_BY_STATUS.get(status, Decimal(200000))
    on_wages = max(medicare_wages - threshold, ZERO)
    room = max(threshold - medicare_wages, ZERO)
    on_se = max(se_earnings - room, ZERO) if se_earnings >= 400 else ZERO
    return money((on_wages + on_se) * ADDL_MEDICARE_RATE)


def student_loan_interest_deduction(paid: Decimal, magi: Decimal, status: str) -> Decimal:
    """Schedule 1 line 21 (2024): up to $2,500, phased out by MAGI, not allowed when filing MFS."""
    if status == "mfs" or paid <= 0:
        return ZERO
    lo, hi = SLI_PHASEOUT_2024.get(status, SLI_PHASEOUT_DEFAULT)
    allowed = min(paid, SLI_MAX)
    if magi <= lo:
        return money(allowed)
    if magi >= hi:
        return ZERO
    return money(allowed * (hi - magi) / (hi - lo))


def f1040_amounts(
    w2: Mapping[str, Any],
    fin: Mapping[str, Any],
    status: str,
    dependents: Sequence[Mapping[str, Any]],
    *,
    boxes_65: int = 0,
) -> dict[str, Any]:
    """Lines 1a-37 of the 2024 Form 1040 for a household with one W-2 and optional 1099 income.

    Inputs: the W-2 (box 1 wages, box 2 withholding; boxes 3, 5 and 6 when known), and ``fin``:
    ``taxable_interest`` (1099-INT box 1), ``ordinary_dividends``/``qualified_dividends``,
    ``capital_gain_distributions``, ``business_profit`` (Schedule C net profit from 1099-NEC
    work), ``student_loan_interest``.  ``boxes_65`` counts the "born before January 2, 1960"
    boxes checked.  Line 1a is box 1 itself and line 25a is box 2, so cross-form checks hold
    exactly; Schedule 1, Schedule SE, Form 8959 and Schedule 8812 are folded in.
    """
    box1 = money(w2["box1_wages"])
    box5 = money(w2.get("box5_medicare_wages", w2["box1_wages"]))
    box3 = money(w2.get("box3_ss_wages", box5))
    box6 = w2.get("box6_medicare_tax")
    l1a = box1
    l1z = l1a
    l2a = _opt(fin.get("tax_exempt_interest"))
    l2b = _opt(fin.get("taxable_interest"))
    l3b = _opt(fin.get("ordinary_dividends"))
    l3a = min(_opt(fin.get("qualified_dividends")), l3b)
    l7 = _opt(fin.get("capital_gain_distributions"))
    profit = _opt(fin.get("business_profit"))
    se_earnings, se_tax = self_employment_tax(profit, box3)
    half_se = money(se_tax / 2)
    l8 = profit  # Schedule 1 line 10: business income only
    l9 = l1z + l2b + l3b + l7 + l8
    sli = student_loan_interest_deduction(_opt(fin.get("student_loan_interest")), l9 - half_se, status)
    l10 = half_se + sli  # Schedule 1 line 26
    l11 = max(l9 - l10, ZERO)
    l12 = standard_deduction_2024(status, boxes_65)
    # Qualified business income deduction, simplified form 8995 (below the threshold only).
    threshold = QBI_THRESHOLD_2024.get(status, QBI_THRESHOLD_DEFAULT)
    before_qbi = max(l11 - l12, ZERO)
    if profit > 0 and before_qbi <= threshold:
        l13 = money(min(QBI_RATE * max(profit - half_se, ZERO), QBI_RATE * max(before_qbi - l3a - l7, ZERO)))
    else:
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
        earned = l1a + max(se_earnings - half_se, ZERO)
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
    addl_medicare = additional_medicare_tax(status, box5, se_earnings)
    l23 = se_tax + addl_medicare  # Schedule 2 lines 4 and 11
    l24 = l22 + l23
    l25a = money(w2["box2_federal_tax"])
    l25b = ZERO
    # Form 8959 line 24: Medicare tax withheld above the regular 1.45 %.
    l25c = max(money(box6) - money(box5 * MEDICARE_RATE), ZERO) if box6 is not None else ZERO
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
        "line_8": _show(l8),
        "line_9": l9,
        "line_10": _show(l10),
        "line_11": l11,
        "line_12": l12,
        "line_13": _show(l13),
        "line_14": l14,
        "line_15": l15,
        "line_16": l16,
        "line_17": None,
        "line_18": l18,
        "line_19": _show(l19),
        "line_20": None,
        "line_21": _show(l21),
        "line_22": l22,
        "line_23": _show(l23),
        "line_24": l24,
        "line_25a": l25a,
        "line_25b": None,
        "line_25c": _show(l25c),
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
        # Worksheet values the checker and other forms reuse (not printed on the 1040).
        "se_tax": se_tax,
        "se_earnings": se_earnings,
        "additional_medicare_tax": addl_medicare,
    }
