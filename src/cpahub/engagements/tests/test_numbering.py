"""Report numbers (文号): the firm's pattern, one gap-free series per firm, year and word, void kept."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from cpahub.engagements.choices import EngagementType
from cpahub.engagements.models import ReportNumber, ReportSeries
from cpahub.engagements.services import numbering
from cpahub.practice.models import FirmSettings
from cpahub.testing.practice import EngagementFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 4, 1)


def take(engagement, day=DAY):
    with transaction.atomic():
        return numbering.allocate(engagement, actor=None, report_date=day)


def test_the_firm_pattern_prefix_and_word_make_the_number(w):
    settings = FirmSettings.for_firm(w.firm_a)
    settings.report_prefix = "赣华信"
    settings.save()
    audit = EngagementFactory(client=w.client_a)
    capital = EngagementFactory(client=w.client_a, type=EngagementType.CAPITAL_VERIFICATION)
    assert take(audit).number == "赣华信审字〔2025〕第0001号"
    assert take(capital).number == "赣华信验字〔2025〕第0001号"
    assert take(audit).number == "赣华信审字〔2025〕第0002号"
    assert take(audit, datetime.date(2026, 1, 5)).number == "赣华信审字〔2026〕第0001号"
    # Another firm has its own series.
    assert take(EngagementFactory(client=w.client_b)).number == "审字〔2025〕第0001号"


@pytest.mark.parametrize(
    "pattern",
    [
        "{prefix}审字第{seq}号",
        "{prefix}{word}字〔{year}〕",
        "{word}{year}{seq:04d}{oops}",
        "{word}{year}{seq:q}",
    ],
)
def test_patterns_that_cannot_number_distinctly_are_refused(pattern):
    with pytest.raises(ValidationError):
        numbering.validate_pattern(pattern)


def test_a_good_pattern_passes():
    assert numbering.validate_pattern("{prefix}{word}〔{year}〕{seq:03d}号")


def test_a_rolled_back_issue_gives_its_number_back(w):
    audit = EngagementFactory(client=w.client_a)
    take(audit)
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.allocate(audit, actor=None, report_date=DAY)
        raise RuntimeError("the issue failed after the number was taken")
    assert take(audit).seq == 2
    assert list(ReportNumber.objects.values_list("seq", flat=True)) == [1, 2]


def test_a_void_number_is_kept_and_never_reused(w):
    audit = EngagementFactory(client=w.client_a)
    first = take(audit)
    numbering.void(first, actor=w.partner_a, reason="误出具")
    assert take(audit).seq == 2
    first.refresh_from_db()
    assert first.void and first.number == "审字〔2025〕第0001号"


@pytest.mark.django_db(transaction=True)
def test_allocation_refuses_to_run_outside_a_transaction(w):
    with pytest.raises(RuntimeError):
        numbering.allocate(EngagementFactory(client=w.client_a), actor=None, report_date=DAY)


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_is_gap_free_and_unique_on_postgresql(w):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time (IMMEDIATE transactions); the race needs PostgreSQL")
    threads_count = 24
    engagements = [EngagementFactory(client=w.client_a, code=f"RACE-{n}") for n in range(threads_count)]
    assert not ReportSeries.objects.exists()  # the first allocations also race to create the series row
    barrier = threading.Barrier(threads_count)
    numbers, errors = [], []

    def issue(engagement):
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(numbering.allocate(engagement, actor=None, report_date=DAY).seq)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(e,)) for e in engagements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, threads_count + 1))
    stored = sorted(ReportNumber.objects.filter(firm=w.firm_a).values_list("seq", flat=True))
    assert stored == list(range(1, threads_count + 1))
    assert ReportSeries.objects.get(firm=w.firm_a).last_seq == threads_count
