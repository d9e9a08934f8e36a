"""Field rules (every mode) and document rules (coherent, random): each document agrees with itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from symage_pipeline.checker.core import (
    BOX12_CODES,
    CITY_LINE,
    DEFERRAL_CODES,
    PHONE,
    ROTH_CODES,
    SS_WAGE_BASE,
    TOLL_FREE,
    Doc,
    Run,
    Skip,
    cents,
    entity_of,
    eq,
    money,
    parse_date,
)
from symage_pipeline.identities import tax
from symage_pipeline.identities.tables import state_of_area_code, states_of_zip, tables
from symage_pipeline.identities.validity import (
    USPS_STATES,
    aba_is_valid,
    ein_is_valid,
    npi_is_valid,
    ssn_is_valid,
    zip_is_valid,
)

# ---- field rules --------------------------------------------------------------------------------------


def field_rules(run: Run, doc: Doc) -> None:
    t = tables()
    for concept, typ in doc.types.items():
        value = doc.values[concept]
        if not value:
            continue
        v = value.strip()
        last = concept.rsplit(".", 1)[-1]
        if typ == "ssn":
            run.rule("ssn.valid", [doc], lambda f, c=concept, v=v: None if ssn_is_valid(v) else f(f"{c}: {v!r}"))
        elif typ == "ein":
            run.rule("ein.valid", [doc], lambda f, c=concept, v=v: None if ein_is_valid(v) else f(f"{c}: {v!r}"))
        if last == "routing_number":
            run.rule("aba.valid", [doc], lambda f, c=concept, v=v: None if aba_is_valid(v) else f(f"{c}: {v!r}"))
        elif last == "npi":
            run.rule("npi.valid", [doc], lambda f, c=concept, v=v: None if npi_is_valid(v) else f(f"{c}: {v!r}"))
        if concept.startswith("healthcare.diagnosis.") and last != "icd_indicator":
            run.rule("code.valid", [doc], lambda f, c=concept, v=v: None if v in t.icd10 else f(f"{c}: ICD-10 {v!r}"))
        elif concept.startswith("healthcare.procedure.") and last == "code":
            run.rule("code.valid", [doc], lambda f, c=concept, v=v: None if v in t.cpt else f(f"{c}: CPT {v!r}"))

        def fmt(fail: Callable[[str], None], c: str = concept, typ: str = typ, v: str = v) -> None:
            try:
                if typ == "zip" and not zip_is_valid(v):
                    fail(f"{c}: ZIP {v!r}")
                elif typ == "state" and v not in USPS_STATES:
                    fail(f"{c}: state {v!r}")
                elif typ == "date":
                    parse_date(v)
                elif typ == "currency":
                    money(v)
            except ValueError as exc:
                fail(f"{c}: {exc}")

        if typ in ("zip", "state", "date", "currency"):
            run.rule("format.valid", [doc], fmt)


# ---- document rules -----------------------------------------------------------------------------------


def addresses(doc: Doc) -> dict[str, dict[str, str]]:
    """entity -> {"state", "zip", "phone"} gathered from separate fields and address blocks."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for concept, typ in doc.types.items():
        value = doc.values[concept]
        if not value:
            continue
        entity = entity_of(concept)
        last = concept.rsplit(".", 1)[-1]
        if typ == "zip" or (last == "zip" and typ != "currency"):
            out[entity]["zip"] = value.strip()
        elif typ == "state" and last == "state":
            out[entity]["state"] = value.strip()
        elif typ == "phone":
            out[entity]["phone"] = value.strip()
        elif typ == "address":
            for line in value.split("\n"):
                line = line.strip()
                m = CITY_LINE.match(line)
                if m:
                    out[entity]["state"], out[entity]["zip"] = m.group(2), m.group(3)
                elif PHONE.match(line):
                    out[entity]["phone"] = line
    return out


def address_rules(run: Run, doc: Doc) -> None:
    for entity, parts in addresses(doc).items():
        state = parts.get("state")
        if state and parts.get("zip"):

            def zip_rule(fail: Callable[[str], None], e: str = entity, s: str = state, z: str = parts["zip"]) -> None:
                if s not in states_of_zip(z):
                    fail(f"{e}: ZIP {z} is not in {s} (prefix {z[:3]}: {', '.join(states_of_zip(z)) or 'unknown'})")

            run.rule("address.zip_state", [doc], zip_rule)
        if state and parts.get("phone"):
            m = PHONE.match(parts["phone"])
            if m and m.group(1) not in TOLL_FREE:

                def area_rule(
                    fail: Callable[[str], None], e: str = entity, s: str = state, a: str = m.group(1)
                ) -> None:
                    if state_of_area_code(a) != s:
                        fail(f"{e}: area code {a} belongs to {state_of_area_code(a)}, the address is in {s}")

                run.rule("address.area_code", [doc], area_rule)


_DATE_PAIRS = (
    ("payroll.period_start", "payroll.period_end"),
    ("payroll.period_start", "payroll.pay_date"),
    ("statement.period_start", "statement.period_end"),
    ("invoice.date", "invoice.due_date"),
    ("employment.hire_date", "tax.w4.signature_date"),
    ("healthcare.illness.date", "healthcare.service.line1.date_from"),
    ("healthcare.service.line1.date_from", "provider.signature.date"),
    ("healthcare.service.line1.date_from", "healthcare.patient.signature_date"),
    ("healthcare.visit.date", "healthcare.patient.signature_date"),
    *((f"healthcare.service.line{n}.date_from", f"healthcare.service.line{n}.date_to") for n in range(1, 7)),
)


def date_rules(run: Run, doc: Doc) -> None:
    dates: dict[str, date] = {}
    for concept, typ in doc.types.items():
        if typ == "date" and doc.values[concept]:
            try:
                dates[concept] = parse_date(doc.values[concept] or "")
            except ValueError:
                continue
    births = {c: d for c, d in dates.items() if c.endswith(".dob")}
    events = {c: d for c, d in dates.items() if not c.endswith(".dob")}

    def order(fail: Callable[[str], None]) -> None:
        for bc, born in births.items():
            for ec, when in events.items():
                if when < born:
                    fail(f"{ec} {when} is before {bc} {born}")
        for early, late in _DATE_PAIRS:
            if early in dates and late in dates and dates[early] > dates[late]:
                fail(f"{early} {dates[early]} is after {late} {dates[late]}")

    if dates:
        run.rule("dates.order", [doc], order)


def _w2_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def rule(fail: Callable[[str], None]) -> None:
        box1, box3, box4 = (
            doc.amount("tax.box1.wages"),
            doc.amount("tax.box3.social_security_wages"),
            doc.amount("tax.box4.social_security_tax_withheld"),
        )
        box5, box6 = doc.amount("tax.box5.medicare_wages"), doc.amount("tax.box6.medicare_tax_withheld")
        if box3 > SS_WAGE_BASE:
            fail(f"box 3 {box3:,.2f} is over the 2025 wage base")
        eq(fail, "box 3 = min(box 5, wage base)", box3, min(box5, SS_WAGE_BASE))
        eq(fail, "box 4 = 6.2% of box 3", box4, cents(box3 * Decimal("0.062")))
        want6 = cents(box5 * Decimal("0.0145") + max(box5 - 200000, Decimal(0)) * Decimal("0.009"))
        eq(fail, "box 6 = Medicare tax on box 5", box6, want6)
        deferrals = Decimal(0)
        roth = False
        for slot in "abcd":
            code = doc.text(f"tax.box12{slot}.code").strip()
            amount = doc.amount(f"tax.box12{slot}.amount")
            if code and code not in BOX12_CODES:
                fail(f"box 12{slot} code {code!r} is not a W-2 code")
            if bool(code) != bool(amount):
                fail(f"box 12{slot}: code {code!r} and amount {amount} must come together")
            if code in DEFERRAL_CODES:
                deferrals += amount
            roth = roth or code in ROTH_CODES
        eq(fail, "box 1 = box 5 - elective deferrals", box1, box5 - deferrals)
        if (deferrals or roth) and not doc.checked("tax.box13.retirement_plan"):
            fail("box 13 retirement plan is not checked although box 12 shows deferrals")
        if doc.has("tax.box16.state_wages") and doc.text("tax.box16.state_wages"):
            state = doc.text("tax.box15.state").strip()
            want16 = box1 + deferrals if state == "PA" else box1
            eq(fail, f"box 16 state wages ({state})", doc.amount("tax.box16.state_wages"), want16)
            if doc.amount("tax.box17.state_income_tax") > doc.amount("tax.box16.state_wages"):
                fail("box 17 exceeds box 16")

    return rule


_STATUS_CONCEPTS = {
    "single": "tax.filing_status.single",
    "mfj": "tax.filing_status.married_filing_jointly",
    "mfs": "tax.filing_status.married_filing_separately",
    "hoh": "tax.filing_status.head_of_household",
    "qss": "tax.filing_status.qualifying_surviving_spouse",
}


def filing_status(doc: Doc) -> str | None:
    """The one filing status checked on a 1040, or None when none or several are."""
    checked = [status for status, concept in _STATUS_CONCEPTS.items() if doc.checked(concept)]
    return checked[0] if len(checked) == 1 else None


def _f1040_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def a(line: str) -> Decimal:
        concept = next((c for c in doc.types if c.startswith(f"tax.line{line}.")), None)
        if concept is None:
            raise Skip(line)
        return doc.amount(concept)

    def rule(fail: Callable[[str], None]) -> None:
        status = filing_status(doc)
        if status is None:
            fail("the return must check exactly one filing status")
            return
        boxes = sum(
            doc.checked(c) if doc.has(c) else 0
            for c in ("tax.age_blindness.taxpayer_born_before_1960", "tax.age_blindness.spouse_born_before_1960")
        )
        eq(fail, "line 1z", a("1z"), a("1a"))
        eq(fail, "line 9", a("9"), a("1z") + a("2b") + a("3b") + a("4b") + a("5b") + a("6b") + a("7") + a("8"))
        eq(fail, "line 11", a("11"), max(a("9") - a("10"), Decimal(0)))
        eq(fail, "line 12 standard deduction", a("12"), tax.standard_deduction_2024(status, boxes))
        eq(fail, "line 14", a("14"), a("12") + a("13"))
        eq(fail, "line 15", a("15"), max(a("11") - a("14"), Decimal(0)))
        eq(fail, "line 16 tax", a("16"), tax.tax_with_qdcg_2024(a("15"), a("3a"), a("7"), status))
        eq(fail, "line 18", a("18"), a("16") + a("17"))
        eq(fail, "line 21", a("21"), a("19") + a("20"))
        eq(fail, "line 22", a("22"), max(a("18") - a("21"), Decimal(0)))
        eq(fail, "line 24", a("24"), a("22") + a("23"))
        eq(fail, "line 25d", a("25d"), a("25a") + a("25b") + a("25c"))
        eq(fail, "line 32", a("32"), a("27") + a("28") + a("29") + a("31"))
        eq(fail, "line 33", a("33"), a("25d") + a("26") + a("32"))
        eq(fail, "line 34", a("34"), max(a("33") - a("24"), Decimal(0)))
        eq(fail, "line 37", a("37"), max(a("24") - a("33"), Decimal(0)))
        if a("35a") > a("34"):
            fail("line 35a refund exceeds line 34")
        if a("3a") > a("3b"):
            fail("line 3a qualified dividends exceed line 3b")

    return rule


def _paystub_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    taxes = ("federal", "social_security", "medicare", "state", "local", "sdi")
    deductions = ("retirement", "roth", "medical", "hsa")

    def rule(fail: Callable[[str], None]) -> None:
        if doc.text("payroll.earnings.regular.rate") and doc.text("payroll.earnings.regular.hours"):
            want = cents(doc.amount("payroll.earnings.regular.rate") * doc.amount("payroll.earnings.regular.hours"))
            eq(fail, "rate x hours", doc.amount("payroll.earnings.regular.current"), want)
        for col in ("current", "ytd"):
            gross = doc.amount(f"payroll.gross.{col}")
            eq(fail, f"gross ({col})", gross, doc.amount(f"payroll.earnings.regular.{col}"))
            t = sum((doc.amount(f"payroll.tax.{k}.{col}") for k in taxes), Decimal(0))
            d = sum((doc.amount(f"payroll.deduction.{k}.{col}") for k in deductions), Decimal(0))
            eq(fail, f"total taxes ({col})", doc.amount(f"payroll.taxes_total.{col}"), t)
            eq(fail, f"total deductions ({col})", doc.amount(f"payroll.deductions_total.{col}"), d)
            eq(fail, f"net pay ({col})", doc.amount(f"payroll.net.{col}"), gross - t - d)
        eq(fail, "deposit = net pay", doc.amount("payroll.deposit.amount"), doc.amount("payroll.net.current"))
        if doc.amount("payroll.tax.social_security.ytd") > cents(SS_WAGE_BASE * Decimal("0.062")):
            fail("social security withheld above the 2025 maximum")

    return rule


def _statement_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def rule(fail: Callable[[str], None]) -> None:
        start, end = doc.day("statement.period_start"), doc.day("statement.period_end")
        balance = doc.amount("statement.opening_balance")
        total_in = total_out = Decimal(0)
        n_in = n_out = 0
        last_day = start
        for n in range(1, 100):
            prefix = f"statement.txn{n:02d}"
            if not doc.has(f"{prefix}.balance"):
                break
            if not doc.text(f"{prefix}.balance"):
                continue
            dep, wd = doc.amount(f"{prefix}.deposit"), doc.amount(f"{prefix}.withdrawal")
            balance += dep - wd
            total_in += dep
            total_out += wd
            n_in += 1 if doc.text(f"{prefix}.deposit") else 0
            n_out += 1 if doc.text(f"{prefix}.withdrawal") else 0
            eq(fail, f"row {n} balance", doc.amount(f"{prefix}.balance"), balance)
            day = doc.day(f"{prefix}.date")
            if not start <= day <= end or day < last_day:
                fail(f"row {n} dated {day} out of order or outside {start}..{end}")
            last_day = day
        eq(fail, "ending balance", doc.amount("statement.closing_balance"), balance)
        eq(fail, "total deposits", doc.amount("statement.total_deposits"), total_in)
        eq(fail, "total withdrawals", doc.amount("statement.total_withdrawals"), total_out)
        opening, closing = doc.amount("statement.opening_balance"), doc.amount("statement.closing_balance")
        eq(fail, "beginning + deposits - withdrawals", closing, opening + total_in - total_out)
        if doc.text("statement.deposit_count") and int(doc.text("statement.deposit_count")) != n_in:
            fail(f"deposit count {doc.text('statement.deposit_count')} != {n_in} rows")
        if doc.text("statement.withdrawal_count") and int(doc.text("statement.withdrawal_count")) != n_out:
            fail(f"withdrawal count {doc.text('statement.withdrawal_count')} != {n_out} rows")

    return rule


def _invoice_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def rule(fail: Callable[[str], None]) -> None:
        subtotal = Decimal(0)
        for n in range(1, 100):
            prefix = f"invoice.line{n}"
            if not doc.has(f"{prefix}.amount"):
                break
            if not doc.text(f"{prefix}.amount"):
                continue
            amount = doc.amount(f"{prefix}.amount")
            eq(
                fail,
                f"line {n} quantity x rate",
                amount,
                cents(doc.amount(f"{prefix}.quantity") * doc.amount(f"{prefix}.rate")),
            )
            subtotal += amount
        eq(fail, "subtotal", doc.amount("invoice.subtotal"), subtotal)
        rate = money(doc.text("invoice.tax_rate").replace("%", "")) / 100
        eq(fail, "sales tax", doc.amount("invoice.tax"), cents(subtotal * rate))
        eq(fail, "total", doc.amount("invoice.total"), subtotal + doc.amount("invoice.tax"))
        eq(
            fail,
            "balance due",
            doc.amount("invoice.balance_due"),
            doc.amount("invoice.total") - doc.amount("invoice.amount_paid"),
        )

    return rule


def _claim_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def rule(fail: Callable[[str], None]) -> None:
        filled = {c.rsplit(".", 1)[-1].upper() for c in doc.types if c.startswith("healthcare.diagnosis.")
                  and c.rsplit(".", 1)[-1] != "icd_indicator" and doc.text(c)}  # fmt: skip
        total = Decimal(0)
        for n in range(1, 7):
            if not doc.has(f"billing.line{n}.charges"):
                break
            charge = doc.amount(f"billing.line{n}.charges")
            total += charge
            if not charge:
                continue
            if not doc.text(f"healthcare.procedure.line{n}.code"):
                fail(f"line {n} is charged without a procedure code")
            if not doc.text(f"healthcare.service.line{n}.units"):
                fail(f"line {n} is charged without units")
            for letter in doc.text(f"healthcare.procedure.line{n}.pointer"):
                if letter not in filled:
                    fail(f"line {n} points to diagnosis {letter}, which is empty")
        eq(fail, "total charge", doc.amount("billing.total_charge"), total)
        rel = [r for r in ("self", "spouse", "child", "other") if doc.checked(f"healthcare.patient.relationship.{r}")]
        if len(rel) != 1:
            fail(f"{len(rel)} relationship boxes checked")
        if doc.checked("billing.accept_assignment.yes") == doc.checked("billing.accept_assignment.no"):
            fail("accept assignment must be exactly one of yes/no")

    return rule


def _w4_rule(doc: Doc) -> Callable[[Callable[[str], None]], None]:
    def rule(fail: Callable[[str], None]) -> None:
        statuses = ("single", "married", "head_of_household")
        if sum(doc.checked(f"tax.w4.filing_status.{s}") for s in statuses) != 1:
            fail("W-4 must check exactly one filing status")
        children, other = doc.amount("tax.w4.step3.qualifying_children"), doc.amount("tax.w4.step3.other_dependents")
        if children % 2000 or other % 500:
            fail(f"step 3 amounts {children} / {other} are not multiples of $2,000 / $500")
        if children or other:
            eq(fail, "step 3 total", doc.amount("tax.w4.step3.total"), children + other)

    return rule


DOCUMENT_RULES: tuple[tuple[str, str, Callable[[Doc], Callable[[Callable[[str], None]], None]]], ...] = (
    ("w2.arithmetic", "tax.box1.wages", _w2_rule),
    ("f1040.arithmetic", "tax.line1a.w2_wages", _f1040_rule),
    ("paystub.arithmetic", "payroll.net.current", _paystub_rule),
    ("statement.arithmetic", "statement.closing_balance", _statement_rule),
    ("invoice.arithmetic", "invoice.subtotal", _invoice_rule),
    ("claim.arithmetic", "billing.total_charge", _claim_rule),
    ("w4.arithmetic", "tax.w4.step3.total", _w4_rule),
)
