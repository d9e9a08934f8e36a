"""Tax math: 2025 payroll and W-2, 2024 Form 1040, property-tested against the rules they implement."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symage_pipeline.identities import build_packet, make_identity, payroll
from symage_pipeline.identities.tax import (
    STANDARD_DEDUCTION_2024,
    additional_medicare_tax,
    f1040_amounts,
    income_tax_2024,
    self_employment_tax,
    standard_deduction_2024,
    tax_with_qdcg_2024,
)

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
CENT = Decimal("0.01")


def D(v: object) -> Decimal:
    return Decimal(str(v)) if v is not None else Decimal(0)


def _check_w2(w2: dict) -> None:
    box1, box3, box4 = D(w2["box1_wages"]), D(w2["box3_ss_wages"]), D(w2["box4_ss_tax"])
    box5, box6 = D(w2["box5_medicare_wages"]), D(w2["box6_medicare_tax"])
    assert box3 == min(box5, Decimal(176100))
    assert box4 == (box3 * Decimal("0.062")).quantize(CENT, ROUND_HALF_UP)  # payroll rounds half-up
    assert box6 == (box5 * Decimal("0.0145") + max(box5 - 200000, 0) * Decimal("0.009")).quantize(CENT, ROUND_HALF_UP)
    deferrals = sum((D(w2[f"box12{s}_amount"]) for s in "abcd" if w2[f"box12{s}_code"] in ("D", "E", "G")), D(0))
    assert box1 == box5 - deferrals
    codes = [w2[f"box12{s}_code"] for s in "abcd" if w2[f"box12{s}_code"]]
    assert len(codes) == len(set(codes))
    if w2["box16_state_wages"] is not None:
        assert D(w2["box16_state_wages"]) == (box1 + deferrals if w2["box15_state"] == "PA" else box1)


def _check_1040(w2: dict, f: dict, status: str) -> None:
    z = D
    assert z(f["line_1a"]) == z(w2["box1_wages"])
    assert z(f["line_25a"]) == z(w2["box2_federal_tax"])
    assert z(f["line_12"]) >= STANDARD_DEDUCTION_2024[status]
    assert z(f["line_9"]) == z(f["line_1z"]) + z(f["line_2b"]) + z(f["line_3b"]) + z(f["line_7"]) + z(f["line_8"])
    assert z(f["line_11"]) == z(f["line_9"]) - z(f["line_10"])
    assert z(f["line_15"]) == max(z(f["line_11"]) - z(f["line_14"]), 0)
    assert z(f["line_16"]) == tax_with_qdcg_2024(z(f["line_15"]), z(f["line_3a"]), z(f["line_7"]), status)
    assert z(f["line_24"]) == max(z(f["line_18"]) - z(f["line_21"]), 0) + z(f["line_23"])
    assert z(f["line_33"]) == z(f["line_25d"]) + z(f["line_26"]) + z(f["line_32"])
    refund, owed = f["line_34"], f["line_37"]
    assert refund is None or owed is None
    assert z(refund) - z(owed) == z(f["line_33"]) - z(f["line_24"])
    assert z(f["line_3a"]) <= z(f["line_3b"])


@FAST
@given(seed=st.integers(min_value=0, max_value=2**40), index=st.integers(min_value=0, max_value=10**6))
def test_generated_households_obey_w2_and_1040_rules(seed: int, index: int) -> None:
    ident = make_identity(seed, index, needs=["nec", "interest"])
    packet = build_packet(ident, sections=["f1040"])
    _check_w2(packet["w2"])
    _check_1040(packet["w2"], packet["f1040"], ident["filing_status"])
    assert D(packet["f1040"]["line_2b"]) == D(ident["interest"]["amount"])  # 1099-INT box 1
    assert 0 < D(packet["f1040"]["line_8"]) <= D(ident["nec"]["amount"])  # Schedule C profit from the 1099-NEC


def _plan(**kw: object) -> payroll.PayPlan:
    base = dict(
        frequency="biweekly", gross=500_000, retirement=30_000, roth=0, health=8_000, hsa=0, gtl=0, federal=45_000,
        deferral_limit=payroll.DEFERRAL_LIMIT, state="CA", state_rate_ppm=45_000, state_adds_back_deferrals=False,
        local_rate_ppm=0, sdi="CASDI",
    )  # fmt: skip
    base.update(kw)
    return payroll.PayPlan(**base)  # type: ignore[arg-type]


@FAST
@given(
    gross=st.integers(min_value=50_000, max_value=2_500_000),
    ret_pct=st.integers(min_value=0, max_value=50),
    health=st.integers(min_value=0, max_value=20_000),
    k=st.integers(min_value=1, max_value=26),
    sdi=st.sampled_from([None, "CASDI", "NJSDI", "NYSDI"]),
)
def test_paystub_periods_add_up_to_the_year(gross: int, ret_pct: int, health: int, k: int, sdi: str | None) -> None:
    plan = _plan(gross=gross, retirement=gross * ret_pct // 100, health=health, sdi=sdi)
    total = {key: sum(payroll.current(plan, n)[key] for n in range(1, k + 1)) for key in payroll.ytd(plan, k)}
    assert total == payroll.ytd(plan, k)
    y = payroll.ytd(plan, k)
    assert y["retirement"] <= payroll.DEFERRAL_LIMIT  # the 402(g) cap stops deferrals mid-year
    assert y["ss_wages"] <= payroll.SS_WAGE_BASE
    assert y["social_security"] == payroll.rnd(y["ss_wages"] * 62, 1000)
    assert y["net"] == y["gross"] - y["retirement"] - y["roth"] - y["health"] - y["hsa"] - (
        y["federal"] + y["social_security"] + y["medicare"] + y["state_tax"] + y["local_tax"] + y["sdi"]
    )


def test_deferral_limit_follows_age() -> None:
    assert payroll.deferral_limit(40) == 2_350_000
    assert payroll.deferral_limit(55) == 3_100_000
    assert payroll.deferral_limit(61) == 3_475_000  # SECURE 2.0 catch-up for ages 60-63
    assert payroll.deferral_limit(66) == 3_100_000


def test_pay_schedules_2025() -> None:
    assert len(payroll.pay_schedule("weekly")) == 52
    assert len(payroll.pay_schedule("biweekly", 0)) == len(payroll.pay_schedule("biweekly", 1)) == 26
    assert len(payroll.pay_schedule("semimonthly")) == 24 and len(payroll.pay_schedule("monthly")) == 12
    for freq in payroll.PERIODS_PER_YEAR:
        for start, end, pay in payroll.pay_schedule(freq):
            assert start <= end and start <= pay and pay.weekday() < 5
        for anchor in (0, 1):  # the fast count agrees with the schedule for every hire date
            for day in range(date(2024, 12, 1).toordinal(), date(2026, 1, 1).toordinal()):
                hired = date.fromordinal(day)
                assert payroll.periods_paid(freq, anchor, hired) == len(payroll.paid_periods(freq, anchor, hired))


@pytest.mark.parametrize(
    ("taxable", "status", "tax"),
    [
        ("0", "single", "0.00"),
        ("4.99", "single", "0.00"),
        ("22975.51", "single", "2525.00"),  # table row 22,950-23,000
        ("50000", "single", "6059.00"),  # table row 50,000-50,050
        ("99999", "mfj", "12101.00"),  # table row 99,950-100,000: 2,320 + 8,532 + 1,248.50 -> 12,101
        ("100000", "mfj", "12106.00"),  # worksheet from 100,000
        ("150000", "single", "29042.50"),
        ("700000", "mfs", "222062.75"),  # 35% ends at 365,600 for MFS
    ],
)
def test_income_tax_2024_known_values(taxable: str, status: str, tax: str) -> None:
    assert income_tax_2024(Decimal(taxable), status) == Decimal(tax)


def test_qualified_dividends_below_zero_bracket_are_untaxed() -> None:
    assert tax_with_qdcg_2024(Decimal(30000), Decimal(30000), Decimal(0), "single") == Decimal("0.00")
    ordinary = income_tax_2024(Decimal(60000), "single")
    assert tax_with_qdcg_2024(Decimal(60000), Decimal(10000), Decimal(0), "single") < ordinary


def test_standard_deductions_2024() -> None:
    assert STANDARD_DEDUCTION_2024 == {"single": 14600, "mfs": 14600, "mfj": 29200, "qss": 29200, "hoh": 21900}
    assert standard_deduction_2024("single", 1) == 16550  # + 1,950 for 65 or older
    assert standard_deduction_2024("mfj", 2) == 32300  # + 1,550 per spouse


def test_self_employment_and_additional_medicare_tax() -> None:
    net, se = self_employment_tax(Decimal(10000), Decimal(0))
    assert (net, se) == (Decimal("9235.00"), Decimal("1412.96"))  # 9,235 x 15.3%
    _, capped = self_employment_tax(Decimal(10000), Decimal(170000))  # wages already over the SS base
    assert capped == Decimal("267.82")  # Medicare part only
    assert self_employment_tax(Decimal(400), Decimal(0))[1] == 0  # under $400 of net earnings
    assert additional_medicare_tax("single", Decimal(210000), Decimal(0)) == Decimal("90.00")
    assert additional_medicare_tax("mfj", Decimal(210000), Decimal(0)) == Decimal("0.00")


@FAST
@given(
    wages=st.decimals(min_value=0, max_value=900000, places=2),
    withheld=st.decimals(min_value=0, max_value=200000, places=2),
    profit=st.decimals(min_value=0, max_value=90000, places=2),
    status=st.sampled_from(["single", "mfj", "mfs", "hoh"]),
    kids=st.integers(min_value=0, max_value=4),
)
def test_1040_consistency(wages: Decimal, withheld: Decimal, profit: Decimal, status: str, kids: int) -> None:
    w2 = {"box1_wages": wages, "box2_federal_tax": withheld}
    fin = {"business_profit": profit, "taxable_interest": Decimal("12.50")}
    f = f1040_amounts(w2, fin, status, [{"ctc": True, "odc": False}] * kids)
    _check_1040(w2, f, status)
    assert D(f["line_23"]) >= self_employment_tax(profit, wages)[1]
    if kids == 0:
        assert f["line_19"] is None and f["line_28"] is None
