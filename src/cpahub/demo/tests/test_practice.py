"""The practice data generator at a small scale: what the services would keep consistent holds."""

import datetime
import hashlib
import json
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from stdnum.cn import uscc

from cpahub.accounts.choices import OrgKind, Role
from cpahub.billing import reports as billing_reports
from cpahub.billing.choices import CAPPED_BASES, InvoiceStatus
from cpahub.billing.models import Allocation, CreditNote, FeeAgreement, Invoice, NumberCounter, Receipt
from cpahub.billing.queries import billed_fees
from cpahub.billing.services.invoices import refresh_status
from cpahub.clients import industry
from cpahub.clients.models import Client
from cpahub.clients.names import name_key
from cpahub.core.models import ObjectChange
from cpahub.core.permissions import scope_for
from cpahub.demo.practice import Named, PracticeError, Scale, generate
from cpahub.engagements.choices import AcceptanceStatus, ApprovalLevel, RiskLevel, Status
from cpahub.engagements.models import (
    Acceptance,
    Engagement,
    Milestone,
    ReportNumber,
    ReportSeries,
    ReviewSignoff,
    TeamMember,
)
from cpahub.engagements.services import acceptance as acceptance_service
from cpahub.practice.models import StaffProfile
from cpahub.testing.factories import FirmFactory, OrganisationFactory, user_with_role
from cpahub.timesheets import reports as time_reports
from cpahub.timesheets.access import approvable_q
from cpahub.timesheets.choices import CHARGEABLE_TASKS, Task
from cpahub.timesheets.choices import Status as TimeStatus
from cpahub.timesheets.models import TimeEntry, Timesheet
from cpahub.timesheets.workdays import WorkingDays

AS_OF = datetime.date(2025, 11, 20)


def credit_code(body: str) -> str:
    from cpahub.demo.identifiers import make_credit_code

    return make_credit_code(body[:2], body[2:8], body[8:16])


SCALE = {"staff": 18, "year": 2025, "as_of": AS_OF, "entries_per_day": 2.5}


def _firm(credit_code=None):
    extra = {"organisation__credit_code": credit_code} if credit_code else {}
    firm = FirmFactory(organisation__city="360100", organisation__short_name="江西测试", **extra).organisation
    OrganisationFactory(kind=OrgKind.FIRM, parent=firm, city="360700", name=firm.name + "赣州分所")
    return firm


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One generated firm for the module (rolled back at the end)."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A fixed credit code: the generator's seed includes it, so the data do not depend on how many
        # firms the factories made before (the order of the tests).
        firm = _firm(credit_code("91360100MA35WRLD"))
        partner = user_with_role(Role.PARTNER, firm, username="lead_partner")
        manager = user_with_role(Role.MANAGER, firm, username="lead_manager")
        result = generate(
            firm,
            Scale(**SCALE),
            seed=7,
            named=[Named(partner, "P", quality=True), Named(manager, "M")],
            focus={"partner": partner, "manager": manager},
            showcase=True,
        )
        yield result.practice
        transaction.set_rollback(True)


def test_staff_grades_and_logins(world, db):
    firm = world.firm
    profiles = StaffProfile.objects.filter(firm=firm)
    assert profiles.count() == 18
    assert profiles.filter(quality_partner=True).get().user.username == "lead_partner"
    assert profiles.get(user__username="lead_manager").grade.name == "经理"
    names = set(profiles.exclude(grade=None).values_list("grade__name", flat=True))
    assert names == {"合伙人", "高级经理", "经理", "高级审计员", "审计员", "审计助理"}
    assert profiles.filter(office__parent=firm).exists()  # some work at the branch
    for profile in profiles.select_related("user"):
        assert profile.user.memberships.filter(organisation=profile.office).exists()
        assert (profile.left is None) == profile.user.is_active


def test_clients_are_valid(world, db):
    clients = Client.objects.filter(firm=world.firm)
    assert clients.count() == 54
    for client in clients:
        assert uscc.is_valid(client.credit_code), client.credit_code
        assert client.industry_section == industry.section_of(client.industry) != ""
        assert client.name_key == name_key(client.name)
        client.full_clean()
    groups = clients.filter(parent__isnull=False)
    assert groups.exists() and all(c.parent.firm_id == world.firm.pk for c in groups)


def test_engagements_follow_the_pipeline(world, db):
    engagements = Engagement.objects.filter(firm=world.firm)
    statuses = Counter(engagements.values_list("status", flat=True))
    for status in (Status.PROPOSED, Status.FIELDWORK, Status.ISSUED, Status.ARCHIVED):
        assert statuses[status] > 0, statuses
    for e in engagements.select_related("acceptance"):
        e.full_clean(exclude=["previous"])
        if e.status in (Status.FIELDWORK, Status.REVIEW, Status.ISSUED, Status.ARCHIVED):
            assert e.acceptance.status == AcceptanceStatus.APPROVED, e
        if e.status in (Status.ISSUED, Status.ARCHIVED):
            signers = list(ReviewSignoff.objects.filter(engagement=e).values_list("level", "user_id"))
            assert sorted(level for level, _u in signers) == [1, 2, 3], e
            assert len({u for _l, u in signers}) == 3
            assert e.report_date and e.report_number
        if e.status == Status.ARCHIVED:
            assert e.archived_on >= e.report_date
        assert (
            e.partner_id and TeamMember.objects.filter(engagement=e, user=e.partner, role="partner").exists()
        )
        assert e.status_changes.order_by("created", "pk").last().to_status == e.status


def test_report_numbers_are_gap_free(world, db):
    numbers = ReportNumber.objects.filter(firm=world.firm)
    series = defaultdict(list)
    for year, word, seq, number, engagement in numbers.values_list(
        "year", "word", "seq", "number", "engagement__report_number"
    ):
        series[(year, word)].append(seq)
        assert number == engagement
        assert number.startswith(f"赣测试{word}字〔{year}〕第")
    assert series
    for key, seqs in series.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
        assert ReportSeries.objects.get(firm=world.firm, year=key[0], word=key[1]).last_seq == len(seqs)


def test_entries_and_sheets_agree(world, db):
    entries = TimeEntry.objects.filter(firm=world.firm)
    assert entries.count() > 5000
    rates = {p.user_id: p.grade for p in StaffProfile.objects.filter(firm=world.firm).select_related("grade")}
    for e in entries.filter(status=TimeStatus.APPROVED).iterator():
        grade = rates[e.user_id]
        assert (e.grade_id, e.charge_rate, e.cost_rate) == (grade.pk, grade.charge_rate, grade.cost_rate)
        assert e.approved_by_id not in (None, e.user_id) and e.approved_at is not None
    unapproved = entries.exclude(status=TimeStatus.APPROVED)
    assert not unapproved.filter(Q(charge_rate__isnull=False) | Q(approved_by__isnull=False)).exists()
    assert not entries.filter(status=TimeStatus.DRAFT, grade__isnull=False).exists()
    assert not entries.filter(status__in=[TimeStatus.SUBMITTED, TimeStatus.REJECTED], grade=None).exists()
    by_sheet = defaultdict(Counter)
    for sheet, status in entries.values_list("sheet_id", "status"):
        by_sheet[sheet][status] += 1
    allowed = {
        TimeStatus.APPROVED: {TimeStatus.APPROVED},
        TimeStatus.SUBMITTED: {TimeStatus.SUBMITTED, TimeStatus.APPROVED},
        TimeStatus.REJECTED: {TimeStatus.REJECTED, TimeStatus.APPROVED},
        TimeStatus.DRAFT: {TimeStatus.DRAFT},
    }
    sheets = Timesheet.objects.filter(firm=world.firm)
    assert set(sheets.values_list("status", flat=True)) == set(allowed)
    for sheet in sheets:
        found = by_sheet[sheet.pk]
        assert found and set(found) <= allowed[sheet.status], (sheet.status, found)
        if sheet.status != TimeStatus.APPROVED:
            assert found[sheet.status] > 0
    # Entries sit in their sheet's week, for the sheet's person.
    week = datetime.timedelta(days=6)
    assert not entries.exclude(user=F("sheet__user")).exists()
    assert not entries.filter(
        Q(date__lt=F("sheet__week_start")) | Q(date__gt=F("sheet__week_start") + week)
    ).exists()


def test_time_follows_the_rules(world, db):
    entries = TimeEntry.objects.filter(firm=world.firm)
    assert not entries.filter(task__in=CHARGEABLE_TASKS, engagement=None).exists()
    assert not entries.filter(task=Task.LEAVE, engagement__isnull=False).exists()
    per_day = entries.values("user_id", "date").annotate(total=Sum("hours")).order_by("-total").first()
    assert Decimal("0") < per_day["total"] <= Decimal("24")
    assert not entries.filter(date__gt=AS_OF).exists()
    for profile in StaffProfile.objects.filter(firm=world.firm).exclude(left=None):
        assert not entries.filter(user=profile.user, date__gt=profile.left).exists()
    # Whoever approved a line may approve it under the timesheets' own rule.
    sample = entries.filter(status=TimeStatus.APPROVED).order_by("pk")[::97]
    for entry in sample:
        rule = approvable_q(scope_for(entry.approved_by))
        assert TimeEntry.objects.filter(rule, pk=entry.pk).exists(), entry
    working = WorkingDays(datetime.date(2025, 1, 1), AS_OF)
    days = set(entries.values_list("date", flat=True))
    assert datetime.date(2025, 1, 26) in days  # a Sunday that was a 调休 working day
    assert datetime.date(2025, 10, 1) not in days  # National Day
    assert len(days & set(working.days)) >= len(working.days) - 1


def test_utilisation_is_realistic(world, db):
    rows = time_reports.utilisation(world.firm, datetime.date(2025, 1, 1), AS_OF, by="grade")
    total = time_reports.total(rows)
    assert Decimal("0.55") < total.utilisation < Decimal("0.95"), total.utilisation
    by_grade = {row.label: row.utilisation for row in rows}
    assert by_grade["合伙人"] < by_grade["审计员"]


def test_invoices_receipts_and_allocations(world, db):
    firm = world.firm
    invoices = Invoice.objects.filter(firm=firm)
    assert {InvoiceStatus.PAID, InvoiceStatus.ISSUED, InvoiceStatus.PART_PAID} <= set(
        invoices.values_list("status", flat=True)
    )
    for invoice in invoices.annotate(n=Sum("lines__net"), t=Sum("lines__tax"), g=Sum("lines__gross")):
        assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
            invoice.n,
            invoice.t,
            invoice.g,
        )
        assert invoice.gross_amount == invoice.net_amount + invoice.tax_amount
        if invoice.status != InvoiceStatus.DRAFT:
            assert invoice.number and invoice.due_date >= invoice.issue_date
            invoice.full_clean()
        before = invoice.status
        assert refresh_status(invoice).status == before, invoice
        open_ = invoice.gross_amount - sum(c.gross for c in invoice.credit_notes.all())
        assert sum(a.amount for a in invoice.allocations.all()) <= open_
    for receipt in Receipt.objects.filter(firm=firm).prefetch_related("allocations__invoice"):
        assert sum(a.amount for a in receipt.allocations.all()) <= receipt.amount
        assert all(a.invoice.issue_date <= receipt.date for a in receipt.allocations.all())
    for year, last in invoices.exclude(number="").values_list("issue_date__year").annotate(Count("pk")):
        numbers = sorted(
            int(n[-5:]) for n in invoices.filter(issue_date__year=year).values_list("number", flat=True)
        )
        assert numbers == list(range(1, last + 1))
        assert NumberCounter.objects.get(firm=firm, kind="invoice", year=year).last == last
    assert CreditNote.objects.filter(firm=firm).exists() or invoices.count() < 40
    assert Allocation.objects.filter(receipt__firm=firm).exists()


def test_fees_keep_to_the_agreements(world, db):
    for agreement in FeeAgreement.objects.filter(engagement__firm=world.firm).select_related("engagement"):
        assert agreement.engagement.contracted_fee == agreement.contracted_fee
        if agreement.basis in CAPPED_BASES:
            assert billed_fees(agreement.engagement_id) <= agreement.amount, agreement
    assert (
        not Engagement.objects.filter(firm=world.firm, fee_agreement__isnull=True)
        .filter(status__in=[Status.FIELDWORK, Status.ISSUED, Status.ARCHIVED])
        .exists()
    )


def test_reports_show_wip_and_every_age(world, db):
    wip = billing_reports.wip(world.firm, AS_OF, by="partner")
    assert wip.total.wip > 0 and wip.total.write_off > 0
    ageing = billing_reports.ageing(world.firm, AS_OF)
    assert all(amount > 0 for amount in ageing.total.ages), ageing.total.ages


def test_showcase(world, db):
    quality = StaffProfile.objects.get(firm=world.firm, quality_partner=True).user
    waiting = Acceptance.objects.filter(engagement__firm=world.firm, status=AcceptanceStatus.SUBMITTED)
    high = [a for a in waiting if a.risk_level == RiskLevel.HIGH]
    for_quality = [a for a in high if acceptance_service.next_level(a) == ApprovalLevel.QUALITY]
    assert for_quality
    assert all(acceptance_service.why_not_approver(quality, a) is None for a in for_quality)
    late = Engagement.objects.filter(
        firm=world.firm, status=Status.ISSUED, report_date__lt=AS_OF - datetime.timedelta(days=60)
    )
    assert late.exists()
    assert Milestone.objects.filter(engagement__firm=world.firm, done_on=None, due__lt=AS_OF).exists()
    manager = StaffProfile.objects.get(firm=world.firm, user__username="lead_manager").user
    waiting_time = TimeEntry.objects.filter(approvable_q(scope_for(manager)), status=TimeStatus.SUBMITTED)
    assert waiting_time.exists()


def test_change_log(world, db):
    for model in (Client, Engagement, Invoice, Timesheet):
        logged = ObjectChange.objects.filter(
            content_type__model=model._meta.model_name, owner_id=world.firm.pk
        )
        assert logged.count() == model.objects.filter(firm=world.firm).count(), model


def test_fast_snapshot_is_the_change_logs(world, db):
    from cpahub.core.changelog import snapshot
    from cpahub.demo.practice.store import snapshotter

    for model in (Client, Engagement, Invoice, Timesheet, StaffProfile, Receipt):
        obj = model.objects.filter(firm=world.firm).order_by("pk").last()
        assert snapshotter(model)(obj) == snapshot(obj), model


def test_refuses_a_firm_with_engagements(world, db):
    with pytest.raises(PracticeError):
        generate(world.firm, Scale(**SCALE))


def _digest(firm) -> str:
    rows = {
        "clients": list(Client.objects.filter(firm=firm).order_by("credit_code").values_list("name", "credit_code", "industry")),
        "engagements": list(Engagement.objects.filter(firm=firm).order_by("code").values_list("code", "name", "status", "report_number", "contracted_fee")),
        "time": list(TimeEntry.objects.filter(firm=firm).values("status").annotate(h=Sum("hours"), n=Count("pk")).order_by("status")),
        "invoices": list(Invoice.objects.filter(firm=firm).order_by("number").values_list("number", "gross_amount", "status")),
        "latest": TimeEntry.objects.filter(firm=firm).aggregate(Max("date")),
    }  # fmt: skip
    return hashlib.sha256(json.dumps(rows, default=str, ensure_ascii=False).encode()).hexdigest()


def test_same_seed_same_data(db):
    scale = {"staff": 8, "year": 2025, "as_of": datetime.date(2025, 6, 30), "changelog": False}
    digests = []
    for _ in range(2):
        with transaction.atomic():
            firm = _firm(credit_code("91360100MA35TEXT"))
            generate(firm, Scale(**scale), seed=3)
            digests.append(_digest(firm))
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
