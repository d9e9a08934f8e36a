"""The invariant checker: proves that a generated dataset's documents are valid and tie out.

It reads only what a dataset consumer has: the ground-truth JSON of each document (field values
as printed, each field's semantic concept and type, ``_metadata``).  Rules find values by
semantic concept, so they apply to any form that uses the concept (both W-2 layouts, say), and
reference tables are the public ones shipped with Symage (ZIP prefixes, area codes, code lists).

Rules come in three scopes, because the coherence modes promise different things:

* field rules (every mode): identifiers and codes are valid, values parse;
* document rules (``coherent`` and ``random``): each document agrees with itself — addresses,
  arithmetic, dates;
* packet rules (``coherent`` only): the documents of one item tie out with each other.

``shuffled`` deliberately breaks the last two, so they are not run there.  Fields a fill scenario
left blank or pinned to a literal are treated as unknown: rules that need them are skipped.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

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

FIELD, DOCUMENT, PACKET = "field", "document", "packet"
MODES_BY_SCOPE = {FIELD: ("coherent", "shuffled", "random"), DOCUMENT: ("coherent", "random"), PACKET: ("coherent",)}

RULES: list[tuple[str, str]] = [
    ("ssn.valid", "Every SSN follows SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."),
    ("ein.valid", "Every EIN reads NN-NNNNNNN with a valid IRS campus prefix."),
    ("aba.valid", "Every routing number has 9 digits, a Federal Reserve prefix and a valid 3-7-1 check digit."),
    ("npi.valid", "Every NPI has 10 digits, starts with 1 or 2 and passes the Luhn check with prefix 80840."),
    ("code.valid", "Diagnosis (ICD-10-CM) and procedure (CPT/HCPCS) codes come from the shipped code lists."),
    ("format.valid", "ZIP codes, state codes, dates and money amounts parse."),
    ("address.zip_state", "Each address's ZIP code belongs to its state (USPS three-digit prefixes)."),
    ("address.area_code", "Each party's phone area code is assigned to the state of its address (toll-free excepted)."),
    (
        "dates.order",
        "Dates on a document are in order: births before events, periods start before they end and before "
        "their pay date, due dates after issue dates, signatures on or after what they sign.",
    ),
    (
        "w2.arithmetic",
        "W-2: box 3 = min(box 5, $176,100); box 4 = 6.2% of box 3; box 6 = 1.45% of box 5 + 0.9% above "
        "$200,000; box 1 = box 5 - box 12 D/E/G deferrals; box 16 = box 1 (PA: + deferrals); box 13 "
        "retirement plan checked when there are deferrals.",
    ),
    (
        "f1040.arithmetic",
        "1040 (2024): one filing status; lines 1z, 9, 11, 14, 15, 18, 21, 22, 24, 25d, 32 and 33 add up; line 12 "
        "is the standard deduction for the status and age boxes; line 16 is the tax on line 15 (Tax Table or "
        "worksheet, qualified dividends and capital gain worksheet); line 34 or 37 is lines 33 - 24.",
    ),
    (
        "paystub.arithmetic",
        "Pay stub: rate x hours = regular pay; gross = regular pay; taxes and deductions total their rows; "
        "net = gross - taxes - deductions, this period and year to date; the deposit is the net pay.",
    ),
    (
        "statement.arithmetic",
        "Bank statement: each balance = previous balance + deposit - withdrawal; beginning + deposits - "
        "withdrawals = ending; totals and counts match the rows; rows are dated in order within the period.",
    ),
    (
        "invoice.arithmetic",
        "Invoice: each line amount = quantity x rate; subtotal = sum of lines; total = subtotal + tax; balance "
        "due = total - amount paid.",
    ),
    (
        "claim.arithmetic",
        "CMS-1500: total charge = sum of line charges; every diagnosis pointer names a filled diagnosis; "
        "each charged line has a procedure code and units; one relationship and one assignment box.",
    ),
    ("w4.arithmetic", "W-4: one filing status; step 3 total = $2,000 x children + $500 x other dependents."),
    ("tie.same_person", "All forms of an item name the same person: SSN, last name and home ZIP code agree."),
    (
        "tie.w2_1040",
        "1040 line 1a = W-2 box 1; line 25a = W-2 box 2; line 25c = Medicare withheld above 1.45% of box 5; "
        "line 23 = Schedule SE tax on line 8 plus Form 8959 tax on box 5.",
    ),
    (
        "tie.w2_paystub",
        "Pay stub year to date = W-2: box 2 federal, box 4 social security, box 6 Medicare, box 17 state and box 19 "
        "local tax; box 5 = gross - Section 125 - HSA + imputed life; box 1 = box 5 - pre-tax retirement; box 12 "
        "amounts and box 14 SDI match their pay stub rows.",
    ),
    ("tie.paystub_bank", "The bank statement has a payroll deposit on the pay stub's pay date equal to its net pay."),
    (
        "tie.1099_1040",
        "1040 line 2b = 1099-INT box 1 + box 3; 1040 line 8 (Schedule C profit) is positive and at most "
        "1099-NEC box 1.",
    ),
    ("tie.employer", "W-2, W-4 and pay stub name the same employer (and EIN where shown)."),
    (
        "tie.payers",
        "W-9 requester and invoice customer are the 1099-NEC payer, the invoice subtotal is at most 1099-NEC box 1; "
        "the 1099-INT payer, RTN and account are the statement's bank; the 1040 refund goes to that account.",
    ),
    (
        "tie.claim_intake",
        "CMS-1500 and intake form describe one visit: member ID, plan, patient date of birth and date of service.",
    ),
]
RULE_SCOPE = {rule: (FIELD if i < 6 else DOCUMENT if i < 16 else PACKET) for i, (rule, _) in enumerate(RULES)}

CENT = Decimal("0.01")
SS_WAGE_BASE = Decimal("176100")
DEFERRAL_CODES = ("D", "E", "G")
ROTH_CODES = ("AA", "BB", "EE")
BOX12_CODES = frozenset(
    ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "Q", "R", "S", "T", "V", "W", "Y", "Z",
     "AA", "BB", "DD", "EE", "FF", "GG", "HH", "II")
)  # fmt: skip
TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_CITY_LINE = re.compile(r"^(.*?),\s*([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$")
_PHONE = re.compile(r"^(?:1-)?\(?(\d{3})\)?[ -]?\d{3}-\d{4}$")
_ADDRESS_PARTS = ("zip", "state", "city", "street", "phone", "address", "name_address", "name_address_phone",
                  "city_state_zip")  # fmt: skip


class Skip(Exception):
    """A rule's input is absent or unknown (not on the form, or hidden by a fill scenario)."""


def money(text: str) -> Decimal:
    s = text.replace(",", "").replace("$", "").strip()
    if not s:
        return Decimal(0)
    try:
        return Decimal(s)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None


def parse_date(text: str) -> date:
    return datetime.strptime(text.strip(), "%m/%d/%Y").date()


def cents(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


def _entity(concept: str) -> str:
    parts = concept.split(".")
    while len(parts) > 1 and parts[-1] in _ADDRESS_PARTS:
        parts.pop()
    return ".".join(parts)


@dataclass
class Doc:
    """One ground-truth record, indexed by semantic concept."""

    record: Mapping[str, Any]
    values: dict[str, str | None]  # concept -> printed value; None = hidden by the fill policy
    types: dict[str, str]

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Doc:
        fill = (record.get("_metadata") or {}).get("fill") or {}
        stages = fill.get("stages") or {}
        hidden = {fid for fid, stage in stages.items() if stage == "blank"} | set(fill.get("pinned") or ())
        values: dict[str, str | None] = {}
        types: dict[str, str] = {}
        for fid, meta in (record.get("field_meta") or {}).items():
            concept = meta.get("semantic_concept")
            if not concept:
                continue
            raw = record["fields"].get(fid, "")
            values[concept] = None if fid in hidden else ("" if raw is None else str(raw))
            types[concept] = meta.get("type", "text")
        return cls(record, values, types)

    @property
    def id(self) -> str:
        return str(self.record.get("document_id", ""))

    def has(self, concept: str) -> bool:
        return concept in self.values

    def text(self, concept: str) -> str:
        v = self.values.get(concept)
        if v is None:
            raise Skip(concept)
        return v

    def amount(self, concept: str) -> Decimal:
        try:
            return money(self.text(concept))
        except ValueError:
            raise Skip(concept) from None

    def day(self, concept: str) -> date:
        v = self.text(concept)
        if not v:
            raise Skip(concept)
        try:
            return parse_date(v)
        except ValueError:
            raise Skip(concept) from None

    def checked(self, concept: str) -> bool:
        return bool(self.text(concept).strip())

    def first_line(self, concept: str) -> str:
        return self.text(concept).split("\n", 1)[0].strip().upper()


@dataclass(frozen=True)
class Violation:
    rule: str
    document_id: str
    item_index: int | None
    message: str


@dataclass
class Report:
    coherence_mode: str
    documents: int = 0
    items: int = 0
    checks: Counter = field(default_factory=Counter)  # rule -> evaluations that ran
    skipped: Counter = field(default_factory=Counter)  # rule -> evaluations without their inputs
    not_applicable: list[str] = field(default_factory=list)  # rules the mode does not promise
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self, limit: int = 20) -> str:
        lines = [
            f"{self.documents} documents, {self.items} items, coherence_mode={self.coherence_mode}: "
            + ("all invariants hold" if self.ok else f"{len(self.violations)} violations")
        ]
        for rule, _ in RULES:
            if rule in self.not_applicable:
                lines.append(f"  {rule:22s} not checked in {self.coherence_mode} mode")
                continue
            failed = sum(1 for v in self.violations if v.rule == rule)
            lines.append(f"  {rule:22s} {'FAIL' if failed else 'ok  '} {self.checks[rule]:7d} checks, {failed} failed")
        for v in self.violations[:limit]:
            lines.append(f"  ! {v.rule} {v.document_id}: {v.message}")
        if len(self.violations) > limit:
            lines.append(f"  ... {len(self.violations) - limit} more")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "coherence_mode": self.coherence_mode,
            "documents": self.documents,
            "items": self.items,
            "checks": dict(self.checks),
            "skipped": dict(self.skipped),
            "not_applicable": self.not_applicable,
            "violations": [v.__dict__ for v in self.violations],
        }


class _Run:
    """Bookkeeping for one check: which rule is running, on what, and what it found."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def rule(self, rule: str, docs: Sequence[Doc], fn: Callable[[Callable[[str], None]], None]) -> None:
        doc_id = docs[0].id if docs else ""
        item = docs[0].record.get("item_index") if docs else None

        def fail(message: str) -> None:
            self.report.violations.append(Violation(rule, doc_id, item, message))

        try:
            fn(fail)
        except Skip:
            self.report.skipped[rule] += 1
            return
        self.report.checks[rule] += 1


def _eq(fail: Callable[[str], None], what: str, got: Decimal, want: Decimal) -> None:
    if got != want:
        fail(f"{what}: {got:,.2f} != {want:,.2f}")


# ---- field rules --------------------------------------------------------------------------------------


def _field_rules(run: _Run, doc: Doc) -> None:
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


def _addresses(doc: Doc) -> dict[str, dict[str, str]]:
    """entity -> {"state", "zip", "phone"} gathered from separate fields and address blocks."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for concept, typ in doc.types.items():
        value = doc.values[concept]
        if not value:
            continue
        entity = _entity(concept)
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
                m = _CITY_LINE.match(line)
                if m:
                    out[entity]["state"], out[entity]["zip"] = m.group(2), m.group(3)
                elif _PHONE.match(line):
                    out[entity]["phone"] = line
    return out


def _address_rules(run: _Run, doc: Doc) -> None:
    for entity, parts in _addresses(doc).items():
        state = parts.get("state")
        if state and parts.get("zip"):

            def zip_rule(fail: Callable[[str], None], e: str = entity, s: str = state, z: str = parts["zip"]) -> None:
                if s not in states_of_zip(z):
                    fail(f"{e}: ZIP {z} is not in {s} (prefix {z[:3]}: {', '.join(states_of_zip(z)) or 'unknown'})")

            run.rule("address.zip_state", [doc], zip_rule)
        if state and parts.get("phone"):
            m = _PHONE.match(parts["phone"])
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


def _date_rules(run: _Run, doc: Doc) -> None:
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
        _eq(fail, "box 3 = min(box 5, wage base)", box3, min(box5, SS_WAGE_BASE))
        _eq(fail, "box 4 = 6.2% of box 3", box4, cents(box3 * Decimal("0.062")))
        want6 = cents(box5 * Decimal("0.0145") + max(box5 - 200000, Decimal(0)) * Decimal("0.009"))
        _eq(fail, "box 6 = Medicare tax on box 5", box6, want6)
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
        _eq(fail, "box 1 = box 5 - elective deferrals", box1, box5 - deferrals)
        if (deferrals or roth) and not doc.checked("tax.box13.retirement_plan"):
            fail("box 13 retirement plan is not checked although box 12 shows deferrals")
        if doc.has("tax.box16.state_wages") and doc.text("tax.box16.state_wages"):
            state = doc.text("tax.box15.state").strip()
            want16 = box1 + deferrals if state == "PA" else box1
            _eq(fail, f"box 16 state wages ({state})", doc.amount("tax.box16.state_wages"), want16)
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


def _filing_status(doc: Doc) -> str | None:
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
        status = _filing_status(doc)
        if status is None:
            fail("the return must check exactly one filing status")
            return
        boxes = sum(
            doc.checked(c) if doc.has(c) else 0
            for c in ("tax.age_blindness.taxpayer_born_before_1960", "tax.age_blindness.spouse_born_before_1960")
        )
        _eq(fail, "line 1z", a("1z"), a("1a"))
        _eq(fail, "line 9", a("9"), a("1z") + a("2b") + a("3b") + a("4b") + a("5b") + a("6b") + a("7") + a("8"))
        _eq(fail, "line 11", a("11"), max(a("9") - a("10"), Decimal(0)))
        _eq(fail, "line 12 standard deduction", a("12"), tax.standard_deduction_2024(status, boxes))
        _eq(fail, "line 14", a("14"), a("12") + a("13"))
        _eq(fail, "line 15", a("15"), max(a("11") - a("14"), Decimal(0)))
        _eq(fail, "line 16 tax", a("16"), tax.tax_with_qdcg_2024(a("15"), a("3a"), a("7"), status))
        _eq(fail, "line 18", a("18"), a("16") + a("17"))
        _eq(fail, "line 21", a("21"), a("19") + a("20"))
        _eq(fail, "line 22", a("22"), max(a("18") - a("21"), Decimal(0)))
        _eq(fail, "line 24", a("24"), a("22") + a("23"))
        _eq(fail, "line 25d", a("25d"), a("25a") + a("25b") + a("25c"))
        _eq(fail, "line 32", a("32"), a("27") + a("28") + a("29") + a("31"))
        _eq(fail, "line 33", a("33"), a("25d") + a("26") + a("32"))
        _eq(fail, "line 34", a("34"), max(a("33") - a("24"), Decimal(0)))
        _eq(fail, "line 37", a("37"), max(a("24") - a("33"), Decimal(0)))
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
            _eq(fail, "rate x hours", doc.amount("payroll.earnings.regular.current"), want)
        for col in ("current", "ytd"):
            gross = doc.amount(f"payroll.gross.{col}")
            _eq(fail, f"gross ({col})", gross, doc.amount(f"payroll.earnings.regular.{col}"))
            t = sum((doc.amount(f"payroll.tax.{k}.{col}") for k in taxes), Decimal(0))
            d = sum((doc.amount(f"payroll.deduction.{k}.{col}") for k in deductions), Decimal(0))
            _eq(fail, f"total taxes ({col})", doc.amount(f"payroll.taxes_total.{col}"), t)
            _eq(fail, f"total deductions ({col})", doc.amount(f"payroll.deductions_total.{col}"), d)
            _eq(fail, f"net pay ({col})", doc.amount(f"payroll.net.{col}"), gross - t - d)
        _eq(fail, "deposit = net pay", doc.amount("payroll.deposit.amount"), doc.amount("payroll.net.current"))
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
            _eq(fail, f"row {n} balance", doc.amount(f"{prefix}.balance"), balance)
            day = doc.day(f"{prefix}.date")
            if not start <= day <= end or day < last_day:
                fail(f"row {n} dated {day} out of order or outside {start}..{end}")
            last_day = day
        _eq(fail, "ending balance", doc.amount("statement.closing_balance"), balance)
        _eq(fail, "total deposits", doc.amount("statement.total_deposits"), total_in)
        _eq(fail, "total withdrawals", doc.amount("statement.total_withdrawals"), total_out)
        opening, closing = doc.amount("statement.opening_balance"), doc.amount("statement.closing_balance")
        _eq(fail, "beginning + deposits - withdrawals", closing, opening + total_in - total_out)
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
            _eq(
                fail,
                f"line {n} quantity x rate",
                amount,
                cents(doc.amount(f"{prefix}.quantity") * doc.amount(f"{prefix}.rate")),
            )
            subtotal += amount
        _eq(fail, "subtotal", doc.amount("invoice.subtotal"), subtotal)
        rate = money(doc.text("invoice.tax_rate").replace("%", "")) / 100
        _eq(fail, "sales tax", doc.amount("invoice.tax"), cents(subtotal * rate))
        _eq(fail, "total", doc.amount("invoice.total"), subtotal + doc.amount("invoice.tax"))
        _eq(
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
        _eq(fail, "total charge", doc.amount("billing.total_charge"), total)
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
            _eq(fail, "step 3 total", doc.amount("tax.w4.step3.total"), children + other)

    return rule


_DOCUMENT_RULES: tuple[tuple[str, str, Callable[[Doc], Callable[[Callable[[str], None]], None]]], ...] = (
    ("w2.arithmetic", "tax.box1.wages", _w2_rule),
    ("f1040.arithmetic", "tax.line1a.w2_wages", _f1040_rule),
    ("paystub.arithmetic", "payroll.net.current", _paystub_rule),
    ("statement.arithmetic", "statement.closing_balance", _statement_rule),
    ("invoice.arithmetic", "invoice.subtotal", _invoice_rule),
    ("claim.arithmetic", "billing.total_charge", _claim_rule),
    ("w4.arithmetic", "tax.w4.step3.total", _w4_rule),
)


# ---- packet rules -------------------------------------------------------------------------------------


def _last_names(doc: Doc) -> Iterator[str]:
    for concept in ("person.last_name",):
        if doc.values.get(concept):
            yield (doc.values[concept] or "").strip().upper()
    if doc.values.get("person.full_name") and not doc.has("person.last_name"):
        yield (doc.values["person.full_name"] or "").split()[-1].upper()


def _with(docs: Sequence[Doc], concept: str) -> list[Doc]:
    return [d for d in docs if d.has(concept)]


def _packet_rules(run: _Run, docs: Sequence[Doc]) -> None:
    def same_person(fail: Callable[[str], None]) -> None:
        ssns = {d.values["person.ssn"] for d in _with(docs, "person.ssn") if d.values["person.ssn"]}
        if len(ssns) > 1:
            fail(f"SSNs differ across forms: {sorted(ssns)}")
        lasts = {name for d in docs for name in _last_names(d) if name}
        if len(lasts) > 1:
            fail(f"last names differ across forms: {sorted(lasts)}")
        zips = {parts["zip"] for d in docs for e, parts in _addresses(d).items() if e == "person" and "zip" in parts}
        if len(zips) > 1:
            fail(f"home ZIP codes differ across forms: {sorted(zips)}")

    run.rule("tie.same_person", list(docs), same_person)

    w2s, f1040s = _with(docs, "tax.box1.wages"), _with(docs, "tax.line1a.w2_wages")
    stubs, banks = _with(docs, "payroll.net.current"), _with(docs, "statement.closing_balance")
    nec, ints = (
        _with(docs, "tax.1099nec.box1.nonemployee_compensation"),
        _with(docs, "tax.1099int.box1.interest_income"),
    )

    for w2 in w2s:
        for f in f1040s:

            def w2_1040(fail: Callable[[str], None], w2: Doc = w2, f: Doc = f) -> None:
                _eq(fail, "1040 line 1a = W-2 box 1", f.amount("tax.line1a.w2_wages"), w2.amount("tax.box1.wages"))
                _eq(fail, "1040 line 25a = W-2 box 2", f.amount("tax.line25a.w2_withholding"),
                    w2.amount("tax.box2.federal_income_tax_withheld"))  # fmt: skip
                box5, box6 = w2.amount("tax.box5.medicare_wages"), w2.amount("tax.box6.medicare_tax_withheld")
                _eq(fail, "1040 line 25c (Form 8959)", f.amount("tax.line25c.other_withholding"),
                    max(box6 - cents(box5 * Decimal("0.0145")), Decimal(0)))  # fmt: skip
                status = _filing_status(f)
                if status is None:
                    raise Skip("filing status")
                earnings, se = tax.self_employment_tax(f.amount("tax.line8.additional_income"),
                                                       w2.amount("tax.box3.social_security_wages"))  # fmt: skip
                want23 = se + tax.additional_medicare_tax(status, box5, earnings)
                _eq(fail, "1040 line 23 (Schedule SE + Form 8959)", f.amount("tax.line23.other_taxes"), want23)

            run.rule("tie.w2_1040", [f, w2], w2_1040)
        for stub in stubs:

            def w2_stub(fail: Callable[[str], None], w2: Doc = w2, s: Doc = stub) -> None:
                pairs = (
                    ("tax.box2.federal_income_tax_withheld", "payroll.tax.federal.ytd"),
                    ("tax.box4.social_security_tax_withheld", "payroll.tax.social_security.ytd"),
                    ("tax.box6.medicare_tax_withheld", "payroll.tax.medicare.ytd"),
                    ("tax.box17.state_income_tax", "payroll.tax.state.ytd"),
                    ("tax.box19.local_income_tax", "payroll.tax.local.ytd"),
                )
                for box, row in pairs:
                    _eq(fail, f"{box} = pay stub {row}", w2.amount(box), s.amount(row))
                box5 = (s.amount("payroll.gross.ytd") - s.amount("payroll.deduction.medical.ytd")
                        - s.amount("payroll.deduction.hsa.ytd") + s.amount("payroll.earnings.gtl.ytd"))  # fmt: skip
                _eq(fail, "W-2 box 5 from the pay stub", w2.amount("tax.box5.medicare_wages"), box5)
                _eq(fail, "W-2 box 1 from the pay stub", w2.amount("tax.box1.wages"),
                    box5 - s.amount("payroll.deduction.retirement.ytd"))  # fmt: skip
                rows = {"W": "payroll.deduction.hsa.ytd", "C": "payroll.earnings.gtl.ytd"}
                rows.update(dict.fromkeys(DEFERRAL_CODES, "payroll.deduction.retirement.ytd"))
                rows.update(dict.fromkeys(ROTH_CODES, "payroll.deduction.roth.ytd"))
                for slot in "abcd":
                    code = w2.text(f"tax.box12{slot}.code").strip()
                    if code in rows:
                        _eq(
                            fail,
                            f"box 12 {code} = pay stub",
                            w2.amount(f"tax.box12{slot}.amount"),
                            s.amount(rows[code]),
                        )
                other = w2.text("tax.box14.other")
                if other.endswith(tuple("0123456789")) and "SDI" in other:
                    _eq(fail, "box 14 SDI = pay stub", money(other.split()[-1]), s.amount("payroll.tax.sdi.ytd"))

            run.rule("tie.w2_paystub", [stub, w2], w2_stub)
    for stub in stubs:
        for bank in banks:

            def stub_bank(fail: Callable[[str], None], s: Doc = stub, b: Doc = bank) -> None:
                pay_date, net = s.day("payroll.pay_date"), s.amount("payroll.net.current")
                if not b.day("statement.period_start") <= pay_date <= b.day("statement.period_end"):
                    raise Skip("pay date outside the statement")
                for n in range(1, 100):
                    prefix = f"statement.txn{n:02d}"
                    if not b.has(f"{prefix}.date"):
                        break
                    if (
                        b.text(f"{prefix}.date")
                        and b.day(f"{prefix}.date") == pay_date
                        and b.amount(f"{prefix}.deposit") == net
                        and "PAYROLL" in b.text(f"{prefix}.description").upper()
                    ):
                        return
                fail(f"no payroll deposit of {net:,.2f} on {pay_date} in the bank statement")

            run.rule("tie.paystub_bank", [bank, stub], stub_bank)
    for f in f1040s:
        for i in ints:

            def int_1040(fail: Callable[[str], None], f: Doc = f, i: Doc = i) -> None:
                interest = i.amount("tax.1099int.box1.interest_income")
                bonds = i.amount("tax.1099int.box3.us_savings_bond_interest")
                _eq(fail, "1040 line 2b = INT box 1 + box 3", f.amount("tax.line2b.taxable_interest"), interest + bonds)

            run.rule("tie.1099_1040", [f, i], int_1040)
        for n in nec:

            def nec_1040(fail: Callable[[str], None], f: Doc = f, n: Doc = n) -> None:
                line8, box1 = (
                    f.amount("tax.line8.additional_income"),
                    n.amount("tax.1099nec.box1.nonemployee_compensation"),
                )
                if not Decimal(0) < line8 <= box1:
                    fail(f"1040 line 8 {line8:,.2f} should be positive and at most 1099-NEC box 1 {box1:,.2f}")

            run.rule("tie.1099_1040", [f, n], nec_1040)

    def employer(fail: Callable[[str], None]) -> None:
        eins = {d.values["employer.ein"] for d in _with(docs, "employer.ein") if d.values["employer.ein"]}
        if len(eins) > 1:
            fail(f"employer EINs differ: {sorted(eins)}")
        names = {d.first_line("employer.name_address") for d in _with(docs, "employer.name_address")
                 if d.values["employer.name_address"]}  # fmt: skip
        if len(names) > 1:
            fail(f"employer names differ: {sorted(names)}")

    if len(_with(docs, "employer.name_address")) + len(_with(docs, "employer.ein")) > 1:
        run.rule("tie.employer", list(docs), employer)

    def payers(fail: Callable[[str], None]) -> None:
        ran = False
        for n in nec:
            payer = n.first_line("payer.name_address_phone")
            for d in _with(docs, "requester.name_address"):
                ran = True
                if d.first_line("requester.name_address") != payer:
                    fail(
                        f"W-9 requester {d.first_line('requester.name_address')!r} is not the 1099-NEC payer {payer!r}"
                    )
            for d in _with(docs, "customer.name_address"):
                ran = True
                if d.first_line("customer.name_address") != payer:
                    customer = d.first_line("customer.name_address")
                    fail(f"invoice customer {customer!r} is not the 1099-NEC payer {payer!r}")
                if d.amount("invoice.subtotal") > n.amount("tax.1099nec.box1.nonemployee_compensation"):
                    fail("invoice subtotal exceeds 1099-NEC box 1")
        for i in ints:
            for b in banks:
                ran = True
                if i.first_line("payer.name_address_phone") != b.text("bank.name").strip().upper():
                    fail("1099-INT payer is not the statement's bank")
                if i.text("payer.routing_number") and i.text("payer.routing_number") != b.text("bank.routing_number"):
                    fail("1099-INT RTN is not the statement's routing number")
                if i.text("tax.1099.account_number") != b.text("bank.account_number"):
                    fail("1099-INT account number is not the statement's account")
        for f in f1040s:
            for b in banks:
                if f.text("tax.line35b.routing_number"):
                    ran = True
                    if f.text("tax.line35b.routing_number") != b.text("bank.routing_number") or f.text(
                        "tax.line35d.account_number"
                    ) != b.text("bank.account_number"):
                        fail("1040 refund account is not the statement's account")
        if not ran:
            raise Skip("no payer documents")

    run.rule("tie.payers", list(docs), payers)

    claims, intakes = _with(docs, "billing.total_charge"), _with(docs, "healthcare.visit.date")
    for c in claims:
        for i in intakes:

            def claim_intake(fail: Callable[[str], None], c: Doc = c, i: Doc = i) -> None:
                for concept in ("insurance.insured.id", "insurance.plan_name", "healthcare.patient.dob"):
                    if c.text(concept) != i.text(concept):
                        fail(f"{concept}: claim {c.text(concept)!r} != intake {i.text(concept)!r}")
                if c.day("healthcare.service.line1.date_from") != i.day("healthcare.visit.date"):
                    fail("date of service is not the intake's visit date")

            run.rule("tie.claim_intake", [c, i], claim_intake)


# ---- entry points -------------------------------------------------------------------------------------


def check_records(records: Iterable[Mapping[str, Any]], coherence_mode: str | None = None) -> Report:
    """Check ground-truth records (any order); the mode comes from the argument or the records."""
    by_item: dict[Any, list[Doc]] = defaultdict(list)
    modes: set[str] = set()
    n_docs = 0
    for record in records:
        doc = Doc.of(record)
        by_item[record.get("item_index")].append(doc)
        modes.add(str((record.get("_metadata") or {}).get("coherence_mode") or "coherent"))
        n_docs += 1
    mode = coherence_mode or (modes.pop() if len(modes) == 1 else "coherent")
    report = Report(coherence_mode=mode, documents=n_docs, items=len(by_item))
    report.not_applicable = [rule for rule, _ in RULES if mode not in MODES_BY_SCOPE[RULE_SCOPE[rule]]]
    run = _Run(report)
    documents = mode in MODES_BY_SCOPE[DOCUMENT]
    for item in sorted(by_item, key=lambda k: (k is None, k)):
        docs = by_item[item]
        for doc in docs:
            _field_rules(run, doc)
            if documents:
                _address_rules(run, doc)
                _date_rules(run, doc)
                for rule, marker, make in _DOCUMENT_RULES:
                    if doc.has(marker):
                        run.rule(rule, [doc], make(doc))
        if mode in MODES_BY_SCOPE[PACKET]:
            _packet_rules(run, docs)
    return report


def _zip_records(archive: zipfile.ZipFile) -> tuple[list[dict[str, Any]], str | None]:
    mode = None
    if "manifest.json" in archive.namelist():
        manifest = json.loads(archive.read("manifest.json"))
        mode = ((manifest.get("dataset_info") or {}).get("generation_params") or {}).get("coherence_mode")
    names = sorted(n for n in archive.namelist() if n.startswith("ground_truth/json/") and n.endswith(".json"))
    return [json.loads(archive.read(n)) for n in names], mode


def check_dataset(source: str | Path | zipfile.ZipFile | IO[bytes], coherence_mode: str | None = None) -> Report:
    """Check a dataset zip (path, open file or ``ZipFile``) or an unpacked dataset directory.

    The coherence mode comes from the manifest (``dataset_info.generation_params``) unless given.
    """
    if isinstance(source, zipfile.ZipFile):
        records, mode = _zip_records(source)
    elif isinstance(source, str | Path) and Path(source).is_dir():
        root = Path(source)
        manifest = root / "manifest.json"
        mode = None
        if manifest.exists():
            params = (json.loads(manifest.read_text()).get("dataset_info") or {}).get("generation_params") or {}
            mode = params.get("coherence_mode")
        records = [json.loads(p.read_text()) for p in sorted((root / "ground_truth" / "json").glob("*.json"))]
    else:
        with zipfile.ZipFile(source) as archive:
            records, mode = _zip_records(archive)
    return check_records(records, coherence_mode or mode)


__all__ = ["RULES", "Report", "Violation", "check_dataset", "check_records"]
