"""Invoices with gap-free numbers per firm and year, credit notes, receipts and their allocation.

Clients pay by their habit (prompt to never), some in two instalments, a few with money left on
account; an allocation never exceeds what is open on the invoice or free on the receipt, and each
invoice's status follows from its allocations and credit notes as the billing service sets it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from cpahub.billing.choices import AdjustmentKind, CounterKind, InvoiceStatus, LineKind, PaymentMethod
from cpahub.billing.models import Allocation, CreditNote, Invoice, InvoiceLine, NumberCounter, Receipt
from cpahub.billing.money import fen, split
from cpahub.billing.numbering import PATTERNS
from cpahub.demo.practice.billing import Bill, Biller
from cpahub.demo.practice.store import moment
from cpahub.engagements.choices import Status

DAY = datetime.timedelta(days=1)
ZERO = Decimal("0.00")


class Invoicing:
    def __init__(self, biller: Biller):
        self.b = biller
        self.p = biller.p
        self.rng = self.p.rng("settlement")
        self.as_of = self.p.as_of
        finance = [p for p in self.p.people if p.spec is None] or self.p.partners()
        self.clerk = finance[0].user
        self.e_serial = 0

    def run(self) -> None:
        bills = self._with_cancellations(self.b.bills)
        invoices = self._invoices(bills)
        credits = self._credit_notes(bills)
        receipts = self._receipts(bills, credits)
        store, owner = self.p.store, self.p.firm.pk
        store.add(invoices, owner=owner)
        store.add([line for bill in bills for line in bill.invoice.rows], owner=owner, keys=False)
        store.add(credits, owner=owner, keys=False)
        store.add(self.b.adjustments, owner=owner, keys=False)
        store.add([r for r, _allocs in receipts], owner=owner)
        store.add([a for _r, allocs in receipts for a in allocs], owner=owner, keys=False)
        self._counters(invoices, credits)

    def _with_cancellations(self, bills: list[Bill]) -> list[Bill]:
        """About one issued invoice in seventy is cancelled within days and issued again."""
        out = []
        for bill in sorted(bills, key=lambda b: (b.day, b.job.engagement.code)):
            out.append(bill)
            if bill.status == InvoiceStatus.ISSUED and self.rng.random() < 0.015:
                again = bill.day + DAY * self.rng.randint(1, 5)
                if again <= self.as_of:
                    bill.cancelled = again
                    out.append(Bill(bill.job, again, list(bill.lines), bill.final))
        return sorted(out, key=lambda b: (b.day, b.job.engagement.code, b.cancelled is None))

    def _buyer(self, bill: Bill):
        client = bill.job.info.client
        if client.parent is not None and self.rng.random() < 0.3:
            return client.parent  # the group pays for its companies
        return client

    def _invoices(self, bills: list[Bill]) -> list[Invoice]:
        rng = self.rng
        seq = defaultdict(int)
        invoices = []
        for bill in bills:
            agreement = bill.job.agreement
            rate = agreement.tax_rate
            client = self._buyer(bill)
            invoice = Invoice(
                firm=self.p.firm,
                office=client.office,
                client=client,
                tax_rate=rate,
                status=bill.status,
                buyer_name=client.name,
                buyer_credit_code=client.credit_code,
                created_by=self.clerk,
                created=moment(min(bill.day, self.as_of), rng),
            )
            if bill.status != InvoiceStatus.DRAFT:
                seq[bill.day.year] += 1
                invoice.number = PATTERNS[CounterKind.INVOICE].format(
                    year=bill.day.year, seq=seq[bill.day.year]
                )
                invoice.issue_date = bill.day
                invoice.due_date = bill.day + DAY * agreement.payment_days
                invoice.issued_by = self.clerk
                if (self.as_of - bill.day).days > 3:
                    invoice.e_invoice_number = self._e_number(bill.day)
            if bill.cancelled:
                invoice.status = InvoiceStatus.CANCELLED
                invoice.cancelled_on = bill.cancelled
                invoice.cancel_reason = "购买方纳税人识别号有误，作废后重新开具。"
            invoice.rows = []
            for kind, net_amount, text, stage in bill.lines:
                net, tax, gross = split(net_amount, rate, False)
                invoice.rows.append(
                    InvoiceLine(
                        invoice=invoice,
                        engagement=bill.job.engagement,
                        kind=kind,
                        description=text,
                        amount=net_amount,
                        net=net,
                        tax=tax,
                        gross=gross,
                        fee_milestone=stage,
                        created=invoice.created,
                    )
                )
            invoice.net_amount = sum((r.net for r in invoice.rows), ZERO)
            invoice.tax_amount = sum((r.tax for r in invoice.rows), ZERO)
            invoice.gross_amount = sum((r.gross for r in invoice.rows), ZERO)
            invoice.updated = invoice.created
            bill.invoice = invoice
            invoices.append(invoice)
        self.invoice_counts = dict(seq)
        return invoices

    def _e_number(self, day: datetime.date) -> str:
        self.e_serial += 1
        return f"{day.year % 100:02d}362{self.p.firm.pk:06d}{self.e_serial:09d}"

    def _credit_notes(self, bills: list[Bill]) -> list[CreditNote]:
        """A fee reduction agreed after the final invoice: a credit note and a write-off of the same."""
        rng = self.rng
        notes = []
        for bill in bills:
            invoice = bill.invoice
            closed = bill.job.engagement.status in (Status.ISSUED, Status.ARCHIVED)
            if not (bill.final and closed and invoice.status == InvoiceStatus.ISSUED) or rng.random() > 0.08:
                continue
            day = bill.day + DAY * rng.randint(10, 60)
            fees = [r for r in invoice.rows if r.kind == LineKind.FEE]
            if day > self.as_of or not fees:
                continue
            cut = fees[0].gross * Decimal(str(round(rng.uniform(0.05, 0.2), 2)))
            gross = (cut / 100).quantize(Decimal("1")) * 100
            if gross <= 0 or gross >= fees[0].gross:
                continue
            net, tax, gross = split(gross, invoice.tax_rate, True)
            notes.append(
                CreditNote(
                    firm=self.p.firm,
                    office=invoice.office,
                    invoice=invoice,
                    engagement=bill.job.engagement,
                    kind=LineKind.FEE,
                    date=day,
                    net=net,
                    tax=tax,
                    gross=gross,
                    reason="经协商减收部分审计费用，开具红字发票。",
                    created_by=self.clerk,
                    created=moment(day, rng),
                )
            )
            self.b.adjust(
                bill.job, day, AdjustmentKind.WRITE_OFF, net, "开具红字发票减收审计费用，相应核销在产品"
            )
        seq = defaultdict(int)
        for note in sorted(notes, key=lambda n: (n.date, n.invoice.number)):
            seq[note.date.year] += 1
            note.number = PATTERNS[CounterKind.CREDIT_NOTE].format(
                year=note.date.year, seq=seq[note.date.year]
            )
            if (self.as_of - note.date).days > 3:
                note.e_invoice_number = self._e_number(note.date)
        self.credit_counts = dict(seq)
        return notes

    def _receipts(self, bills: list[Bill], credits: list[CreditNote]) -> list:
        """Receipts by each client's habit; allocations and the invoices' statuses from them."""
        rng = self.rng
        credited = defaultdict(lambda: ZERO)
        for note in credits:
            credited[id(note.invoice)] += note.gross
        payments = defaultdict(list)  # (client, day) → [(invoice, amount)]
        for bill in bills:
            invoice = bill.invoice
            if invoice.status != InvoiceStatus.ISSUED:
                continue
            owed = invoice.gross_amount - credited[id(invoice)]
            delay = bill.job.info.delay
            paid = ZERO
            if delay and owed > 0:
                first = invoice.issue_date + DAY * rng.randint(*delay)
                parts = [(first, owed)]
                if rng.random() < 0.2:
                    share = fen(owed * Decimal(str(round(rng.uniform(0.4, 0.7), 2))))
                    parts = [(first, share), (first + DAY * rng.randint(30, 120), owed - share)]
                for day, amount in parts:
                    if day <= self.as_of and amount > 0:
                        payments[(invoice.client.pk, day)].append((invoice, amount))
                        paid += amount
            invoice.status = _status(invoice.gross_amount, paid, credited[id(invoice)])
        receipts = []
        for (_client, day), items in sorted(payments.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            invoice = items[0][0]
            total = sum((amount for _i, amount in items), ZERO)
            extra = Decimal(rng.choice((1000, 2000, 5000))) if rng.random() < 0.03 else ZERO
            receipt = Receipt(
                firm=self.p.firm,
                office=invoice.office,
                client=invoice.client,
                payer=invoice.client.name,
                date=day,
                amount=total + extra,
                method=rng.choices(
                    [PaymentMethod.BANK, PaymentMethod.ACCEPTANCE, PaymentMethod.ONLINE, PaymentMethod.CASH],
                    (85, 8, 5, 2),
                )[0],
                bank_reference=f"{rng.randrange(10**15, 10**16)}",
                notes="多付款项，待下次开票核销" if extra else "",
                recorded_by=self.clerk,
                created=moment(day, rng),
            )
            allocations = [
                Allocation(
                    receipt=receipt,
                    invoice=inv,
                    amount=amount,
                    allocated_by=self.clerk,
                    created=receipt.created,
                )
                for inv, amount in items
            ]
            receipts.append((receipt, allocations))
        return receipts

    def _counters(self, invoices, credits) -> None:
        firm = self.p.firm
        rows = [
            NumberCounter(firm=firm, kind=CounterKind.INVOICE, year=year, last=last)
            for year, last in self.invoice_counts.items()
        ]
        rows += [
            NumberCounter(firm=firm, kind=CounterKind.CREDIT_NOTE, year=year, last=last)
            for year, last in self.credit_counts.items()
        ]
        NumberCounter.objects.bulk_create(rows)


def _status(gross, paid, credited) -> str:
    if credited >= gross:
        return InvoiceStatus.CREDITED
    if paid + credited >= gross:
        return InvoiceStatus.PAID
    return InvoiceStatus.PART_PAID if paid > 0 else InvoiceStatus.ISSUED
