"""Test helpers for billing: approved time (through the timesheets models), agreements, invoices."""

import datetime
from decimal import Decimal

from django.apps import apps

from cpahub.billing.services import agreements, invoices, receipts
from cpahub.practice.models import StaffProfile


def approved_time(engagement, user, date, hours, task="fieldwork", rate=None, grade=None, bulk=False):
    """An approved time entry as the timesheets approval leaves it: grade and charge rate copied."""
    Timesheet = apps.get_model("timesheets", "Timesheet")
    TimeEntry = apps.get_model("timesheets", "TimeEntry")
    profile = StaffProfile.objects.select_related("grade").get(user=user, firm=engagement.firm)
    grade = grade or profile.grade
    week = date - datetime.timedelta(days=date.weekday())
    sheet, _created = Timesheet.objects.get_or_create(
        user=user,
        firm=engagement.firm,
        week_start=week,
        defaults={"office": profile.office, "status": "approved"},
    )
    entry = TimeEntry(
        sheet=sheet,
        firm=engagement.firm,
        office=profile.office,
        user=user,
        date=date,
        engagement=engagement,
        task=task,
        hours=Decimal(hours),
        status="approved",
        grade=grade,
        charge_rate=grade.charge_rate if rate is None else Decimal(rate),
        cost_rate=grade.cost_rate,
    )
    if bulk:
        return entry
    entry.save()
    return entry


def agreement(actor, engagement, basis="hourly", amount=None, **data):
    return agreements.save_agreement(actor, engagement, basis=basis, amount=amount, **data)


def issued_invoice(actor, engagement, amount, issue_date=None, due_date=None, kind="fee", **data):
    """A one-line invoice to the engagement's client, issued."""
    invoice = invoices.create_invoice(actor, engagement.client, engagement=engagement, **data)
    invoices.add_line(actor, invoice, engagement, description="审计费", amount=Decimal(amount), kind=kind)
    return invoices.issue_invoice(actor, invoice, issue_date=issue_date, due_date=due_date)


def paid(actor, invoice, amount, date):
    receipt = receipts.record_receipt(actor, client=invoice.client, date=date, amount=Decimal(amount))
    receipts.allocate(actor, receipt, invoice, Decimal(amount))
    return receipt
