"""Gap-free numbers per firm, kind and year (invoices, credit notes).

A number is taken inside the transaction that issues the document: the counter row is locked
(`select_for_update`) until that transaction ends, so concurrent issuers queue, and a rolled-back issue
gives its number back. Same design as report numbers (文号).
"""

from django.db import IntegrityError, transaction

from cpahub.billing.choices import CounterKind
from cpahub.billing.models import NumberCounter

PATTERNS = {
    CounterKind.INVOICE: "{year}-{seq:05d}",
    CounterKind.CREDIT_NOTE: "HZ{year}-{seq:05d}",  # 红字 (red-letter) for credit notes
}


def next_number(firm, kind: str, year: int) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that uses the number")
    try:
        with transaction.atomic():  # the first number of a year creates the row; a racer may beat us
            NumberCounter.objects.get_or_create(firm=firm, kind=kind, year=year)
    except IntegrityError:
        pass
    counter = NumberCounter.objects.select_for_update().get(firm=firm, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return PATTERNS[kind].format(year=year, seq=counter.last)
