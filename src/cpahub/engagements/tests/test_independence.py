"""Independence declarations: each member for themselves; threats cleared by approved safeguards."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.engagements.choices import Decision, TeamRole
from cpahub.engagements.services import acceptance as acceptance_service
from cpahub.engagements.services import independence, team
from cpahub.testing.engagements import answer_all, declare_all

pytestmark = pytest.mark.django_db


def test_only_current_team_members_declare_and_only_for_themselves(w, eng):
    with pytest.raises(PermissionDenied):
        independence.declare(w.auditor_a, eng, independent=True)  # not on the team
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.SENIOR)
    declaration = independence.declare(w.auditor_a, eng, independent=True)
    assert declaration.user_id == w.auditor_a.pk
    # A member who left no longer declares.
    member = eng.team.get(user=w.auditor_a)
    team.save_member(
        w.manager_a,
        eng,
        member=member,
        user=w.auditor_a,
        role=TeamRole.SENIOR,
        left=__import__("datetime").date(2020, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        independence.declare(w.auditor_a, eng, independent=True)


def test_outstanding_lists_members_without_a_cleared_declaration(w, eng):
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    assert set(independence.outstanding(eng)) == {w.partner_a, w.manager_a, w.auditor_a}
    independence.declare(w.partner_a, eng, independent=True)
    independence.declare(w.manager_a, eng, independent=True)
    independence.declare(
        w.auditor_a, eng, independent=False, threats="我的配偶持有客户股票", safeguards="出售股票"
    )
    assert independence.outstanding(eng) == [w.auditor_a]
    assert not independence.complete(eng)


def test_a_threat_must_be_described(w, eng):
    with pytest.raises(ValidationError):
        independence.declare(w.manager_a, eng, independent=False, threats=" ")


def test_acceptance_cannot_be_approved_until_everyone_is_cleared(w, eng):
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    answer_all(w.manager_a, eng)
    acceptance = acceptance_service.submit(w.manager_a, eng.acceptance)
    independence.declare(w.partner_a, eng, independent=True)
    independence.declare(w.manager_a, eng, independent=True)
    with pytest.raises(ValidationError, match="Independence"):
        acceptance_service.decide(w.manager_a, acceptance, decision=Decision.APPROVED)
    declaration = independence.declare(
        w.auditor_a, eng, independent=False, threats="亲属在客户任财务经理", safeguards=""
    )
    with pytest.raises(ValidationError, match="Independence"):
        acceptance_service.decide(w.manager_a, acceptance, decision=Decision.APPROVED)
    # Safeguards must be written before the partner can approve them.
    with pytest.raises(ValidationError):
        independence.approve_safeguards(w.partner_a, declaration)
    declaration = independence.declare(
        w.auditor_a,
        eng,
        independent=False,
        threats="亲属在客户任财务经理",
        safeguards="不参与存货和货币资金审计",
    )
    independence.approve_safeguards(w.partner_a, declaration)
    declaration.refresh_from_db()
    assert declaration.safeguard_approved_by_id == w.partner_a.pk and declaration.cleared
    acceptance_service.decide(w.manager_a, acceptance, decision=Decision.APPROVED)


def test_who_approves_safeguards(w, eng):
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    staff_threat = independence.declare(w.auditor_a, eng, independent=False, threats="t", safeguards="s")
    for outsider in (w.manager_a, w.auditor_a, w.quality_a, w.partner_b):
        assert not independence.may_approve_safeguards(outsider, staff_threat)
        with pytest.raises(PermissionDenied):
            independence.approve_safeguards(outsider, staff_threat)
    assert independence.may_approve_safeguards(w.partner_a, staff_threat)
    # The partner's own threat: a risk and quality partner approves, never the partner.
    own = independence.declare(w.partner_a, eng, independent=False, threats="t", safeguards="s")
    with pytest.raises(PermissionDenied):
        independence.approve_safeguards(w.partner_a, own)
    independence.approve_safeguards(w.quality_a, own)


def test_declaring_again_withdraws_an_earlier_approval(w, eng):
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    declaration = independence.declare(w.auditor_a, eng, independent=False, threats="t", safeguards="s")
    independence.approve_safeguards(w.partner_a, declaration)
    declaration = independence.declare(w.auditor_a, eng, independent=False, threats="t2", safeguards="s2")
    assert not declaration.cleared
    assert eng.declarations.count() == 1


def test_declarations_owed_shows_on_the_members_list(w, eng):
    declare_all(eng)
    team.save_member(w.manager_a, eng, user=w.auditor_a, role=TeamRole.STAFF)
    from cpahub.engagements.models import Engagement

    owed = independence.owed_by(w.auditor_a, Engagement.objects.all())
    assert list(owed) == [eng]
    assert list(independence.owed_by(w.manager_a, Engagement.objects.all())) == []
