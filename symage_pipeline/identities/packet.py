"""The packet: every value any form's ``source`` path may point at, for one identity.

Forms only name dotted paths into this dict (``w2.box1_wages``, ``paystub.net_ytd``, ...), so a
new form reuses the same identity, payroll and tax math without Python changes.  One packet feeds
every form of an item, which is what makes a packet of documents tie out: the W-2 is the pay
stub's year-to-date, the bank statement's payroll deposit is the pay stub's net pay, the 1040
reads the W-2 and the 1099s, the claim and the intake form describe the same visit.

Sections are cheap but not free; ``sections`` (the first path segments the job's forms read)
limits the work to what is needed.  ``None`` builds everything.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from symage_pipeline.identities import documents, payroll
from symage_pipeline.identities.tax import f1040_amounts
from symage_pipeline.identities.validity import VALID_EIN_PREFIXES

MAX_DEPENDENT_ROWS = 4
STATEMENT_ROWS = documents.STATEMENT_ROWS
CLAIM_LINES = 6
INVOICE_LINES = 6
BORN_BEFORE_1960 = date(1960, 1, 2)  # 65 or older on the 2024 return
SECTIONS = (
    "identity_seed", "person", "spouse", "address", "employer", "dependents", "w2", "f1040", "w4",
    "paystub", "statement", "nec", "int", "w9", "claim", "intake", "invoice",
)  # fmt: skip
_STATUS_LABEL = {
    "single": "Single",
    "mfj": "Married filing jointly",
    "mfs": "Married filing separately",
    "hoh": "Head of household",
    "qss": "Qualifying surviving spouse",
}
_W4_LABEL = {"single": "Single", "mfj": "Married", "hoh": "Head of household"}
_INT_BLANK_BOXES = (
    "box2", "box3", "box4", "box5", "box6", "box7", "box8", "box9", "box10", "box11", "box12", "box13", "box14",
    "box15", "box16", "box17",
)  # fmt: skip
_ENTITY_KEYS = (
    "street", "apt", "street_apt", "city", "state", "zip", "city_state_zip", "full", "one_line", "name", "phone",
    "name_address", "name_address_phone", "tin", "npi", "rtn",
)  # fmt: skip
_EMPTY_ENTITY = dict.fromkeys(_ENTITY_KEYS)
_FREQ_LABEL = {"weekly": "Weekly", "biweekly": "Biweekly", "semimonthly": "Semi-monthly", "monthly": "Monthly"}


def _d(amount: int | None) -> float | None:
    """Cents to JSON-friendly dollars; None stays None (a blank box)."""
    return None if amount is None else amount / 100


def _nz(amount: int) -> float | None:
    """Optional amounts print blank rather than 0.00, as on real documents."""
    return amount / 100 if amount else None


def _json_money(v: Any) -> Any:
    """Decimals become 2-dp floats: JSON-native, and str(float) round-trips the cents exactly."""
    return float(v) if isinstance(v, Decimal) else v


def _person_view(p: Mapping[str, Any] | None) -> dict[str, Any]:
    keys = (
        "first_name", "middle_name", "middle_initial", "last_name", "suffix", "ssn", "dob", "age", "gender",
        "occupation", "first_name_initial", "full_name", "last_first", "ssn_masked", "ssn_last4", "sex_male",
        "sex_female", "relationship",
    )  # fmt: skip
    if p is None:
        return dict.fromkeys(keys)
    first, mi, last = p["first_name"], p["middle_initial"], p["last_name"]
    return {
        "first_name": first,
        "middle_name": p.get("middle_name"),
        "middle_initial": mi,
        "last_name": last,
        "suffix": p.get("suffix"),
        "ssn": p["ssn"],
        "dob": p["dob"],
        "age": p.get("age"),
        "gender": p.get("gender"),
        "occupation": p.get("occupation"),
        "first_name_initial": f"{first} {mi}",
        "full_name": f"{first} {mi} {last}",
        "last_first": f"{last.upper()}, {first.upper()} {mi}",
        "ssn_masked": "XXX-XX-" + p["ssn"][-4:],
        "ssn_last4": p["ssn"][-4:],
        "sex_male": p.get("gender") == "M",
        "sex_female": p.get("gender") == "F",
        "relationship": p.get("relationship"),
    }


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
        "one_line": f"{street}, {city_line}",
    }


def _entity_view(name: str, a: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """A business or institution: name, address views and the combined name-and-address block."""
    view = _address_view(a)
    view.update(
        name=name,
        phone=a.get("phone"),
        name_address=f"{name}\n{view['street_apt']}\n{view['city_state_zip']}",
        name_address_phone=f"{name}\n{view['street_apt']}\n{view['city_state_zip']}"
        + (f"\n{a['phone']}" if a.get("phone") else ""),
        **extra,
    )
    return view


def _dependent_rows(deps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    keys = ("name", "first_name", "last_name", "ssn", "relationship", "dob", "ctc", "odc")
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
    while len(rows) < MAX_DEPENDENT_ROWS:  # fixed length so every row's source path resolves
        rows.append(dict.fromkeys(keys))
    return rows


def _nec_profit(identity: Mapping[str, Any]) -> Decimal:
    nec = identity.get("nec")
    if not nec:
        return Decimal(0)
    gross = Decimal(str(nec["amount"]))
    return (gross * (1 - Decimal(str(nec["expense_ratio"])))).quantize(Decimal("0.01"))


def _f1040(identity: Mapping[str, Any], w2: Mapping[str, Any]) -> dict[str, Any]:
    status = identity["filing_status"]
    spouse = identity.get("spouse")
    deps = identity.get("dependents") or []
    joint = status == "mfj"
    old_self = date.fromisoformat(identity["dob"]) < BORN_BEFORE_1960
    old_spouse = joint and spouse is not None and date.fromisoformat(spouse["dob"]) < BORN_BEFORE_1960
    dividends = identity.get("dividends") or {}
    interest = identity.get("interest") or {}
    fin = {
        "taxable_interest": interest.get("amount"),
        "ordinary_dividends": dividends.get("ordinary"),
        "qualified_dividends": dividends.get("qualified"),
        "capital_gain_distributions": dividends.get("capital_gain_distributions"),
        "business_profit": _nec_profit(identity),
        "student_loan_interest": identity.get("student_loan_interest"),
    }
    amounts = f1040_amounts(w2, fin, status, deps, boxes_65=int(old_self) + int(old_spouse))
    bank = identity.get("bank") or {}
    refund = amounts["line_35a"]
    direct = refund is not None and bool(bank.get("direct_deposit_refund"))
    spouse_view = _person_view(spouse)
    extra = {
        "filing_status": status,
        "status_single": status == "single",
        "status_mfj": joint,
        "status_mfs": status == "mfs",
        "status_hoh": status == "hoh",
        "status_qss": status == "qss",
        "born_before_1960": old_self,
        "spouse_born_before_1960": old_spouse,
        "digital_assets_yes": bool(identity.get("digital_assets")),
        "digital_assets_no": not identity.get("digital_assets"),
        "routing_number": bank.get("routing") if direct else None,
        "account_number": bank.get("account") if direct else None,
        "account_checking": direct and bank.get("account_type") == "checking",
        "account_savings": direct and bank.get("account_type") == "savings",
        "sign_date": identity.get("tax_sign_date"),
        "spouse_sign_date": identity.get("tax_sign_date") if joint else None,
        "spouse_occupation": (spouse or {}).get("occupation") if joint else None,
        # The 1040 name block carries the spouse only on joint returns; MFS names the spouse next
        # to the filing-status box instead, and both show the spouse's SSN.
        "spouse_first_name_initial": spouse_view["first_name_initial"] if joint else None,
        "spouse_last_name": spouse_view["last_name"] if joint else None,
        "spouse_ssn": spouse_view["ssn"],
        "mfs_spouse_name": spouse_view["full_name"] if status == "mfs" else None,
    }
    return {**{k: _json_money(v) for k, v in amounts.items()}, **extra}


def _paystub(identity: Mapping[str, Any], employer: Mapping[str, Any]) -> dict[str, Any]:
    job, ben, bank = identity["job"], identity["benefits"], identity["bank"]
    plan = payroll.plan_from(identity)
    periods = payroll.paid_periods(job["pay_frequency"], job["pay_anchor"], date.fromisoformat(job["hire_date"]))
    k = len(periods)
    start, end, pay_date = periods[-1]
    y, c = payroll.ytd(plan, k), payroll.current(plan, k)
    deductions_c = c["retirement"] + c["roth"] + c["health"] + c["hsa"]
    deductions_y = y["retirement"] + y["roth"] + y["health"] + y["hsa"]
    taxes_c = c["federal"] + c["social_security"] + c["medicare"] + c["state_tax"] + c["local_tax"] + c["sdi"]
    taxes_y = y["federal"] + y["social_security"] + y["medicare"] + y["state_tax"] + y["local_tax"] + y["sdi"]
    hourly = job["pay_type"] == "hourly"
    return {
        "employer_name": employer["name"],
        "employer_name_address": employer["name_address"],
        "employee_id": job["employee_id"],
        "pay_type": "Hourly" if hourly else "Salary",
        "pay_frequency": _FREQ_LABEL[job["pay_frequency"]],
        "federal_status": _W4_LABEL[identity["w4"]["filing_status"]],
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "pay_date": pay_date.isoformat(),
        "advice_number": f"{int(job['employee_id']) % 9000 + 1000}{k:02d}",
        "rate": job["hourly_rate"] if hourly else None,
        "hours": f"{job['hours_per_period']:.2f}" if hourly else None,
        "regular_current": _d(c["gross"]),
        "regular_ytd": _d(y["gross"]),
        "gtl_current": _nz(c["gtl"]),
        "gtl_ytd": _nz(y["gtl"]),
        "gross_current": _d(c["gross"]),
        "gross_ytd": _d(y["gross"]),
        "retirement_label": f"{ben['retirement_plan']} pre-tax",
        "retirement_current": _nz(c["retirement"]) if y["retirement"] else None,
        "retirement_ytd": _nz(y["retirement"]),
        "roth_current": _nz(c["roth"]) if y["roth"] else None,
        "roth_ytd": _nz(y["roth"]),
        "health_current": _nz(c["health"]),
        "health_ytd": _nz(y["health"]),
        "hsa_current": _nz(c["hsa"]),
        "hsa_ytd": _nz(y["hsa"]),
        "federal_current": _d(c["federal"]),
        "federal_ytd": _d(y["federal"]),
        "social_security_current": _d(c["social_security"]),
        "social_security_ytd": _d(y["social_security"]),
        "medicare_current": _d(c["medicare"]),
        "medicare_ytd": _d(y["medicare"]),
        "state_label": f"{identity['address']['state']} income tax" if plan.state_rate_ppm else "State income tax",
        "state_current": _d(c["state_tax"]) if plan.state_rate_ppm else None,
        "state_ytd": _d(y["state_tax"]) if plan.state_rate_ppm else None,
        "local_label": f"{job['locality']} local tax" if plan.local_rate_ppm else "Local tax",
        "local_current": _d(c["local_tax"]) if plan.local_rate_ppm else None,
        "local_ytd": _d(y["local_tax"]) if plan.local_rate_ppm else None,
        "sdi_label": plan.sdi or "SDI",
        "sdi_current": _d(c["sdi"]) if plan.sdi else None,
        "sdi_ytd": _d(y["sdi"]) if plan.sdi else None,
        "deductions_current": _d(deductions_c),
        "deductions_ytd": _d(deductions_y),
        "taxes_current": _d(taxes_c),
        "taxes_ytd": _d(taxes_y),
        "net_current": _d(c["net"]),
        "net_ytd": _d(y["net"]),
        "deposit_bank": bank["name"],
        "deposit_account": "XXXXXX" + bank["account"][-4:],
        "deposit_amount": _d(c["net"]),
    }


def _statement(identity: Mapping[str, Any], person: Mapping[str, Any], address: Mapping[str, Any]) -> dict[str, Any]:
    bank = identity["bank"]
    s = documents.statement(identity)
    rows = []
    for line in s["lines"][:STATEMENT_ROWS]:
        amount = line["amount"]
        rows.append(
            {
                "date": line["date"].isoformat(),
                "description": line["description"],
                "deposit": _d(amount) if amount >= 0 else None,
                "withdrawal": _d(-amount) if amount < 0 else None,
                "balance": _d(line["balance"]),
            }
        )
    while len(rows) < STATEMENT_ROWS:
        rows.append(dict.fromkeys(("date", "description", "deposit", "withdrawal", "balance")))
    return {
        "bank": _entity_view(bank["name"], bank),
        "customer_name": person["full_name"].upper(),
        "customer_address": address["full"].upper(),
        "account_number": bank["account"],
        "routing_number": bank["routing"],
        "account_type": "Checking" if bank["account_type"] == "checking" else "Savings",
        "period_start": s["start"].isoformat(),
        "period_end": s["end"].isoformat(),
        "opening": _d(s["opening"]),
        "deposits": _d(s["deposits"]),
        "withdrawals": _d(s["withdrawals"]),
        "closing": _d(s["closing"]),
        "deposit_count": s["deposit_count"],
        "withdrawal_count": s["withdrawal_count"],
        "rows": rows,
    }


def _claim(identity: Mapping[str, Any], visit: Mapping[str, Any]) -> dict[str, Any]:
    health = identity["health"]
    program = health["program"]
    insured = _person_view(identity)
    patient = _person_view(visit["patient"])
    patient_address = _address_view(identity["address"])
    provider = health["provider"]
    prov_name = f"{provider['first_name']} {provider['last_name']} {provider['credential']}"
    practice = visit["practice"]
    billing = _entity_view(practice["name"], practice, npi=practice["npi"])
    dx = list(health["conditions"]) + [None] * (12 - len(health["conditions"]))
    lines = []
    for line in visit["lines"][:CLAIM_LINES]:
        lines.append(
            {
                "date_from": visit["service_date"].isoformat(),
                "date_to": visit["service_date"].isoformat(),
                "place_of_service": line["place_of_service"],
                "emg": None,
                "procedure": line["code"],
                "modifier": line["modifier"],
                "pointer": line["pointer"],
                "charges": _d(line["charge"]),
                "units": line["units"],
                "npi": provider["npi"],
            }
        )
    while len(lines) < CLAIM_LINES:
        lines.append(
            dict.fromkeys(
                (
                    "date_from",
                    "date_to",
                    "place_of_service",
                    "emg",
                    "procedure",
                    "modifier",
                    "pointer",
                    "charges",
                    "units",
                    "npi",
                )
            )  # fmt: skip
        )
    relationship = visit["relationship"]
    referring = visit["referring"] or {}
    return {
        "payer": _entity_view(health["payer"]["name"], health["payer"]),
        "program_medicare": program == "medicare",
        "program_medicaid": program == "medicaid",
        "program_tricare": False,
        "program_champva": False,
        "program_group": program == "group",
        "program_feca": False,
        "program_other": program == "other",
        "insured_id": health["member_id"],
        "patient": patient,
        "patient_address": patient_address,
        "patient_phone": identity["phone"],
        "relationship_self": relationship == "self",
        "relationship_spouse": relationship == "spouse",
        "relationship_child": relationship == "child",
        "relationship_other": False,
        "insured": insured,
        "insured_address": patient_address,
        "insured_phone": identity["phone"],
        "insured_group": health["group_number"] or ("NONE" if program in ("medicare", "medicaid") else None),
        "plan_name": health["plan_name"],
        "other_plan_no": True,
        "condition_employment_no": True,
        "condition_auto_no": True,
        "condition_other_no": True,
        "patient_signature": "SIGNATURE ON FILE",
        "patient_signed": visit["signed"].isoformat(),
        "insured_signature": "SIGNATURE ON FILE",
        "illness_date": visit["illness_date"].isoformat() if visit["illness_date"] else None,
        "illness_qualifier": "431" if visit["illness_date"] else None,
        "referring_name": referring.get("name"),
        "referring_qualifier": "DN" if referring else None,
        "referring_npi": referring.get("npi"),
        "outside_lab_no": True,
        "icd_indicator": "0",
        "diagnoses": dx,
        "lines": lines,
        "tax_id": practice["tax_id"],
        "tax_id_ein": True,
        "patient_account": visit["patient_account"],
        "accept_yes": visit["accept_assignment"],
        "accept_no": not visit["accept_assignment"],
        "total_charge": _d(visit["total"]),
        "amount_paid": _nz(visit["amount_paid"]),
        "physician_signature": prov_name,
        "physician_signed": visit["signed"].isoformat(),
        "facility": billing,
        "billing": billing,
    }


def _intake(identity: Mapping[str, Any], visit: Mapping[str, Any], employer: Mapping[str, Any]) -> dict[str, Any]:
    health = identity["health"]
    patient = _person_view(visit["patient"])
    provider = health["provider"]
    holder = _person_view(identity)
    marital = identity["marital_status"] if visit["relationship"] != "child" else "single"
    return {
        "visit_date": visit["service_date"].isoformat(),
        "patient": patient,
        "address": _address_view(identity["address"]),
        "phone": identity["phone"],
        "email": identity["email"] if visit["relationship"] == "self" else None,
        "marital_single": marital == "single",
        "marital_married": marital == "married",
        "employer": employer["name"] if visit["relationship"] == "self" else None,
        "occupation": identity["occupation"] if visit["relationship"] == "self" else None,
        "emergency": visit["emergency_contact"],
        "payer": health["payer"]["name"],
        "plan_name": health["plan_name"],
        "member_id": health["member_id"],
        "group_number": health["group_number"],
        "holder_name": holder["full_name"],
        "holder_dob": holder["dob"],
        "holder_relationship": visit["relationship"].title(),
        "pcp": f"{provider['first_name']} {provider['last_name']}, {provider['credential']}",
        "reason": visit["reason"],
        "allergies": visit["allergies"],
        "signed": visit["service_date"].isoformat(),
    }


def _invoice(identity: Mapping[str, Any], person: Mapping[str, Any], address: Mapping[str, Any]) -> dict[str, Any]:
    inv = documents.invoice(identity)
    if inv is None:  # every path still resolves, to blanks
        return {
            **dict.fromkeys(("from_name", "from_address", "from_phone", "from_email", "number", "date", "due",
                             "terms", "subtotal", "tax_rate", "tax", "total", "paid", "balance", "w9_signed")),
            "bill_to": _EMPTY_ENTITY,
            "lines": [dict.fromkeys(("description", "quantity", "rate", "amount")) for _ in range(INVOICE_LINES)],
        }  # fmt: skip
    payer = identity["nec"]["payer"]
    lines = [
        {
            "description": line["description"],
            "quantity": line["quantity"],
            "rate": _d(line["rate"]),
            "amount": _d(line["amount"]),
        }
        for line in inv["lines"][:INVOICE_LINES]
    ]
    while len(lines) < INVOICE_LINES:
        lines.append(dict.fromkeys(("description", "quantity", "rate", "amount")))
    return {
        "from_name": person["full_name"],
        "from_address": address["full"],
        "from_phone": identity["phone"],
        "from_email": identity["email"],
        "number": inv["number"],
        "date": inv["date"].isoformat(),
        "due": inv["due"].isoformat(),
        "terms": f"Net {inv['terms_days']}",
        "bill_to": _entity_view(payer["name"], payer),
        "lines": lines,
        "subtotal": _d(inv["subtotal"]),
        "tax_rate": "0.00%",
        "tax": _d(inv["tax"]),
        "total": _d(inv["total"]),
        "paid": _d(inv["paid"]),
        "balance": _d(inv["balance"]),
        "w9_signed": inv["w9_signed"].isoformat(),
    }


def build_packet(
    identity: Mapping[str, Any], form_ids: Sequence[str] = (), sections: Collection[str] | None = None
) -> dict[str, Any]:
    """Assemble the packet; ``form_ids`` is accepted for callers' symmetry, ``sections`` limits work."""
    del form_ids  # what to build is decided by the sections the forms read
    want = set(SECTIONS) if sections is None else set(sections)
    if want & {"claim", "intake"}:
        want.add("visit")
    if want & {"w9"}:
        want.add("invoice")
    person = _person_view(identity)
    person.update(
        phone=identity.get("phone"),
        email=identity.get("email"),
        occupation=identity.get("occupation"),
        marital_status=identity.get("marital_status"),
    )
    address = _address_view(identity["address"])
    emp = identity["employer"]
    employer = _entity_view(
        emp["name"],
        emp,
        ein=emp["ein"],
        control_number=emp.get("control_number"),
        state_id=emp.get("state_id"),
    )
    w2 = dict(identity["w2"])
    w2["box12_codes"] = [c for c in (w2[f"box12{s}_code"] for s in "abcd") if c]
    packet: dict[str, Any] = {
        "identity_seed": identity.get("identity_seed"),
        "person": person,
        "spouse": _person_view(identity.get("spouse")),
        "address": address,
        "employer": employer,
        "dependents": _dependent_rows(identity.get("dependents") or []),
        "w2": w2,
    }
    if "f1040" in want:
        packet["f1040"] = _f1040(identity, w2)
    if "w4" in want:
        w4 = identity["w4"]
        credits = w4["children_amount"] + w4["other_dependents_amount"]
        packet["w4"] = {
            "status_single": w4["filing_status"] == "single",
            "status_mfj": w4["filing_status"] == "mfj",
            "status_hoh": w4["filing_status"] == "hoh",
            "multiple_jobs": w4["multiple_jobs"],
            "children_amount": w4["children_amount"] or None,
            "other_dependents_amount": w4["other_dependents_amount"] or None,
            "credits_total": credits or None,
            "other_income": w4["other_income"] or None,
            "deductions": w4["deductions"] or None,
            "extra_withholding": w4["extra_withholding"] or None,
            "signed": w4["signed"],
            "hire_date": identity["job"]["hire_date"],
        }
    if "paystub" in want:
        packet["paystub"] = _paystub(identity, employer)
    if "statement" in want:
        packet["statement"] = _statement(identity, person, address)
    bank = identity["bank"]
    if "int" in want:
        interest = identity.get("interest") or {}
        packet["int"] = {
            "payer": _entity_view(bank["name"], bank, rtn=bank["routing"], tin=_bank_tin(identity)),
            "account_number": bank["account"],
            "fatca": False,
            "box1": interest.get("amount"),
            **dict.fromkeys(_INT_BLANK_BOXES),
        }
    nec = identity.get("nec")
    if "nec" in want or "w9" in want or "invoice" in want:
        payer = nec["payer"] if nec else None
        packet["nec"] = {
            "payer": _entity_view(payer["name"], payer, tin=payer["ein"]) if payer else _EMPTY_ENTITY,
            "account_number": nec["account_number"] if nec else None,
            "box1": nec["amount"] if nec else None,
            "box2": False,
            "profit": float(_nec_profit(identity)) if nec else None,
            **dict.fromkeys(("box3", "box4", "box5", "box6", "box7")),
        }
    if "invoice" in want or "w9" in want:
        packet["invoice"] = _invoice(identity, person, address)
    if "w9" in want:
        payer_view = packet["nec"]["payer"]
        packet["w9"] = {
            "business_name": None,
            "individual": True,
            "c_corp": False,
            "s_corp": False,
            "partnership": False,
            "trust": False,
            "llc": False,
            "other": False,
            "exempt_payee": None,
            "fatca_code": None,
            "requester": payer_view["name_address"],
            "account_numbers": packet["nec"]["account_number"],
            "ein": None,
            "signed": packet["invoice"]["w9_signed"],
        }
    if "visit" in want:
        visit = documents.visit(identity)
        if "claim" in want:
            packet["claim"] = _claim(identity, visit)
        if "intake" in want:
            packet["intake"] = _intake(identity, visit, employer)
    return packet


def _bank_tin(identity: Mapping[str, Any]) -> str:
    """A bank's EIN is a fact of the bank: derive it from the routing number, so it never varies."""
    routing = identity["bank"]["routing"]
    prefixes = sorted(VALID_EIN_PREFIXES)
    return f"{prefixes[int(routing[:4]) % len(prefixes)]}-{int(routing[2:]) % 10_000_000:07d}"
