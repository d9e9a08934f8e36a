"""The identity graph: pure per (seed, index), valid identifiers, parts that agree, realistic spreads."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symage_pipeline.identities import (
    core_identities,
    documents,
    identities_from_seeds,
    make_identities,
    make_identity,
    payroll,
)
from symage_pipeline.identities.seeding import Draws, KeyedPermutation, derive, stage_key, stage_uniforms, unit
from symage_pipeline.identities.tables import state_of_area_code, states_of_zip, tables
from symage_pipeline.identities.validity import (
    aba_check_digit,
    aba_is_valid,
    ein_is_valid,
    luhn_check_digit,
    mbi_is_valid,
    npi_is_valid,
    ssn_is_valid,
)

FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(min_value=0, max_value=2**61)
INDICES = st.integers(min_value=0, max_value=10**7)


def _area(phone: str) -> str:
    return phone.replace("(", "").replace(")", "")[:3]


# ---- determinism -------------------------------------------------------------------------------------


def test_an_identity_is_a_pure_function_of_seed_and_index() -> None:
    first = make_identity(7, 3)
    make_identities(123, 0, 20)  # unrelated work in between must not leak state
    assert make_identity(7, 3) == first


def test_batches_and_chunks_do_not_change_identities() -> None:
    whole = make_identities(42, 0, 30)
    pieces = make_identities(42, 0, 7) + make_identities(42, 7, 8) + make_identities(42, 8, 30)
    assert whole == pieces
    assert whole[12] == make_identity(42, 12)


def test_item_i_is_identity_seed_seed_plus_i() -> None:
    """As the SDK documents: item i of a job seeded s is the identity of seed s + i."""
    strip = lambda d: {k: v for k, v in d.items() if k not in ("seed", "index")}  # noqa: E731
    assert strip(make_identity(7, 3)) == strip(make_identity(8, 2)) == strip(identities_from_seeds([10])[0])


def test_same_identity_in_a_fresh_process() -> None:
    code = "import json;from symage_pipeline.identities import make_identity;print(json.dumps(make_identity(7,3)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == json.loads(json.dumps(make_identity(7, 3)))


def test_pinned_identity() -> None:
    """A change here changes every dataset ever generated with these seeds: make it deliberately.
    (Last changed by the column-wise graph, issue 10: every value has its own column of draws.)"""
    ident = make_identity(7, 3)
    assert (ident["first_name"], ident["last_name"], ident["ssn"]) == ("Linda", "Taylor", "270-50-7555")
    assert (ident["address"]["city"], ident["address"]["state"], ident["address"]["zip"]) == ("Houston", "TX", "77044")
    assert (ident["occupation"], ident["employer"]["ein"]) == ("Welder", "77-5622475")
    assert ident["w2"]["box1_wages"] == 55332.16


def test_stage_uniforms_match_the_scalar_formula() -> None:
    """The graph's matrix of draws and one-by-one draws are the same numbers."""
    matrix = stage_uniforms(np.array([99, 5], dtype=np.uint64), 1, 9)
    key = stage_key(99, 1)
    assert matrix[0].tolist() == [unit(key, j) for j in range(9)]
    assert [Draws(key).u() for _ in range(1)] == [unit(key, 0)]


def test_column_wise_payroll_equals_the_one_identity_reference() -> None:
    """The graph computes the W-4 withholding, the periods paid and the W-2 for a whole batch in
    int64 columns; each must be what the scalar payroll functions give that one identity."""
    people = make_identities(2024, 0, 2000)
    for p in people:
        job, w4, ben = p["job"], p["w4"], p["benefits"]
        assert p["w2"] == payroll.w2_boxes(p)
        hired = date.fromisoformat(job["hire_date"])
        assert job["periods_paid"] == payroll.periods_paid(job["pay_frequency"], job["pay_anchor"], hired)
        c = payroll.cents
        taxable = c(job["period_gross"]) - c(ben["retirement_per_period"])
        taxable -= c(ben["health_premium_per_period"]) + c(ben["hsa_per_period"])
        credits = c(w4["children_amount"] + w4["other_dependents_amount"])
        federal = payroll.federal_withholding_per_period(
            taxable, payroll.PERIODS_PER_YEAR[job["pay_frequency"]], w4["filing_status"], credits,
            c(w4["other_income"]), c(w4["deductions"]), c(w4["extra_withholding"]),
        )  # fmt: skip
        assert c(w4["federal_withholding_per_period"]) == federal
    assert sum(p["w2"]["box12a_code"] is not None for p in people) > 1000  # the codes are exercised
    assert any(p["w2"]["box14_other"] for p in people) and any(p["w2"]["box20_locality"] for p in people)


@FAST
@given(
    k=st.integers(0, 52), gross=st.integers(0, 4_000_000),
    parts=st.lists(st.integers(0, 300_000), min_size=6, max_size=6),
    limit=st.sampled_from([2_350_000, 3_100_000, 3_475_000]), state_ppm=st.integers(0, 140_000),
    local_ppm=st.integers(0, 40_000), pa=st.booleans(), sdi=st.sampled_from([None, "CASDI", "NJSDI", "NYSDI"]),
    frequency=st.sampled_from(list(payroll.PERIODS_PER_YEAR)),
)  # fmt: skip
def test_ytd_columns_equal_ytd(
    k: int, gross: int, parts: list[int], limit: int, state_ppm: int, local_ppm: int, pa: bool, sdi: str | None,
    frequency: str,
) -> None:  # fmt: skip
    retirement, roth, health, hsa, gtl, federal = parts
    plan = payroll.PayPlan(
        frequency, gross, retirement, roth, health, hsa, gtl, federal, limit, "PA" if pa else "CA", state_ppm, pa,
        local_ppm, sdi,
    )  # fmt: skip
    a = lambda v: np.array([v], dtype=np.int64)  # noqa: E731
    columns = payroll.ytd_columns(
        periods=a(k), gross=a(gross), retirement=a(retirement), roth=a(roth), health=a(health), hsa=a(hsa),
        gtl=a(gtl), federal=a(federal), deferral_limit=a(limit), state_rate_ppm=a(state_ppm),
        adds_back_deferrals=np.array([pa]), local_rate_ppm=a(local_ppm), sdi=[sdi],
        ny_sdi_cap=a(payroll.NY_SDI_CAP_PER_PERIOD[frequency]),
    )  # fmt: skip
    assert {key: int(v[0]) for key, v in columns.items()} == payroll.ytd(plan, k)


def test_core_identities_are_the_same_people() -> None:
    """Tables of people take the person, address and job stages alone: the same values."""
    full = identities_from_seeds(range(500, 540))
    core = core_identities(range(500, 540), with_job=True)
    for f, c in zip(full, core, strict=True):
        assert {k: v for k, v in c.items() if k not in ("job", "employer", "address", "annual_wage")} == {
            k: f[k] for k in c if k not in ("job", "employer", "address", "annual_wage")
        }
        assert (c["address"], c["job"], c["employer"]) == (f["address"], f["job"], f["employer"])


@FAST
@given(n=st.integers(min_value=1, max_value=3000), key=st.integers(min_value=0, max_value=2**64 - 1))
def test_keyed_permutation_is_a_bijection_computable_per_index(n: int, key: int) -> None:
    perm = KeyedPermutation(n, key)
    sample = range(min(n, 300))
    assert len({perm(i) for i in range(n)}) == n
    assert all(0 <= perm(i) < n for i in sample)
    assert [int(x) for x in perm.many(list(sample))] == [perm(i) for i in sample]


def test_derive_separates_its_parts() -> None:
    assert derive("ab", "c") != derive("a", "bc")
    assert derive(1, "x") == derive(1, "x") != derive(2, "x")


# ---- validity rules ----------------------------------------------------------------------------------


@given(area=st.integers(0, 999), group=st.integers(0, 99), serial=st.integers(0, 9999))
@settings(max_examples=300, deadline=None, database=None)
def test_ssn_rules(area: int, group: int, serial: int) -> None:
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    expected = area not in (0, 666) and area < 900 and group != 0 and serial != 0
    assert ssn_is_valid(ssn) == (expected and ssn not in ("078-05-1120", "219-09-9999"))


@given(first8=st.text("0123456789", min_size=8, max_size=8), wrong=st.integers(1, 9))
@settings(max_examples=200, deadline=None, database=None)
def test_aba_check_digit(first8: str, wrong: int) -> None:
    routing = first8 + str(aba_check_digit(first8))
    assert aba_is_valid(routing) == (
        first8[:2] in {f"{p:02d}" for p in (*range(13), *range(21, 33), *range(61, 73), 80)}
    )
    broken = routing[:8] + str((int(routing[8]) + wrong) % 10)
    assert not aba_is_valid(broken)


def test_known_identifiers() -> None:
    assert aba_is_valid("021000021") and aba_is_valid("121000248")
    assert npi_is_valid("1234567893") and not npi_is_valid("1234567890")
    assert luhn_check_digit("7992739871") == 3
    assert ein_is_valid("12-3456789") and not ein_is_valid("07-3456789") and not ein_is_valid("00-1234567")
    assert mbi_is_valid("1EG4-TE5-MK73") and not mbi_is_valid("1SG4-TE5-MK73")


@FAST
@given(seed=SEEDS, index=INDICES)
def test_every_identifier_is_valid_and_every_place_agrees(seed: int, index: int) -> None:
    ident = make_identity(seed, index)
    json.dumps(ident)
    people = [ident, *(p for p in [ident["spouse"]] if p), *ident["dependents"]]
    assert all(ssn_is_valid(p["ssn"]) for p in people)
    assert len({p["ssn"] for p in people}) == len(people)
    practice = documents.visit(ident)["practice"]  # drawn with the visit, only for health forms
    assert ein_is_valid(ident["employer"]["ein"]) and ein_is_valid(practice["tax_id"])
    assert aba_is_valid(ident["bank"]["routing"])
    assert npi_is_valid(ident["health"]["provider"]["npi"]) and npi_is_valid(practice["npi"])
    assert set(ident["health"]["conditions"]) <= set(tables().icd10)
    assert set(ident["health"]["procedures"]) <= set(tables().cpt)
    for place in (ident["address"], ident["employer"], practice, ident["bank"]):
        assert place["state"] in states_of_zip(place["zip"]), place
    for phone, state in (
        (ident["phone"], ident["address"]["state"]),
        (ident["employer"]["phone"], ident["employer"]["state"]),
        (practice["phone"], practice["state"]),
    ):
        assert state_of_area_code(_area(phone)) == state
    # Bank routing numbers start with the Federal Reserve district of the customer's state.
    assert int(ident["bank"]["routing"][:2]) % 20 == tables().states[ident["address"]["state"]].fed_district


@FAST
@given(seed=SEEDS, index=INDICES)
def test_household_hangs_together(seed: int, index: int) -> None:
    ident = make_identity(seed, index)
    status, spouse, deps = ident["filing_status"], ident["spouse"], ident["dependents"]
    assert (spouse is not None) == (status in ("mfj", "mfs"))
    assert status != "hoh" or deps
    assert status != "single" or not deps
    assert 18 <= ident["age"] <= 74
    born = date.fromisoformat(ident["dob"])
    assert born.year == 2025 - ident["age"]  # age is at the end of 2025
    for child in deps:
        assert date.fromisoformat(child["dob"]).year >= born.year + 18
        assert child["ctc"] == (date.fromisoformat(child["dob"]) > date(2007, 12, 31)) != child["odc"]
    if status == "mfj":  # every wage on the joint return has its W-2 in the packet
        assert spouse["occupation"] in tables().spouse_no_wage


def test_needs_bias_the_income_a_job_asks_for() -> None:
    plain = make_identities(5, 0, 40)
    assert 0 < sum(p["nec"] is not None for p in plain) < 40
    assert all(p["nec"] and p["interest"] for p in make_identities(5, 0, 40, needs=["nec", "interest"]))


# ---- realism -----------------------------------------------------------------------------------------


def test_distributions_look_like_the_us() -> None:
    people = make_identities(2024, 0, 3000)
    states = Counter(p["address"]["state"] for p in people)
    assert states.most_common(1)[0][0] == "CA" and len(states) > 40
    lasts = Counter(p["last_name"] for p in people)
    assert lasts["Smith"] >= max(lasts["Kowalski"], 1)
    wages = [p["w2"]["box5_medicare_wages"] for p in people if p["job"]["periods_paid"] >= 12]
    assert 35_000 < statistics.median(wages) < 75_000 and max(wages) > 150_000
    by_job = {
        t: statistics.median(p["job"]["period_gross"] for p in people if p["occupation"] == t)
        for t in ("Cashier", "Software Developer")
    }
    assert by_job["Software Developer"] > 2.5 * by_job["Cashier"]
    assert 0.05 < sum(p["nec"] is not None for p in people) / len(people) < 0.16


def test_shipped_place_table_is_consistent() -> None:
    t = tables()
    assert len(t.places_by_state) == 51
    for place in t.all_places:
        assert all(place.state in states_of_zip(z) for z in place.zips), place
        assert all(state_of_area_code(a) == place.state for a in place.area_codes), place
