"""Identity-derived column types: every one reads the block's people from the identity graph the
documents use, so a row's name, SSN, date of birth, address, ZIP, phone and email agree with each
other, and row i of a table seeded S is the person on item i of a document job seeded S."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import numpy as np

from symage_pipeline.identities.tables import tables
from symage_pipeline.tabular.types import Block, ColumnType, ConstraintError, Param

Field = Callable[[dict[str, Any]], Any]


def _full_address(p: dict[str, Any]) -> str:
    a = p["address"]
    apt = f" Apt {a['apt']}" if a.get("apt") else ""
    return f"{a['street']}{apt}, {a['city']}, {a['state']} {a['zip']}"


def _username(p: dict[str, Any]) -> str:
    return f"{p['first_name'][0]}{p['last_name']}{p['ssn'][-2:]}".lower().replace(" ", "").replace("'", "")


def _field(get: Field, *, job: bool = False, description: str, name: str) -> ColumnType:
    def make(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
        return np.array([get(p) for p in block.people], dtype=object)

    return ColumnType(name, "identity", description, make, needs_people=True, needs_job=job)


def _dated(get: Field, *, job: bool = False, description: str, name: str) -> ColumnType:
    """A date of the identity, in ISO form or a strftime `format`."""

    def make(block: Block, rng: np.random.Generator, c: Mapping[str, Any]) -> np.ndarray:
        values = [get(p) for p in block.people]
        if c["format"] != "%Y-%m-%d":
            values = [date.fromisoformat(v).strftime(c["format"]) for v in values]
        return np.array(values, dtype=object)

    def check(c: Mapping[str, Any]) -> None:
        try:
            date(2024, 1, 31).strftime(c["format"])
        except ValueError as exc:
            raise ConstraintError("format", f"format is not a valid strftime pattern: {exc}") from None

    return ColumnType(name, "identity", description, make, {"format": Param("string", "%Y-%m-%d", 1, 64)}, check,
                      needs_people=True, needs_job=job)  # fmt: skip


def _state_name(p: dict[str, Any]) -> str:
    return tables().states[p["address"]["state"]].name


PEOPLE_TYPES: list[ColumnType] = [
    _field(lambda p: p["first_name"], name="text_first_name", description="First name from synthetic identity"),
    _field(lambda p: p["last_name"], name="text_last_name", description="Last name"),
    _field(lambda p: p["middle_name"], name="text_middle_name", description="Middle name"),
    _field(lambda p: f"{p['first_name']} {p['last_name']}", name="text_full_name", description="Full name"),
    _field(lambda p: p["ssn"], name="ssn", description="SSN (###-##-####), SSA-valid"),
    _dated(lambda p: p["dob"], name="identity_dob", description="Date of birth (agrees with the age)"),
    _field(lambda p: p["age"], name="identity_age", description="Age in years at the end of 2025"),
    _field(lambda p: p["gender"], name="identity_gender", description="Gender (M/F)"),
    _field(lambda p: p["address"]["street"], name="address_street", description="Street address"),
    _field(lambda p: p["address"]["city"], name="address_city", description="City"),
    _field(lambda p: p["address"]["state"], name="address_state", description="State abbreviation"),
    _field(_state_name, name="address_state_name", description="State name"),
    _field(lambda p: p["address"]["zip"], name="address_zip", description="ZIP code of the city"),
    _field(_full_address, name="address_full", description="Street, city, state and ZIP on one line"),
    _field(lambda p: p["phone"], name="phone", description="Phone number with the city's area code"),
    _field(lambda p: p["email"], name="email", description="Email address derived from the name"),
    _field(_username, name="username", description="Username derived from the name"),
    _field(lambda p: p["employer"]["name"], job=True, name="employer", description="Employer name"),
    _field(lambda p: p["employer"]["ein"], job=True, name="employer_ein", description="Employer's EIN"),
    _field(lambda p: p["job"]["title"], job=True, name="job_title", description="Job title (occupation)"),
    _field(lambda p: round(p["annual_wage"]), job=True, name="income",
           description="Annual gross pay of the identity's job (whole dollars)"),  # fmt: skip
    _dated(lambda p: p["job"]["hire_date"], job=True, name="hire_date", description="Hire date at the employer"),
]
