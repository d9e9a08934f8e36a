"""The packet: every value any form's ``source`` path may point at, for one identity.

Forms only name dotted paths into this dict, so new forms reuse the same identity and tax math
without Python changes.  All sections are always computed (a few tens of microseconds) so a form's
sources resolve whatever other forms are in the job; W-2 and 1040 share the same numbers, which
is what makes multi-form jobs coherent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from symage_pipeline.identities.tax import f1040_amounts, w2_amounts

MAX_DEPENDENT_ROWS = 4
_PERSON_KEYS = ("first_name", "middle_initial", "last_name", "ssn", "dob", "occupation")


def _json_money(v: Any) -> Any:
    """Decimals become 2-dp floats: JSON-native, and str(float) round-trips the cents exactly."""
    if isinstance(v, Decimal):
        return float(v)
    return v


def _jsonify(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _json_money(v) for k, v in d.items()}


def _person_view(p: Mapping[str, Any] | None) -> dict[str, Any]:
    if p is None:
        return {k: None for k in (*_PERSON_KEYS, "first_name_initial", "full_name")}
    view = {k: p.get(k) for k in _PERSON_KEYS}
    view["first_name_initial"] = f"{p['first_name']} {p['middle_initial']}"
    view["full_name"] = f"{p['first_name']} {p['middle_initial']} {p['last_name']}"
    return view


def _address_view(a: Mapping[str, Any]) -> dict[str, Any]:
    street = a["street"] + (f" Apt {a['apt']}" if a.get("apt") else "")
    city_line = f"{a['city']}, {a['state']} {a['zip']}"
    return {
        "street": a["street"],
        "apt": a.get("apt"),
        "street_apt": street,
        "city": a["city"],
        "state": a["state"],
        "zip": a["zip"],
        "city_state_zip": city_line,
        "full": f"{street}\n{city_line}",
    }


def _dependent_rows(deps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for d in deps[:MAX_DEPENDENT_ROWS]:
        rows.append(
            {
                "name": f"{d['first_name']} {d['last_name']}",
                "first_name": d["first_name"],
                "last_name": d["last_name"],
                "ssn": d["ssn"],
                "relationship": d["relationship"],
                "dob": d["dob"],
                "ctc": bool(d["ctc"]),
                "odc": bool(d["odc"]),
            }
        )
    # Fixed-length so every dependent-row source path resolves; empty rows print blank.
    while len(rows) < MAX_DEPENDENT_ROWS:
        rows.append({k: None for k in ("name", "first_name", "last_name", "ssn", "relationship", "dob", "ctc", "odc")})
    return rows


def build_packet(identity: Mapping[str, Any], form_ids: Sequence[str] = ()) -> dict:
    """Assemble the packet; ``form_ids`` is accepted for callers' symmetry, all sections are built."""
    del form_ids  # every section is cheap and forms cross-reference each other (1040 needs the W-2)
    status = identity["filing_status"]
    fin = identity["finances"]
    employer = identity["employer"]
    address = _address_view(identity["address"])
    deps = identity.get("dependents") or []
    dependents = _dependent_rows(deps)

    w2 = w2_amounts(fin, identity["address"]["state"], status)
    f1040 = f1040_amounts(w2, fin, status, deps)

    person = _person_view(identity)
    person.update(
        suffix=identity.get("suffix"),
        phone=identity.get("phone"),
        email=identity.get("email"),
    )
    spouse = _person_view(identity.get("spouse"))
    employer_view = {
        "name": employer["name"],
        "ein": employer["ein"],
        "street": employer["street"],
        "city": employer["city"],
        "state": employer["state"],
        "zip": employer["zip"],
        "control_number": employer.get("control_number"),
        "name_address": f"{employer['name']}\n{employer['street']}\n"
        f"{employer['city']}, {employer['state']} {employer['zip']}",
    }

    spouse_raw = identity.get("spouse") or {}
    joint = status == "mfj"
    refund = f1040["line_35a"]
    bank = identity.get("bank") or {}
    direct = refund is not None and bool(bank.get("direct_deposit"))
    f1040_extra = {
        "filing_status": status,
        "status_single": status == "single",
        "status_mfj": status == "mfj",
        "status_mfs": status == "mfs",
        "status_hoh": status == "hoh",
        "status_qss": status == "qss",
        "digital_assets_yes": bool(identity.get("digital_assets")),
        "digital_assets_no": not identity.get("digital_assets"),
        "routing_number": bank.get("routing") if direct else None,
        "account_number": bank.get("account") if direct else None,
        "account_checking": direct and bank.get("type") == "checking",
        "account_savings": direct and bank.get("type") == "savings",
        "sign_date": identity.get("sign_date"),
        "spouse_sign_date": identity.get("sign_date") if status == "mfj" else None,
        "spouse_occupation": spouse_raw.get("occupation") if joint else None,
        # The 1040 name block carries the spouse only on joint returns; MFS names the spouse
        # next to the filing-status box instead, and both show the spouse's SSN.
        "spouse_first_name_initial": spouse["first_name_initial"] if joint else None,
        "spouse_last_name": spouse["last_name"] if joint else None,
        "spouse_ssn": spouse["ssn"],
        "mfs_spouse_name": spouse["full_name"] if status == "mfs" else None,
    }
    w2_view = _jsonify(w2)
    w2_view["box12_codes"] = [c for c in (w2[f"box12{s}_code"] for s in "abcd") if c]
    return {
        "identity_seed": identity.get("identity_seed"),
        "person": person,
        "spouse": spouse,
        "address": address,
        "employer": employer_view,
        "dependents": dependents,
        "w2": w2_view,
        "f1040": {**_jsonify(f1040), **f1040_extra},
    }
