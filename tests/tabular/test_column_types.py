"""Every column type over a large sample: constraints hold, check digits are valid, identity
columns agree within a row and with the documents' identities, and the same seed gives the same table."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symage_pipeline.errors import SymageError
from symage_pipeline.identities import make_identity
from symage_pipeline.identities.tables import tables
from symage_pipeline.identities.validity import aba_is_valid, ein_is_valid, npi_is_valid, ssn_is_valid
from symage_pipeline.tabular import REGISTRY, TabularSpec, table, validate_columns
from symage_pipeline.tabular.synthetic import luhn_digit

ROWS = 5000


def make(columns: list[dict], rows: int = ROWS, seed: int = 9):
    return table(TabularSpec(columns=validate_columns(columns), rows=rows, seed=seed))


def one(type_: str, rows: int = ROWS, **constraints):
    return make([{"name": "v", "type": type_, "constraints": constraints}], rows)["v"]


def test_there_are_at_least_fifty_types_and_each_makes_a_full_column() -> None:
    assert len(REGISTRY) >= 50
    for name in REGISTRY:
        c = {"values": ["a", "b"]} if name == "custom_enum" else {}
        column = one(name, rows=1200, **c)
        assert len(column) == 1200 and column.notna().all(), name


@settings(max_examples=40, deadline=None)
@given(lo=st.integers(-10**6, 10**6), span=st.integers(0, 10**6),
       dist=st.sampled_from(["uniform", "normal", "lognormal", "poisson", "exponential"]))  # fmt: skip
def test_integers_stay_in_range_for_every_distribution(lo: int, span: int, dist: str) -> None:
    values = one("number_integer", rows=2000, min=lo, max=lo + span, distribution_type=dist)
    assert values.dtype.kind == "i" and values.min() >= lo and values.max() <= lo + span


@settings(max_examples=30, deadline=None)
@given(lo=st.floats(-1e6, 1e6), span=st.floats(0, 1e6), decimals=st.integers(0, 6))
def test_decimals_stay_in_range_with_their_decimals(lo: float, span: float, decimals: int) -> None:
    values = one("number_decimal", rows=1000, min=lo, max=lo + span, decimals=decimals).to_numpy()
    assert (values >= round(lo, decimals) - 10**-decimals).all() and (values <= lo + span + 10**-decimals).all()
    assert np.allclose(values, np.round(values, decimals))


def test_normal_distribution_has_its_mean_and_spread() -> None:
    values = one("number_decimal", rows=20000, min=-1000, max=1000, distribution_type="normal",
                 distribution_params={"mean": 100, "std": 15})  # fmt: skip
    assert abs(values.mean() - 100) < 0.5 and abs(values.std() - 15) < 0.5
    poisson = one("number_integer", rows=20000, min=0, max=100, distribution_type="poisson",
                  distribution_params={"lam": 4})  # fmt: skip
    assert abs(poisson.mean() - 4) < 0.1


def test_enum_weights_within_statistical_tolerance() -> None:
    values = one("custom_enum", rows=20000, values=["a", "b", "c"], weights=[70, 20, 10])
    shares = values.value_counts(normalize=True)
    for v, p in {"a": 0.7, "b": 0.2, "c": 0.1}.items():
        assert abs(shares[v] - p) < 4 * (p * (1 - p) / 20000) ** 0.5 + 0.002


def test_boolean_probability_and_null_rate() -> None:
    assert abs(one("boolean", rows=20000, probability=0.3).mean() - 0.3) < 0.02
    values = one("number_integer", rows=20000, null_rate=0.25)
    assert abs(values.isna().mean() - 0.25) < 0.02 and str(values.dtype) == "Int64"


def test_dates_and_datetimes_stay_in_their_ranges() -> None:
    days = one("date", start="2024-02-01", end="2024-02-29")
    assert days.min() >= "2024-02-01" and days.max() <= "2024-02-29" and days.nunique() == 29
    us = one("date", rows=100, start="2024-01-01", end="2024-12-31", format="%m/%d/%Y")
    assert all(re.fullmatch(r"\d\d/\d\d/2024", d) for d in us)
    moments = one("datetime", start="2025-06-01T08:00:00", end="2025-06-01T09:00:00")
    assert moments.min() >= "2025-06-01T08:00:00" and moments.max() <= "2025-06-01T09:00:00"
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in one("time", rows=100))


def test_masks_and_patterns() -> None:
    assert all(re.fullmatch(r"[A-Z]{2}-\d{4}-[a-z][A-Z0-9]", v) for v in one("custom_mask", mask="AA-9999-aX"))
    assert all(re.fullmatch(r"INV-\d{3,6}[A-C]?", v) for v in one("custom_regex", pattern=r"INV-\d{3,6}[A-C]?"))
    lengths = one("custom_regex", pattern=r"\d{3,6}").str.len()
    assert set(lengths) == {3, 4, 5, 6}
    assert one("custom_mask", rows=3, mask=r"\A\9-9").str.fullmatch(r"A9-\d").all()


def test_codes_carry_valid_check_digits() -> None:
    def luhn_ok(number: str) -> bool:
        digits = np.array([[int(c) for c in number[:-1]]])
        return int(number[-1]) == luhn_digit(digits)[0]

    cards = one("credit_card")
    assert all(luhn_ok(c) for c in cards)
    amex = one("credit_card", brand="amex")
    assert {c[0] for c in amex} == {"3"} and set(amex.str.len()) == {15}
    assert all(aba_is_valid(r) for r in one("aba_routing"))
    assert all(ein_is_valid(e) for e in one("ein"))
    assert all(npi_is_valid(n) for n in one("npi"))
    for country in ("DE", "GB", "FR", "IT", "NL"):
        for iban in one("iban", rows=300, country=country):
            moved = iban[4:] + iban[:4]
            assert int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1, iban
    for isbn in one("isbn13", rows=300):
        assert sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn)) % 10 == 0
    assert set(one("icd10")) <= set(tables().icd10_codes)
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
               for u in one("uuid"))  # fmt: skip
    assert one("uuid").nunique() == ROWS


def test_sequence_counts_rows_across_blocks() -> None:
    values = one("sequence", rows=2500, start=100, step=2, prefix="C-", pad=6)
    assert list(values[:2]) == ["C-000100", "C-000102"] and values.iloc[-1] == f"C-{100 + 2 * 2499:06d}"


def test_identity_columns_agree_within_a_row_and_with_the_documents() -> None:
    columns = ["text_first_name", "text_last_name", "text_full_name", "ssn", "identity_dob", "identity_age",
               "address_city", "address_state", "address_zip", "phone", "email", "employer", "income"]  # fmt: skip
    frame = make([{"name": c, "type": c} for c in columns], rows=1500, seed=42)
    t = tables()
    for i in (0, 999, 1000, 1499):  # both sides of a block boundary
        row = frame.iloc[i]
        person = make_identity(42, i)
        assert row["text_first_name"] == person["first_name"] and row["ssn"] == person["ssn"]
        assert row["address_zip"] == person["address"]["zip"] and row["phone"] == person["phone"]
        assert row["employer"] == person["employer"]["name"]
    for row in frame.itertuples():
        assert row.text_full_name == f"{row.text_first_name} {row.text_last_name}"
        assert ssn_is_valid(row.ssn)
        born = date.fromisoformat(row.identity_dob)
        assert (date(2025, 12, 31) - born).days // 365.25 in (row.identity_age, row.identity_age - 1)
        place = t.place_of[(row.address_state, row.address_city)]
        assert row.address_zip in place.zips and row.phone[1:4] in place.area_codes
        assert row.email.startswith(f"{row.text_first_name}.{row.text_last_name}".lower().replace(" ", "")[:3])


def test_same_seed_same_table_other_seed_other_table() -> None:
    columns = [{"name": n, "type": n} for n in ("text_first_name", "uuid", "number_integer", "date")]
    assert make(columns, 3000, seed=1).equals(make(columns, 3000, seed=1))
    assert not make(columns, 3000, seed=1).equals(make(columns, 3000, seed=2))


@pytest.mark.parametrize(
    ("column", "constraint"),
    [
        ({"type": "number_integer", "constraints": {"min": 5, "max": 1}}, "min"),
        ({"type": "number_integer", "constraints": {"distribution_type": "zipf"}}, "distribution_type"),
        ({"type": "number_integer", "constraints": {"distribution_type": "normal", "distribution_params": {"std": -1}}},
         "distribution_params"),
        ({"type": "custom_enum", "constraints": {}}, "values"),
        ({"type": "custom_enum", "constraints": {"values": ["a"], "weights": [-1]}}, "weights"),
        ({"type": "date", "constraints": {"start": "2025-01-01", "end": "2024-01-01"}}, "start"),
        ({"type": "custom_regex", "constraints": {"pattern": "(a|b)"}}, "pattern"),
        ({"type": "boolean", "constraints": {"probability": 2}}, "probability"),
        ({"type": "uuid", "constraints": {"lenght": 3}}, "lenght"),
        ({"type": "number_decimal", "constraints": {"decimals": 11}}, "decimals"),
    ],
)  # fmt: skip
def test_bad_constraints_name_the_column_and_the_constraint(column: dict, constraint: str) -> None:
    with pytest.raises(SymageError) as caught:
        validate_columns([{"name": "col", **column}])
    assert caught.value.status == 400 and caught.value.code == "invalid_constraints"
    assert caught.value.details["column"] == "col" and caught.value.details["constraint"] == constraint
