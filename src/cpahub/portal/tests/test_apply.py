"""The firm sign-up form (SEC-2): happy path, reasons for refusal, throttle, CSRF."""

import pytest
from django.test import Client
from django.urls import reverse

from cpahub.registry.choices import ApplicationStatus
from cpahub.registry.models import FirmApplication
from cpahub.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")

URL = "/join/"


def application(n: int = 900, **overrides) -> dict:
    data = {
        "name": f"新建会计师事务所{n}",
        "credit_code": f.credit_code(n),
        "licence_no": f"36019{n:04d}",
        "legal_form": "general_partnership",
        "city": "360100",
        "address": "南昌市东湖区八一大道1号",
        "founded": "2020-01-15",
        "head_office_credit_code": "",
        "contact_name": "刘管理",
        "contact_email": f"admin{n}@example.cn",
        "contact_phone": "13800000000",
    }
    data.update(overrides)
    return data


def test_url_name():
    assert reverse("portal:apply") == URL


def test_form_opens_without_login(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="credit_code"' in html


def test_happy_path_creates_a_pending_application_and_confirms(client, db):
    response = client.post(URL, application())
    assert response.status_code == 302
    assert response["Location"].startswith("/join/done/?ref=")
    saved = FirmApplication.objects.get()
    assert (saved.name, saved.credit_code, saved.status, saved.parent) == (
        "新建会计师事务所900",
        f.credit_code(900),
        ApplicationStatus.PENDING,
        None,
    )
    assert str(saved.founded) == "2020-01-15"
    done = client.get(response["Location"])
    html = done.content.decode()
    assert done.status_code == 200
    assert "新建会计师事务所900" in html
    assert f.credit_code(900) in html
    assert "admin900@example.cn" not in html and "13800000000" not in html


def test_branch_names_its_head_office_by_credit_code(client, db):
    head = f.FirmFactory()
    response = client.post(URL, application(head_office_credit_code=head.organisation.credit_code))
    assert response.status_code == 302
    assert FirmApplication.objects.get().parent == head


def test_unknown_head_office_is_refused(client, db):
    response = client.post(URL, application(head_office_credit_code=f.credit_code(4321)))
    assert response.status_code == 200
    assert response.context["form"].errors["head_office_credit_code"] == [
        "No active head office with this credit code is registered."
    ]
    assert FirmApplication.objects.count() == 0


def test_bad_credit_code_says_why(client, db):
    good = f.credit_code(900)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(URL, application(credit_code=bad))
    assert response.status_code == 200
    assert response.context["form"].errors["credit_code"] == [
        "The check character of this unified social credit code is wrong."
    ]
    html = response.content.decode()
    assert "The check character of this unified social credit code is wrong." in html
    assert 'class="form-control is-invalid"' in html
    response = client.post(URL, application(credit_code="12345"))
    assert response.context["form"].errors["credit_code"] == [
        "A unified social credit code has 18 characters; this one has 5."
    ]
    assert FirmApplication.objects.count() == 0


def test_registered_firm_and_pending_duplicate_are_refused_by_the_service(client, db):
    firm = f.FirmFactory()
    response = client.post(URL, application(credit_code=firm.organisation.credit_code))
    assert response.context["form"].errors["credit_code"] == [
        "A firm with this credit code is already registered."
    ]
    assert client.post(URL, application()).status_code == 302
    response = client.post(URL, application(licence_no="other"))
    assert response.context["form"].errors["credit_code"] == [
        "An application for this credit code is already pending."
    ]
    assert FirmApplication.objects.count() == 1


def test_at_most_five_applications_per_address_an_hour(client, db):
    for n in range(5):
        assert client.post(URL, application(900 + n), REMOTE_ADDR="10.1.2.3").status_code == 302
    refused = client.post(URL, application(905), REMOTE_ADDR="10.1.2.3")
    assert refused.status_code == 429
    assert "At most 5 applications" in refused.content.decode()
    assert FirmApplication.objects.count() == 5
    other = client.post(URL, application(906), REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302
    assert FirmApplication.objects.count() == 6


def test_invalid_submissions_do_not_use_up_the_allowance(client, db):
    for _ in range(6):
        client.post(URL, application(credit_code="12345"), REMOTE_ADDR="10.1.2.4")
    assert client.post(URL, application(), REMOTE_ADDR="10.1.2.4").status_code == 302


def test_post_without_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, application())
    assert response.status_code == 403
    assert FirmApplication.objects.count() == 0


def test_done_page_needs_a_valid_reference(client, db):
    assert client.get("/join/done/?ref=forged").status_code == 302
    assert client.get("/join/done/").status_code == 302


def test_limit_follows_the_setting(client, db, settings):
    settings.CPAHUB_APPLY_LIMIT_PER_HOUR = 1
    assert client.post(URL, application(900)).status_code == 302
    assert client.post(URL, application(901)).status_code == 429
