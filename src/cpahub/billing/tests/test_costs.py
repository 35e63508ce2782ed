import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.billing.choices import Decision
from cpahub.billing.services import costs

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 4, 1)


def expense(w, user, amount="380", **data):
    values = {"date": DAY, "category": "travel", "description": "南昌—赣州高铁", "amount": D(amount)} | data
    return costs.record_expense(user, w.engagement_a, **values)


def test_the_engagement_manager_approves_expenses_but_not_their_own(w):
    mine = expense(w, w.manager_a)
    with pytest.raises(PermissionDenied, match="other than who recorded"):
        costs.decide_expense(w.manager_a, mine, approve=True)
    assert costs.decide_expense(w.partner_a, mine, approve=True).status == Decision.APPROVED
    theirs = expense(w, w.finance_a, incurred_by=w.auditor_a)
    decided = costs.decide_expense(w.manager_a, theirs, approve=True)
    assert (decided.status, decided.decided_by) == (Decision.APPROVED, w.manager_a)
    with pytest.raises(ValidationError, match="already been decided"):
        costs.decide_expense(w.partner_a, theirs, approve=False, note="x")


def test_other_managers_and_finance_staff_do_not_approve_expenses(w):
    pending = expense(w, w.finance_a)
    for user in (w.branch_manager, w.finance_a, w.auditor_a, w.manager_b):
        with pytest.raises(PermissionDenied):
            costs.decide_expense(user, pending, approve=True)


def test_a_rejection_needs_a_reason_and_only_pending_expenses_change(w):
    pending = expense(w, w.finance_a)
    with pytest.raises(ValidationError):
        costs.decide_expense(w.manager_a, pending, approve=False)
    costs.decide_expense(w.manager_a, pending, approve=False, note="无票据")
    with pytest.raises(ValidationError, match="awaiting approval"):
        costs.update_expense(w.finance_a, pending, amount=D("1"))


def test_staff_and_outsiders_record_no_expenses(w):
    for user in (w.auditor_a, w.branch_manager, w.partner_b, w.assoc):
        with pytest.raises(PermissionDenied):
            expense(w, user)
    with pytest.raises(ValidationError):
        expense(w, w.manager_a, amount="0")


def adjustment(w, user, kind="write_off", amount="5000"):
    return costs.request_adjustment(
        user, w.engagement_a, kind=kind, amount=D(amount), date=DAY, reason="首年承接，超预算工时不向客户收取"
    )


def test_a_partner_other_than_the_requester_approves_a_write_off(w):
    asked = adjustment(w, w.partner_a)
    with pytest.raises(PermissionDenied, match="other than who asked"):
        costs.decide_adjustment(w.partner_a, asked, approve=True)
    for user in (w.manager_a, w.finance_a, w.partner_b):
        with pytest.raises(PermissionDenied):
            costs.decide_adjustment(user, asked, approve=True)
    decided = costs.decide_adjustment(w.quality_a, asked, approve=True)
    assert (decided.status, decided.decided_by) == (Decision.APPROVED, w.quality_a)
    from_manager = adjustment(w, w.manager_a, kind="write_on", amount="800")
    assert costs.decide_adjustment(w.admin_a, from_manager, approve=True).signed_amount == D("800")


def test_a_write_off_needs_a_reason(w):
    with pytest.raises(ValidationError):
        costs.request_adjustment(
            w.manager_a, w.engagement_a, kind="write_off", amount=D("1"), date=DAY, reason=" "
        )
