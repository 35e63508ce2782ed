import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpahub.accounts.models import SecurityEvent
from cpahub.registry.models import CPA, CPAEvent
from cpahub.testing import factories as f

pytestmark = pytest.mark.django_db


def _login(client, world, name):
    f.login_verified(client, world.users[name])


def _firm_post(firm, **changes):
    org = firm.organisation
    data = {
        "name": org.name,
        "credit_code": org.credit_code,
        "city": org.city,
        "licence_no": firm.licence_no,
        "legal_form": firm.legal_form,
        "status": org.status,
        "address": org.address,
    }
    data.update(changes)
    return data


def test_firm_admin_edits_own_firm_but_not_association_fields(client, world):
    _login(client, world, "admin_A")
    firm = world.firms["A"]
    response = client.post(
        f"/registry/firms/{firm.pk}/edit/",
        _firm_post(firm, address="南昌市新地址8号", licence_no="99999999", status="closed"),
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    firm.organisation.refresh_from_db()
    assert firm.organisation.address == "南昌市新地址8号"
    assert firm.licence_no != "99999999"  # association-only field ignored
    assert firm.organisation.status == "active"


@pytest.mark.parametrize(
    "path", ["/registry/firms/{pk}/", "/registry/firms/{pk}/edit/", "/api/registry/firms/{pk}/"]
)
def test_firm_admin_cannot_open_another_firm(client, world, path):
    _login(client, world, "admin_A")
    other = world.firms["B"]
    response = client.get(path.format(pk=other.pk))
    assert response.status_code == 404
    assert SecurityEvent.objects.filter(event="permission_denied", username="admin_A").exists()


def test_firm_admin_cannot_change_another_firm_by_api(client, world):
    _login(client, world, "admin_A")
    other = world.firms["B"]
    response = client.patch(
        f"/api/registry/firms/{other.pk}/", {"address": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    other.organisation.refresh_from_db()
    assert other.organisation.address != "x"


def test_partner_may_view_but_not_edit(client, world):
    _login(client, world, "partner_A")
    firm = world.firms["A"]
    assert client.get(f"/registry/firms/{firm.pk}/").status_code == 200
    assert client.get(f"/registry/firms/{firm.pk}/edit/").status_code == 403


def test_firm_list_shows_only_own_firms(client, world):
    _login(client, world, "admin_B")
    html = client.get("/registry/firms/").content.decode()
    assert "乙会计师事务所" in html
    assert "甲会计师事务所" not in html


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/registry/firms/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/registry/firms/").status_code in (401, 403)


def test_list_query_count_does_not_grow_with_page_size(client, world):
    for _ in range(30):
        f.CPAFactory(firm=f.FirmFactory())
    _login(client, world, "assoc_staff")
    client.get("/registry/firms/")  # warm up: the first request of a session does one-off work
    counts = {}
    for path in (
        "/registry/firms/?per_page={n}",
        "/registry/cpas/?per_page={n}",
        "/api/registry/firms/?page_size={n}",
        "/api/registry/cpas/?page_size={n}",
    ):
        for n in (10, 30):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path.format(n=n)).status_code == 200
            counts[(path, n)] = len(queries)
        assert counts[(path, 10)] == counts[(path, 30)], (path, counts)


def test_export_is_restricted_and_logged(client, world):
    _login(client, world, "admin_B")
    response = client.get("/registry/cpas/?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "王五" in body and "张三" not in body
    event = SecurityEvent.objects.get(event="export", username="admin_B")
    assert event.detail["what"] == "registry.CPA" and event.detail["rows"] == 1


def test_xlsx_export(client, world):
    _login(client, world, "assoc_staff")
    response = client.get("/registry/firms/?export=xlsx")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_cpa_move_writes_history_and_change_log(client, world):
    _login(client, world, "assoc_staff")
    cpa = world.cpas["B"]
    target = world.firms["A"]
    response = client.post(
        f"/registry/cpas/{cpa.pk}/move/", {"to_firm": target.pk, "date": "2025-03-01", "note": "转所"}
    )
    assert response.status_code == 302
    cpa.refresh_from_db()
    assert cpa.firm == target
    event = CPAEvent.objects.filter(cpa=cpa).latest("pk")
    assert (event.kind, event.from_firm, event.to_firm, str(event.date)) == (
        "moved",
        world.firms["B"],
        target,
        "2025-03-01",
    )


def test_cpa_move_before_last_event_is_refused(client, world):
    _login(client, world, "assoc_staff")
    cpa = world.cpas["B"]
    CPAEvent.objects.create(cpa=cpa, date="2020-01-01", kind="registered", to_firm=world.firms["B"])
    response = client.post(
        f"/registry/cpas/{cpa.pk}/move/", {"to_firm": world.firms["A"].pk, "date": "2019-12-31"}
    )
    assert response.status_code == 400
    assert "2019-12-31" in response.content.decode()
    cpa.refresh_from_db()
    assert cpa.firm == world.firms["B"]


def test_firm_admin_cannot_change_cpa_status(client, world):
    _login(client, world, "admin_A")
    cpa = world.cpas["A"]
    response = client.post(f"/registry/cpas/{cpa.pk}/status/", {"status": "cancelled", "date": "2025-01-01"})
    assert response.status_code == 403
    assert CPA.objects.get(pk=cpa.pk).status == "practising"


def test_cpa_page_masks_id_number(client, world):
    _login(client, world, "assoc_staff")
    cpa = world.cpas["A"]
    html = client.get(f"/registry/cpas/{cpa.pk}/").content.decode()
    assert cpa.id_number not in html
    assert cpa.masked_id_number in html


def test_cpa_api_masks_id_number_and_accepts_it_write_only(client, world):
    _login(client, world, "assoc_staff")
    cpa = world.cpas["A"]
    data = client.get(f"/api/registry/cpas/{cpa.pk}/").json()
    assert "id_number" not in data and data["id_number_masked"] == cpa.masked_id_number
    new_id = f.resident_id(321)
    response = client.patch(
        f"/api/registry/cpas/{cpa.pk}/", {"id_number": new_id}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert CPA.objects.get(pk=cpa.pk).id_number == new_id


def test_cpa_api_refuses_bad_id_number_with_reason(client, world):
    _login(client, world, "assoc_staff")
    cpa = world.cpas["A"]
    bad = f.resident_id(5)[:-1] + ("0" if f.resident_id(5)[-1] != "0" else "1")
    response = client.patch(
        f"/api/registry/cpas/{cpa.pk}/", {"id_number": bad}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "id_number" in response.json()


def test_api_create_firm_refuses_bad_credit_code_with_reason(client, world):
    _login(client, world, "assoc_staff")
    payload = {
        "name": "新所",
        "credit_code": "91360100000000019A",
        "city": "360100",
        "licence_no": "36019999",
        "legal_form": "general_partnership",
    }
    response = client.post("/api/registry/firms/", payload, content_type="application/json")
    assert response.status_code == 400
    assert "credit_code" in response.json()
    payload["credit_code"] = f.credit_code(4242)
    response = client.post("/api/registry/firms/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["cpa_count"] == 0


def test_api_filtering_and_pagination(client, world):
    _login(client, world, "assoc_staff")
    data = client.get("/api/registry/firms/?city=360700&page_size=1").json()
    assert data["count"] == 2 and len(data["results"]) == 1
    data = client.get("/api/registry/cpas/?q=王五").json()
    assert [r["name"] for r in data["results"]] == ["王五"]


def test_token_authentication(client, world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["regulator"])
    response = client.get("/api/registry/penalties/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert client.get("/api/registry/penalties/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_expired_token_is_refused(client, world, settings):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["regulator"])
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - timedelta(days=settings.CPAHUB_API_TOKEN_DAYS + 1)
    )
    assert client.get("/api/registry/penalties/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_suspending_a_firm_is_in_the_security_log(client, world):
    _login(client, world, "assoc_staff")
    firm = world.firms["B"]
    response = client.post(f"/registry/firms/{firm.pk}/edit/", _firm_post(firm, status="suspended"))
    assert response.status_code == 302
    event = SecurityEvent.objects.get(event="org_status_changed")
    assert (event.username, event.detail["previous"], event.detail["status"]) == (
        "assoc_staff",
        "active",
        "suspended",
    )
    assert event.detail["members"] == 1
