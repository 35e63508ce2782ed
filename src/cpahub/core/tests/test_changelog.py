from django.db import connection

from cpahub.core.context import acting_as
from cpahub.core.models import ObjectChange
from cpahub.registry.models import CPA
from cpahub.testing import factories as f


def _changes(obj):
    return ObjectChange.objects.filter(
        object_id=str(obj.pk), content_type__model=obj._meta.model_name
    ).order_by("pk")


def test_create_update_delete_are_recorded_with_user_and_request(db):
    user = f.UserFactory(username="editor")
    with acting_as(user, request_id="req12345"):
        case = f.IndustryCaseFactory(title="甲")
        case.title = "乙"
        case.save()
        case_id = case.pk
        case.delete()
    rows = list(
        ObjectChange.objects.filter(object_id=str(case_id), content_type__model="industrycase").order_by("pk")
    )
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert {r.user_name for r in rows} == {"editor"}
    assert {r.request_id for r in rows} == {"req12345"}
    assert rows[0].before is None and rows[0].after["title"] == "甲"
    assert rows[1].diff == [("title", "甲", "乙")] or ("title", "甲", "乙") in rows[1].diff
    assert rows[2].before["title"] == "乙" and rows[2].after is None


def test_save_without_change_is_not_recorded(db):
    case = f.IndustryCaseFactory()
    before = _changes(case).count()
    case.save()
    assert _changes(case).count() == before


def test_sensitive_field_is_masked_in_log(db):
    cpa = f.CPAFactory(id_number=f.resident_id(7))
    row = _changes(cpa).get(action="create")
    assert row.after["id_number"] == "******"
    assert f.resident_id(7) not in str(row.after)
    assert "id_number_index" in row.after  # the keyed digest is not the number


def test_id_number_encrypted_at_rest(db):
    number = f.resident_id(8)
    cpa = f.CPAFactory(id_number=number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_cpa WHERE id = %s", [cpa.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sm4gcm1:") and number not in stored
    assert CPA.objects.get(pk=cpa.pk).id_number == number


def test_unattributed_writes_say_system(db):
    case = f.IndustryCaseFactory()
    assert _changes(case).get().user_name == "system"


def test_request_through_view_records_request_id(client, db):
    from cpahub.accounts.choices import Role

    firm = f.FirmFactory()
    admin = f.user_with_role(Role.FIRM_ADMIN, firm.organisation, username="fa")
    f.login_verified(client, admin)
    response = client.post(
        f"/registry/firms/{firm.pk}/edit/",
        {
            "name": firm.organisation.name,
            "address": "南昌市红谷滩区1号",
            "credit_code": firm.organisation.credit_code,
            "city": firm.organisation.city,
            "licence_no": firm.licence_no,
            "legal_form": firm.legal_form,
            "status": "active",
        },
        HTTP_X_REQUEST_ID="abcdef123456",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org_change = ObjectChange.objects.filter(
        content_type__model="organisation", object_id=str(firm.pk), action="update"
    ).get()
    assert org_change.request_id == "abcdef123456"
    assert org_change.user == admin
    assert ("address", "", "南昌市红谷滩区1号") in org_change.diff
