"""The rules' list and scopes, the parsed document (Doc), and the report a check produces."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

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
CITY_LINE = re.compile(r"^(.*?),\s*([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$")
PHONE = re.compile(r"^(?:1-)?\(?(\d{3})\)?[ -]?\d{3}-\d{4}$")
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


def entity_of(concept: str) -> str:
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

    def summary(self, limit: int = 20, *, verbose: bool = False) -> str:
        """Rules that ran (or failed); with `verbose`, also those that checked nothing here."""
        lines = [
            f"{self.documents} documents, {self.items} items, coherence_mode={self.coherence_mode}: "
            + ("all invariants hold" if self.ok else f"{len(self.violations)} violations")
        ]
        for rule, _ in RULES:
            if rule in self.not_applicable:
                if verbose:
                    lines.append(f"  {rule:22s} not checked in {self.coherence_mode} mode")
                continue
            failed = sum(1 for v in self.violations if v.rule == rule)
            if not (verbose or failed or self.checks[rule]):
                continue
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


class Run:
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


def eq(fail: Callable[[str], None], what: str, got: Decimal, want: Decimal) -> None:
    if got != want:
        fail(f"{what}: {got:,.2f} != {want:,.2f}")
