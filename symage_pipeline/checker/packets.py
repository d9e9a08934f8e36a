"""Packet rules (coherent only): the documents of one item tie out with each other."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from symage_pipeline.checker.core import DEFERRAL_CODES, ROTH_CODES, Doc, Run, Skip, cents, eq, money
from symage_pipeline.checker.documents import addresses, filing_status
from symage_pipeline.identities import tax

# ---- packet rules -------------------------------------------------------------------------------------


def _last_names(doc: Doc) -> Iterator[str]:
    for concept in ("person.last_name",):
        if doc.values.get(concept):
            yield (doc.values[concept] or "").strip().upper()
    if doc.values.get("person.full_name") and not doc.has("person.last_name"):
        yield (doc.values["person.full_name"] or "").split()[-1].upper()


def _with(docs: Sequence[Doc], concept: str) -> list[Doc]:
    return [d for d in docs if d.has(concept)]


def packet_rules(run: Run, docs: Sequence[Doc]) -> None:
    def same_person(fail: Callable[[str], None]) -> None:
        ssns = {d.values["person.ssn"] for d in _with(docs, "person.ssn") if d.values["person.ssn"]}
        if len(ssns) > 1:
            fail(f"SSNs differ across forms: {sorted(ssns)}")
        lasts = {name for d in docs for name in _last_names(d) if name}
        if len(lasts) > 1:
            fail(f"last names differ across forms: {sorted(lasts)}")
        zips = {parts["zip"] for d in docs for e, parts in addresses(d).items() if e == "person" and "zip" in parts}
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
                eq(fail, "1040 line 1a = W-2 box 1", f.amount("tax.line1a.w2_wages"), w2.amount("tax.box1.wages"))
                eq(fail, "1040 line 25a = W-2 box 2", f.amount("tax.line25a.w2_withholding"),
                    w2.amount("tax.box2.federal_income_tax_withheld"))  # fmt: skip
                box5, box6 = w2.amount("tax.box5.medicare_wages"), w2.amount("tax.box6.medicare_tax_withheld")
                eq(fail, "1040 line 25c (Form 8959)", f.amount("tax.line25c.other_withholding"),
                    max(box6 - cents(box5 * Decimal("0.0145")), Decimal(0)))  # fmt: skip
                status = filing_status(f)
                if status is None:
                    raise Skip("filing status")
                earnings, se = tax.self_employment_tax(f.amount("tax.line8.additional_income"),
                                                       w2.amount("tax.box3.social_security_wages"))  # fmt: skip
                want23 = se + tax.additional_medicare_tax(status, box5, earnings)
                eq(fail, "1040 line 23 (Schedule SE + Form 8959)", f.amount("tax.line23.other_taxes"), want23)

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
                    eq(fail, f"{box} = pay stub {row}", w2.amount(box), s.amount(row))
                box5 = (s.amount("payroll.gross.ytd") - s.amount("payroll.deduction.medical.ytd")
                        - s.amount("payroll.deduction.hsa.ytd") + s.amount("payroll.earnings.gtl.ytd"))  # fmt: skip
                eq(fail, "W-2 box 5 from the pay stub", w2.amount("tax.box5.medicare_wages"), box5)
                eq(fail, "W-2 box 1 from the pay stub", w2.amount("tax.box1.wages"),
                    box5 - s.amount("payroll.deduction.retirement.ytd"))  # fmt: skip
                rows = {"W": "payroll.deduction.hsa.ytd", "C": "payroll.earnings.gtl.ytd"}
                rows.update(dict.fromkeys(DEFERRAL_CODES, "payroll.deduction.retirement.ytd"))
                rows.update(dict.fromkeys(ROTH_CODES, "payroll.deduction.roth.ytd"))
                for slot in "abcd":
                    code = w2.text(f"tax.box12{slot}.code").strip()
                    if code in rows:
                        eq(
                            fail,
                            f"box 12 {code} = pay stub",
                            w2.amount(f"tax.box12{slot}.amount"),
                            s.amount(rows[code]),
                        )
                other = w2.text("tax.box14.other")
                if other.endswith(tuple("0123456789")) and "SDI" in other:
                    eq(fail, "box 14 SDI = pay stub", money(other.split()[-1]), s.amount("payroll.tax.sdi.ytd"))

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
                eq(fail, "1040 line 2b = INT box 1 + box 3", f.amount("tax.line2b.taxable_interest"), interest + bonds)

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
