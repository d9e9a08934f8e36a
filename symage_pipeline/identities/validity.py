"""The public validity rules of US identifiers, shared by the generator and the checker.

Why one module: the generator must only emit numbers that pass these rules, and the invariant
checker must test exactly the same rules, so both import them from here.
"""

from __future__ import annotations

import re

# IRS campus / online EIN prefixes (IRS "How EINs are assigned and valid EIN prefixes").
VALID_EIN_PREFIXES = frozenset(
    f"{p:02d}"
    for p in (
        *range(1, 7), *range(10, 17), *range(20, 28), *range(30, 49), *range(50, 69), *range(71, 78),
        *range(80, 89), *range(90, 96), 98, 99,
    )
)  # fmt: skip
# First two digits of an ABA routing number: Federal Reserve districts 01-12, thrifts 21-32,
# electronic 61-72, traveller's cheques 80 (00 = US government).
VALID_ABA_PREFIXES = frozenset(
    f"{p:02d}" for p in (*range(0, 13), *range(21, 33), *range(61, 73), 80)
)  # fmt: skip
USPS_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)
# Numbers the SSA has publicly voided (advertising samples), never issued to a person.
RETIRED_SSNS = frozenset({"078051120", "219099999"})

_SSN_RE = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
_EIN_RE = re.compile(r"^(\d{2})-?(\d{7})$")
_ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def ssn_is_valid(ssn: str) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    m = _SSN_RE.match(ssn.strip())
    if not m:
        return False
    area, group, serial = m.groups()
    if area == "000" or area == "666" or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return area + group + serial not in RETIRED_SSNS


def ein_is_valid(ein: str) -> bool:
    m = _EIN_RE.match(ein.strip())
    return bool(m) and m.group(1) in VALID_EIN_PREFIXES


def aba_check_digit(first8: str) -> int:
    """The ninth digit that makes 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10)."""
    d = [int(c) for c in first8]
    return (-(3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5]))) % 10


def aba_is_valid(routing: str) -> bool:
    r = routing.strip()
    return len(r) == 9 and r.isdigit() and r[:2] in VALID_ABA_PREFIXES and aba_check_digit(r[:8]) == int(r[8])


_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_check_digit(payload: str) -> int:
    """Luhn digit for ``payload`` (doubling starts at the rightmost payload digit)."""
    digits_ = [ord(c) - 48 for c in payload]
    total = sum(_LUHN_DOUBLE[d] for d in digits_[-1::-2]) + sum(digits_[-2::-2])
    return (10 - total % 10) % 10


def npi_check_digit(first9: str) -> int:
    """CMS: Luhn over the card-issuer prefix 80840 followed by the NPI's first nine digits."""
    return luhn_check_digit("80840" + first9)


def npi_is_valid(npi: str) -> bool:
    n = npi.strip()
    return len(n) == 10 and n.isdigit() and n[0] in "12" and npi_check_digit(n[:9]) == int(n[9])


def zip_is_valid(zip_code: str) -> bool:
    z = zip_code.strip()
    return (len(z) == 5 and z.isdigit()) or (len(z) == 10 and z[5] == "-" and (z[:5] + z[6:]).isdigit())


def icd10_is_well_formed(code: str) -> bool:
    return bool(_ICD10_RE.match(code.strip()))


# Medicare Beneficiary Identifier: 11 characters, positions fixed as numeric / alphabetic /
# either; the letters S, L, O, I, B and Z are never used.
MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"
_MBI_ALPHA = MBI_ALPHA
_MBI_RE = re.compile(
    rf"^[1-9][{_MBI_ALPHA}][{_MBI_ALPHA}0-9][0-9][{_MBI_ALPHA}][{_MBI_ALPHA}0-9][0-9][{_MBI_ALPHA}]{{2}}[0-9]{{2}}$"
)


def mbi_is_valid(mbi: str) -> bool:
    return bool(_MBI_RE.match(mbi.replace("-", "").strip()))
