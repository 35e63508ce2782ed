"""The firm edits its acceptance questionnaires; a used version is never changed, a new one is made."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cpahub.engagements.choices import EngagementType
from cpahub.engagements.models import QuestionnaireTemplate
from cpahub.engagements.services import acceptance as acceptance_service
from cpahub.engagements.services import questionnaires
from cpahub.testing.engagements import answer_all
from cpahub.testing.factories import login_verified

pytestmark = pytest.mark.django_db


def test_editing_an_unused_version_changes_it_in_place(w):
    template = questionnaires.current_template(w.firm_a, EngagementType.AUP)
    changed = questionnaires.update_template(
        w.partner_a, template, name="商定程序承接评价", medium_from=5, high_from=12
    )
    assert changed.pk == template.pk and changed.version == 1 and changed.high_from == 12


def test_editing_a_used_version_makes_a_new_one_and_keeps_the_old(w, eng):
    acceptance = answer_all(w.manager_a, eng)
    old = acceptance.template
    old_texts = list(old.questions.values_list("text", flat=True))
    new, question = questionnaires.save_question(
        w.partner_a,
        old,
        question_key="fee",
        text="Is the fee adequate?",
        guidance="",
        position=5,
        options=[("Yes", 0, False), ("No", 9, True)],
    )
    old.refresh_from_db()
    assert (new.version, new.current, old.current) == (2, True, False)
    assert list(old.questions.values_list("text", flat=True)) == old_texts
    assert question.template_id == new.pk and question.key == "fee"
    # A second change to the still-unused version 2 edits it in place.
    again = questionnaires.delete_question(w.partner_a, new, "litigation")
    assert again.pk == new.pk and not new.questions.filter(key="litigation").exists()
    with pytest.raises(ValidationError):
        questionnaires.update_template(w.partner_a, old, name="x", medium_from=1, high_from=2)


def test_questions_need_two_distinct_answers_and_sane_thresholds(w):
    template = questionnaires.current_template(w.firm_a, EngagementType.TAX)
    for options in (
        [("Only", 1, False)],
        [("Same", 1, False), ("Same", 2, False)],
        [("A", -1, False), ("B", 0, False)],
    ):
        with pytest.raises(ValidationError):
            questionnaires.save_question(
                w.partner_a, template, question_key=None, text="Q", guidance="", position=1, options=options
            )
    with pytest.raises(ValidationError):
        questionnaires.update_template(w.partner_a, template, name="x", medium_from=10, high_from=10)


def test_new_questions_never_take_a_key_an_earlier_version_used(w, eng):
    acceptance = answer_all(w.manager_a, eng)
    used = acceptance.template
    options = [("低", 0, False), ("高", 3, False)]
    v2, first = questionnaires.save_question(
        w.partner_a, used, question_key=None, text="税务风险", guidance="", position=1, options=options
    )
    assert v2.pk != used.pk
    questionnaires.delete_question(w.partner_a, v2, "fee")
    _t, second = questionnaires.save_question(
        w.partner_a, v2, question_key=None, text="收费", guidance="", position=1, options=options
    )
    keys_before = set(used.questions.values_list("key", flat=True)) | {first.key}
    assert second.key not in keys_before


def test_only_partners_edit(w):
    template = questionnaires.current_template(w.firm_a, EngagementType.AUP)
    for user in (w.manager_a, w.auditor_a, w.partner_b):
        with pytest.raises(PermissionDenied):
            questionnaires.update_template(user, template, name="x", medium_from=1, high_from=2)


def test_questionnaire_pages(client, w, eng):
    acceptance_service.ensure_acceptance(eng)
    login_verified(client, w.partner_a)
    listing = client.get("/engagements/questionnaires/").text
    assert "Agreed-upon procedures" in listing
    opened = client.get(f"/engagements/questionnaires/open/{w.firm_a.pk}/aup/")
    template = QuestionnaireTemplate.objects.get(firm=w.firm_a, engagement_type="aup")
    assert opened["Location"] == f"/engagements/questionnaires/{template.pk}/"
    assert client.get(f"/engagements/questionnaires/open/{w.firm_b.pk}/aup/").status_code == 404
    used = eng.acceptance.template
    form = client.get(f"/engagements/questionnaires/{used.pk}/questions/fee/", HTTP_HX_REQUEST="true")
    assert "question-form" in form.text
    data = {
        "text": "收费是否合理？",
        "guidance": "",
        "position": "4",
        "label_0": "合理",
        "score_0": "0",
        "label_1": "偏低",
        "score_1": "6",
        "high_1": "on",
    }
    response = client.post(f"/engagements/questionnaires/{used.pk}/questions/fee/", data)
    new = QuestionnaireTemplate.objects.get(firm=w.firm_a, engagement_type="fs_audit", current=True)
    assert new.version == 2 and response["Location"] == f"/engagements/questionnaires/{new.pk}/"
    assert new.questions.get(key="fee").options.get(label="偏低").forces_high
    bad = client.post(
        f"/engagements/questionnaires/{new.pk}/settings/", {"name": "x", "medium_from": "9", "high_from": "3"}
    )
    assert bad.status_code == 400
    client.post(
        f"/engagements/questionnaires/{new.pk}/questions/add/",
        {"text": "新问题", "position": "30", "label_0": "否", "label_1": "是", "score_1": "2"},
    )
    assert new.questions.filter(text="新问题").exists()
    client.logout()
    login_verified(client, w.manager_a)
    page = client.get(f"/engagements/questionnaires/{new.pk}/").text
    assert "question-form" not in page
    assert client.post(f"/engagements/questionnaires/{new.pk}/questions/fee/delete/").status_code == 403
