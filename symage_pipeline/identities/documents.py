"""Details only some documents need: a month of bank activity, a doctor's visit, an invoice.

Why separate from the graph: these are drawn only when a job's forms read them, so a plain
identity stays cheap.  They are still pure functions of the identity (its seed, via their own
stage keys), so every form of a packet sees the same statement, visit and invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from symage_pipeline.identities import payroll
from symage_pipeline.identities.seeding import Draws, stage_key
from symage_pipeline.identities.tables import tables
from symage_pipeline.identities.validity import VALID_EIN_PREFIXES, npi_check_digit

_EIN_PREFIXES = tuple(sorted(VALID_EIN_PREFIXES))

STATEMENT, VISIT, INVOICE = 10, 11, 12  # stage numbers apart from the graph's 0-6
STATEMENT_ROWS = 16
STATEMENT_START, STATEMENT_END = date(2025, 12, 1), date(2025, 12, 31)
MIN_BALANCE = 2500  # cents; a debit that would go below is left out (the account holder waits)
_ALLERGIES = ("NKDA", "NKDA", "NKDA", "Penicillin", "Sulfa drugs", "Latex", "Peanuts", "Codeine", "Shellfish")
_DEBIT_KINDS = {
    # kind: (draws of it, share of the month's net pay low..high)
    "utility": ((2, 3), (0.015, 0.06)),
    "grocery": ((2, 4), (0.008, 0.05)),
    "fuel": ((0, 2), (0.004, 0.02)),
    "dining": ((0, 2), (0.004, 0.02)),
    "shopping": ((0, 1), (0.005, 0.03)),
    "atm": ((0, 1), (0.004, 0.02)),
}


def _draws(identity: Mapping[str, Any], stage: int) -> Draws:
    return Draws(stage_key(identity["identity_seed"], stage))


def _merchant(d: Draws, kind: str, city: str) -> str:
    t = tables()
    return d.choice(t.merchants[kind]).format(
        n=d.between(100, 9999),
        city=city.upper(),
        landlord=t.last.pick(d.u()).upper(),
        lender=d.choice(t.bank_prefixes).upper(),
    )


def december_pay(identity: Mapping[str, Any]) -> list[tuple[int, date, int]]:
    """(period number k, pay date, net pay in cents) for each December 2025 pay date."""
    job = identity["job"]
    plan = payroll.plan_from(identity)
    periods = payroll.paid_periods(job["pay_frequency"], job["pay_anchor"], date.fromisoformat(job["hire_date"]))
    out = []
    for k, (_start, _end, pay_date) in enumerate(periods, start=1):
        if STATEMENT_START <= pay_date <= STATEMENT_END:
            out.append((k, pay_date, payroll.current(plan, k)["net"]))
    return out


def statement(identity: Mapping[str, Any]) -> dict[str, Any]:
    """The December 2025 statement of the identity's checking account, in cents.

    Payroll deposits are the net pay of each December pay date (the last one is the packet's pay
    stub); the other activity is priced as shares of the month's net pay, so it scales with income.
    """
    d = _draws(identity, STATEMENT)
    deposits = december_pay(identity)
    employer = identity["employer"]["name"].upper()
    monthly_net = sum(net for _, _, net in deposits)
    city = identity["address"]["city"]
    rows: list[tuple[int, int, str, int]] = []  # (day, order, description, signed cents)
    for n, (_, pay_date, net) in enumerate(deposits):
        rows.append((pay_date.day, n, f"PAYROLL DEP {employer}"[:40], net))
    housing = "rent" if not identity.get("homeowner") else "mortgage"
    debits: list[tuple[int, str, float]] = [(d.between(1, 5), housing, d.uniform(0.22, 0.36))]
    debits.append((d.between(10, 24), "card", d.uniform(0.05, 0.22)))
    for kind, ((lo, hi), (share_lo, share_hi)) in _DEBIT_KINDS.items():
        for _ in range(d.between(lo, hi)):
            debits.append((d.between(2, 30), kind, d.uniform(share_lo, share_hi)))
    if d.u() < 0.3:
        debits.append((d.between(15, 29), "transfer", d.uniform(0.03, 0.1)))
    room = STATEMENT_ROWS - len(rows) - (1 if identity.get("interest") else 0)
    for n, (day, kind, share) in enumerate(debits[:room]):
        amount = max(round(monthly_net * share), 500)
        if kind == "atm":
            amount = max(2000, amount // 2000 * 2000)  # ATMs pay out twenties
        rows.append((day, 100 + n, _merchant(d, kind, city), -amount))
    interest = identity.get("interest")
    if interest:
        rows.append((31, 999, "INTEREST PAYMENT", max(round(interest["amount"] * 100 / 12), 1)))
    rows.sort()
    opening = round(monthly_net * min(max(d.lognormal(0.9, 0.7), 0.15), 6.0))
    balance = opening
    lines = []
    total_in = total_out = 0
    for day, _, text, amount in rows:
        if amount < 0 and balance + amount < MIN_BALANCE:
            continue
        balance += amount
        if amount >= 0:
            total_in += amount
        else:
            total_out -= amount
        lines.append({"date": date(2025, 12, day), "description": text, "amount": amount, "balance": balance})
    return {
        "start": STATEMENT_START,
        "end": STATEMENT_END,
        "opening": opening,
        "deposits": total_in,
        "withdrawals": total_out,
        "closing": balance,
        "deposit_count": sum(1 for line in lines if line["amount"] >= 0),
        "withdrawal_count": sum(1 for line in lines if line["amount"] < 0),
        "lines": lines,
    }


def _npi(d: Draws, entity_type: int) -> str:
    first9 = f"{entity_type}{int(d.u() * 100_000_000):08d}"
    return first9 + str(npi_check_digit(first9))


def _phone(area_code: str, d: Draws) -> str:
    x = int(d.u() * 8_000_000)
    exchange = 200 + x // 10000
    if exchange % 100 == 11:  # N11 codes are service codes, never exchanges
        exchange += 1
    return f"({area_code}) {exchange:03d}-{x % 10000:04d}"


def practice(identity: Mapping[str, Any], d: Draws) -> dict[str, Any]:
    """The primary care provider's practice: in the patient's city, with its own NPI and EIN."""
    t = tables()
    home = identity["address"]
    place = t.place_of[(home["state"], home["city"])]
    provider = identity["health"]["provider"]
    word = d.choice(t.practice_words)
    return {
        "name": f"{place.city} {word}" if d.u() < 0.5 else f"{provider['last_name']} {word}",
        "npi": _npi(d, 1 if d.u() < 0.5 else 2),
        "tax_id": f"{d.choice(_EIN_PREFIXES)}-{int(d.u() * 10_000_000):07d}",
        "street": f"{int(10 ** (d.u() * 3.9)) + 1} {d.choice(t.street_names)} {t.street_suffixes.pick(d.u())}",
        "city": place.city,
        "state": place.state,
        "zip": d.choice(place.zips),
        "phone": _phone(d.choice(place.area_codes), d),
    }


def visit(identity: Mapping[str, Any]) -> dict[str, Any]:
    """The latest doctor's visit behind the claim and the intake form: who, when, what, how much."""
    d = _draws(identity, VISIT)
    t = tables()
    health = identity["health"]
    spouse, dependents = identity.get("spouse"), identity.get("dependents") or []
    u = d.u()
    patient, relationship = identity, "self"
    if health["program"] in ("group", "other"):
        if spouse is not None and u < 0.15:
            patient, relationship = spouse, "spouse"
        elif dependents and u > 0.85:
            patient, relationship = dependents[d.below(len(dependents))], "child"
    dob = date.fromisoformat(patient["dob"])
    earliest = max(date(2025, 1, 2), dob + timedelta(days=1))
    service = earliest + timedelta(days=int(d.u() * max((date(2025, 12, 19) - earliest).days, 0)))
    conditions = health["conditions"]
    markup = d.uniform(0.9, 1.6)
    lines = []
    for n, code in enumerate(health["procedures"]):
        proc = t.cpt[code]
        units = d.between(1, 3) if code.startswith("97") else 1
        unit_price = round(proc.charge_cents * markup / 100) * 100  # whole dollars, as fee schedules are
        n_pointers = 1 + d.below(len(conditions))
        lines.append(
            {
                "code": code,
                "description": proc.description,
                "modifier": "25" if n == 0 and len(health["procedures"]) > 1 else None,
                "units": units,
                "charge": unit_price * units,
                "pointer": "ABCD"[:n_pointers],
                "place_of_service": "11",
            }
        )
    referring = None
    if d.u() < 0.2:
        first9 = f"1{int(d.u() * 100_000_000):08d}"
        referring = {
            "name": f"{t.first_male.pick(d.u())} {t.last.pick(d.u())} MD",
            "npi": first9 + str(npi_check_digit(first9)),
        }
    copay = d.choice((2000, 2500, 3000, 4000, 5000)) if health["program"] in ("group", "other") and d.u() < 0.45 else 0
    contact_female = d.u() < 0.5
    area = identity["phone"][1:4]
    return {
        "practice": practice(identity, d),
        "patient": patient,
        "relationship": relationship,
        "service_date": service,
        "illness_date": max(service - timedelta(days=d.between(1, 30)), dob) if d.u() < 0.4 else None,
        "lines": lines,
        "total": sum(line["charge"] for line in lines),
        "amount_paid": copay,
        "accept_assignment": d.u() < 0.95,
        "signed": min(service + timedelta(days=d.between(0, 10)), STATEMENT_END),
        "referring": referring,
        "patient_account": f"{d.choice('ABCDEFGHJKMNPRSTUVWXYZ')}{d.below(10_000_000):07d}",
        "allergies": d.choice(_ALLERGIES),
        "reason": t.icd10[conditions[0]],
        "emergency_contact": {
            "name": f"{(t.first_female if contact_female else t.first_male).pick(d.u())} {t.last.pick(d.u())}",
            "relationship": d.choice(("Parent", "Sibling", "Friend", "Parent", "Sibling")),
            "phone": _phone(area, d),
        },
    }


def invoice(identity: Mapping[str, Any]) -> dict[str, Any] | None:
    """One 2025 invoice the identity sent its 1099-NEC client; its subtotal never exceeds the 1099."""
    nec = identity.get("nec")
    if nec is None:
        return None
    d = _draws(identity, INVOICE)
    t = tables()
    budget = round(nec["amount"] * 100)
    lines = []
    for _ in range(d.between(1, 5)):
        desc, lo, hi = d.choice(t.invoice_services)
        rate = d.between(lo, hi) * 100
        quantity = 1 if hi >= 300 else d.between(1, 24)
        spent = sum(line["amount"] for line in lines)
        quantity = min(quantity, (budget - spent) // rate)
        if quantity < 1:
            break
        lines.append({"description": desc, "quantity": quantity, "rate": rate, "amount": quantity * rate})
    if not lines:  # a client whose whole year is less than one unit of work: bill the year as one line
        desc = d.choice(t.invoice_services)[0]
        lines.append({"description": desc, "quantity": 1, "rate": budget, "amount": budget})
    issued = date(2025, 1, 6) + timedelta(days=int(d.u() * 330))
    terms = d.choice((15, 30, 30, 45))
    subtotal = sum(line["amount"] for line in lines)
    paid = subtotal if d.u() < 0.3 else 0
    return {
        "number": f"INV-2025-{d.between(1, 999):04d}",
        "date": issued,
        "terms_days": terms,
        "due": issued + timedelta(days=terms),
        "lines": lines,
        "subtotal": subtotal,
        "tax_rate": 0,
        "tax": 0,
        "total": subtotal,
        "paid": paid,
        "balance": subtotal - paid,
        "w9_signed": issued - timedelta(days=d.between(3, 40)),
    }
