"""Factories for the clients app's tests (contacts, blacklist entries) and a client file builder."""

import csv
import io

import factory

from cpahub.clients.models import BlacklistEntry, ClientContact
from cpahub.testing.factories import credit_code
from cpahub.testing.practice import ClientFactory


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientContact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "财务总监"
    phone = "0791-86000000"


class BlacklistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlacklistEntry

    name = factory.Sequence(lambda n: f"江西失信实业有限公司{n}")
    credit_code = factory.Sequence(lambda n: credit_code(80000 + n))
    reason = "审计意见购买，拒绝承接。"


def client_csv(rows: list[dict], *, encoding: str = "utf-8") -> bytes:
    """A CSV file of client rows with the given headers (keys of the first row), in `encoding`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
