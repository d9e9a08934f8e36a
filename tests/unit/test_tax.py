"""Tax math: W-2 (2025) payroll identities and 1040 (2024) consistency, property-tested."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symage_pipeline.identities import build_packet, make_identity
from symage_pipeline.identities.tax import (
    SS_WAGE_BASE_2025,
    STANDARD_DEDUCTION_2024,
    f1040_amounts,
    income_tax_2024,
    tax_with_qdcg_2024,
    w2_amounts,
)

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
CENT = Decimal("0.01")


def D(v: object) -> Decimal:
    return Decimal(str(v))


def _check_w2(w2: dict) -> None:
    box1, box3, box4 = D(w2["box1_wages"]), D(w2["box3_ss_wages"]), D(w2["box4_ss_tax"])
    box5, box6 = D(w2["box5_medicare_wages"]), D(w2["box6_medicare_tax"])
    assert box3 <= SS_WAGE_BASE_2025
    assert box3 == min(box5, SS_WAGE_BASE_2025)
    assert abs(box4 - box3 * Decimal("0.062")) <= Decimal("0.005")
    expected6 = box5 * Decimal("0.0145") + max(box5 - 200000, Decimal(0)) * Decimal("0.009")
    assert abs(box6 - expected6) <= Decimal("0.005")
    deferral = sum((D(w2[f"box12{s}_amount"]) for s in "abcd" if w2[f"box12{s}_code"] == "D"), Decimal(0))
    assert box1 == box5 - deferral
    assert D(w2["box2_federal_tax"]) >= 0
    for k in ("box1_wages", "box2_federal_tax", "box4_ss_tax", "box6_medicare_tax"):
        assert D(w2[k]) == D(w2[k]).quantize(CENT)
    codes = [w2[f"box12{s}_code"] for s in "abcd" if w2[f"box12{s}_code"]]
    assert len(codes) == len(set(codes))
    if w2["box16_state_wages"] is not None:
        assert D(w2["box16_state_wages"]) == box1


def _check_1040(w2: dict, f: dict, status: str) -> None:
    z = lambda v: D(v) if v is not None else Decimal(0)  # noqa: E731
    assert D(f["line_1a"]) == D(w2["box1_wages"])
    assert D(f["line_25a"]) == D(w2["box2_federal_tax"])
    assert D(f["line_12"]) == STANDARD_DEDUCTION_2024[status]
    total = z(f["line_1z"]) + z(f["line_2b"]) + z(f["line_3b"]) + z(f["line_7"])
    assert D(f["line_9"]) == total
    assert D(f["line_11"]) == D(f["line_9"]) - z(f["line_10"])
    assert D(f["line_15"]) == max(D(f["line_11"]) - D(f["line_14"]), Decimal(0))
    assert D(f["line_24"]) == max(D(f["line_18"]) - z(f["line_21"]), Decimal(0)) + z(f["line_23"])
    assert D(f["line_33"]) == D(f["line_25d"]) + z(f["line_26"]) + z(f["line_32"])
    refund, owed = f["line_34"], f["line_37"]
    assert refund is None or owed is None
    assert z(refund) - z(owed) == D(f["line_33"]) - D(f["line_24"])
    assert f["line_35a"] == refund
    assert z(f["line_3a"]) <= z(f["line_3b"])


@FAST
@given(seed=st.integers(min_value=0, max_value=2**40), index=st.integers(min_value=0, max_value=10**6))
def test_generated_identities_obey_w2_and_1040_rules(seed: int, index: int) -> None:
    ident = make_identity(seed, index)
    packet = build_packet(ident, ["irs_w2_2025", "irs_f1040_2024"])
    _check_w2(packet["w2"])
    _check_1040(packet["w2"], packet["f1040"], ident["filing_status"])


money = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False, allow_infinity=False)


@FAST
@given(
    gross=st.decimals(min_value=1000, max_value=2_000_000, places=2),
    rate=st.sampled_from([0.0, 0.03, 0.06, 0.15, 0.5]),
    status=st.sampled_from(["single", "mfj", "mfs", "hoh"]),
    hsa=st.one_of(st.none(), money),
    state=st.sampled_from(["CA", "TX", "NY", "OH", "WA", "NJ"]),
)
def test_w2_rules_for_any_wage(gross: Decimal, rate: float, status: str, hsa: Decimal | None, state: str) -> None:
    fin = {
        "gross_wages": float(gross),
        "deferral_rate": rate,
        "withholding_factor": 1.0,
        "hsa": float(hsa) if hsa else None,
        "state_rate": 0.05,
        "employer_state_id": "123-4567-8",
        "locality": "CITY",
        "local_rate": 0.01,
    }
    w2 = w2_amounts(fin, state, status)
    _check_w2({k: (float(v) if isinstance(v, Decimal) else v) for k, v in w2.items()})
    assert w2["elective_deferral"] <= Decimal(23500)
    if gross > 200000:
        assert w2["box6_medicare_tax"] > (w2["box5_medicare_wages"] * Decimal("0.0145")).quantize(CENT)


@FAST
@given(
    wages=st.decimals(min_value=0, max_value=900000, places=2),
    withheld=st.decimals(min_value=0, max_value=200000, places=2),
    interest=st.one_of(st.none(), money),
    dividends=st.one_of(st.none(), money),
    status=st.sampled_from(["single", "mfj", "mfs", "hoh"]),
    kids=st.integers(min_value=0, max_value=4),
)
def test_1040_consistency(
    wages: Decimal, withheld: Decimal, interest: Decimal | None, dividends: Decimal | None, status: str, kids: int
) -> None:
    w2 = {"box1_wages": wages, "box2_federal_tax": withheld}
    fin = {
        "taxable_interest": interest,
        "ordinary_dividends": dividends,
        "qualified_dividends": dividends / 2 if dividends else None,
    }
    deps = [{"ctc": True, "odc": False}] * kids
    f = f1040_amounts(w2, fin, status, deps)
    _check_1040(w2, f, status)
    if kids == 0:
        assert f["line_19"] is None and f["line_28"] is None


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
    assert STANDARD_DEDUCTION_2024 == {
        "single": 14600,
        "mfs": 14600,
        "mfj": 29200,
        "qss": 29200,
        "hoh": 21900,
    }
