"""`cpahub ledger import|list|show|export`: exit codes and the summary text."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cpahub.accounts.choices import Role
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.models import LedgerSnapshot, Workspace
from cpahub.ledgers.tests import tinyformat
from cpahub.ledgers.tests.ledgerdata import BOOKS, edit, storage, tiny, write_books  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage", "tiny", "english")]

UNBALANCED = edit(
    edit(BOOKS, "6001||50.00", "6001||45.00"),
    "balance|6001|||0.00|0.00|150.00|-150.00",
    "balance|6001|||0.00|0.00|145.00|-145.00",
)


def ledger(*args) -> tuple[int, str, str]:
    """Run the command; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ledger", *args, stdout=out, stderr=err, no_color=True)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_an_accepted_import_exits_0_with_the_summary(tmp_path):
    path = write_books(tmp_path)
    status, out, _err = ledger("import", str(path), "--format", "tiny", "--no-progress")
    snapshot = LedgerSnapshot.objects.get()
    assert status == 0
    assert out.splitlines() == [
        'no --user, --firm or --workspace: importing into the "Local workspace" organisation of this installation',
        f"books.tiny: format tiny (Tiny test ledger), {path.stat().st_size:,} bytes, SM3 {snapshot.source_sm3}",
        f'snapshot {snapshot.pk} in workspace {snapshot.workspace_id} "books.tiny" of Local workspace',
        "status: Accepted — Every check passed.",
        "entity: ACME Trading Co. (913601000000001234), CNY, fiscal year 2024, 2024-01-01 to 2024-12-31",
        "vouchers: 4   voucher lines: 8   accounts: 7",
        "total debit: 200.00   total credit: 200.00",
    ]


def test_a_refused_import_exits_1_and_says_why_and_where(tmp_path):
    status, out, _err = ledger("import", str(write_books(tmp_path, UNBALANCED)), "--no-progress")
    assert status == 1
    lines = out.splitlines()
    assert lines[3] == (
        "status: Refused — Errors: 2 (voucher_unbalanced 1, totals_unbalanced 1). The snapshot's files are kept "
        "for inspection; it never becomes the current ledger."
    )
    assert lines[5:] == [
        "vouchers: 4   voucher lines: 8   accounts: 7",
        "total debit: 200.00   total credit: 195.00",
        "errors: 2",
        "  voucher_unbalanced (1): Voucher does not balance",
        "    books.tiny:24: Voucher 记-2 (2024/01) does not balance: debit 50.00, credit 45.00, difference 5.00",
        "  totals_unbalanced (1): Total debit differs from total credit",
        "    Total debit 200.00 differs from total credit 195.00 by 5.00",
    ]
    assert LedgerSnapshot.objects.get().status == SnapshotStatus.REFUSED


def test_warnings_exit_0_and_only_the_first_locations_are_shown(tmp_path):
    text = BOOKS + "".join(
        f"line|2024|2|记|{n}|2024-02-21|1|x|1001|0.00|\nline|2024|2|记|{n}|2024-02-21|2|x|6001||0.00\n"
        for n in (5, 8, 11, 14)
    )
    status, out, _err = ledger("import", str(write_books(tmp_path, text)), "--limit", "2", "--no-progress")
    assert status == 0
    assert "status: Accepted with warnings — Warnings: 4; the ledger can be used, see the findings." in out
    assert out.splitlines()[-5:] == [
        "warnings: 4",
        "  voucher_number_gap (4): Gap in voucher numbers",
        "    books.tiny:30: Voucher numbers 3 to 4 (2) are missing in 2024/02 type 记",
        "    books.tiny:32: Voucher numbers 6 to 7 (2) are missing in 2024/02 type 记",
        "    … and 2 more",
    ]


def test_an_unreadable_file_exits_2(tmp_path):
    text = BOOKS.replace("line|2024|2|记|2|2024-02-20|1|", "line|2024|2|记|2|2024-02-30|1|")
    status, out, _err = ledger("import", str(write_books(tmp_path, text)), "--no-progress")
    assert status == 2
    assert "status: Refused — The file could not be read: books.tiny:28: day is out of range for month" in out
    assert (
        "    books.tiny:28: The file could not be read: books.tiny:28: day is out of range for month" in out
    )


def test_a_failed_import_exits_2(tmp_path, monkeypatch):
    def broken(path, sink, *, options=None, progress=None):
        raise MemoryError("out of memory")

    monkeypatch.setattr(tinyformat, "read", broken)
    status, out, _err = ledger("import", str(write_books(tmp_path)), "--no-progress")
    assert status == 2
    assert "status: Failed — The import failed: MemoryError: out of memory" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.tiny"], "cannot read missing.tiny: no such file"),
        (["import", "{books}", "--format", "nope"], "unknown format 'nope'"),
        (
            ["import", "{books}", "--firm", "913601000000009999"],
            "no firm with the credit code 913601000000009999",
        ),
        (["import", "{books}", "--workspace", "999"], "no workspace 999"),
        (["import", "{books}", "--user", "ghost"], "no active user 'ghost'"),
        (["import", "{books}", "--option", "novalue"], "--option 'novalue': write key=value"),
        (["show", "999"], "no snapshot 999"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    books = write_books(tmp_path)
    with pytest.raises(CommandError, match=message) as raised:
        ledger(*[a.replace("{books}", str(books)) for a in args])
    assert raised.value.returncode == 2
    assert not LedgerSnapshot.objects.exists()


def test_import_for_a_firm_as_one_of_its_users_and_options_go_to_the_reader(tmp_path, firm, make_user):
    user = make_user(Role.MANAGER, firm.organisation)
    path = write_books(tmp_path)
    status, out, _err = ledger(
        "import", str(path), "--user", user.username, "--option", "batch_rows=2", "--no-progress"
    )
    snapshot = LedgerSnapshot.objects.get()
    assert status == 0
    assert snapshot.workspace.organisation == firm.organisation
    assert snapshot.created_by == user
    assert snapshot.options == {"batch_rows": "2"}
    assert "Local workspace" not in out
    status, _out, _err = ledger("import", str(path), "--firm", firm.organisation.credit_code, "--no-progress")
    assert status == 0
    assert LedgerSnapshot.objects.filter(status=SnapshotStatus.SUPERSEDED).count() == 1


def test_another_firms_user_cannot_import_into_or_show_a_workspace(tmp_path, firm, other_firm, make_user):
    workspace = Workspace.objects.create(organisation=firm.organisation, name="Audit 2024")
    path = write_books(tmp_path)
    assert ledger("import", str(path), "--workspace", str(workspace.pk), "--no-progress")[0] == 0
    outsider = make_user(Role.PARTNER, other_firm.organisation)
    with pytest.raises(CommandError, match=f"no workspace {workspace.pk}"):
        ledger("import", str(path), "--workspace", str(workspace.pk), "--user", outsider.username)
    with pytest.raises(CommandError, match="You may not do this"):
        ledger("import", str(path), "--firm", firm.organisation.credit_code, "--user", outsider.username)
    snapshot = LedgerSnapshot.objects.get()
    with pytest.raises(CommandError, match=f"no snapshot {snapshot.pk}"):
        ledger("show", str(snapshot.pk), "--user", outsider.username)
    assert ledger("list", "--user", outsider.username)[1] == "no snapshots\n"


def test_list_and_show(tmp_path):
    ledger("import", str(write_books(tmp_path)), "--no-progress")
    ledger("import", str(write_books(tmp_path, UNBALANCED)), "--no-progress")
    first, second = LedgerSnapshot.objects.order_by("pk")
    _status, out, _err = ledger("list")
    assert out.splitlines()[1:] == [
        f"{second.pk:>5}  Refused                books.tiny               ACME Trading Co.         2024          8"
        "             200.00      2        0",
        f"{first.pk:>5}  Accepted               books.tiny               ACME Trading Co.         2024          8"
        "             200.00      0        0",
    ]
    _status, out, _err = ledger("show", str(second.pk), "--limit", "5")
    assert "errors: 2" in out
    assert (
        "    books.tiny:24: Voucher 记-2 (2024/01) does not balance: debit 50.00, credit 45.00, difference 5.00"
        in out
    )
    third = write_books(tmp_path)
    ledger("import", str(third), "--no-progress")
    _status, out, _err = ledger("show", str(first.pk))
    assert out.splitlines()[2] == "status: Superseded — Every check passed."
    assert out.splitlines()[-1] == f"superseded by snapshot {LedgerSnapshot.objects.latest('pk').pk}"


def test_export_writes_the_files_or_says_there_is_no_writer(tmp_path, monkeypatch):
    ledger("import", str(write_books(tmp_path)), "--no-progress")
    snapshot = LedgerSnapshot.objects.get()
    target = tmp_path / "out.tiny"
    status, out, _err = ledger("export", str(snapshot.pk), "--format", "tiny", str(target))
    assert (status, out) == (0, f"wrote {target}\n")
    assert target.read_text(encoding="utf-8").count("\nline|") == 8
    monkeypatch.delattr(tinyformat, "write")
    with pytest.raises(
        CommandError, match="the tiny format has no writer: it can be imported but not exported"
    ):
        ledger("export", str(snapshot.pk), "--format", "tiny", str(tmp_path / "again.tiny"))
