"""STD-4 checks: each check on a small ledger with one fault, exact findings; property tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpahub.ledgers import canonical
from cpahub.ledgers.choices import SnapshotStatus
from cpahub.ledgers.tests.ledgerdata import BOOKS, edit, read_memory
from cpahub.ledgers.validation import CHECKS, MESSAGES, Findings, render_message, validate

D = Decimal


def check(tmp_path, text: str = BOOKS):
    ledger = read_memory(tmp_path, text)
    reported = Findings()
    for issue in ledger.issues:
        reported.add_issue(issue)
    return validate(ledger, reported=reported)


def found(report, code: str) -> list[tuple[str, str, str]]:
    return [(i.severity, i.location, i.message) for i in report.issues if i.code == code]


def codes(report) -> dict:
    return {f"{severity}:{code}": n for (severity, code), n in sorted(report.totals.items())}


def test_the_test_books_pass_every_check(tmp_path):
    report = check(tmp_path)
    assert report.issues == []
    assert report.outcome == SnapshotStatus.ACCEPTED
    assert (report.voucher_count, report.line_count, report.account_count) == (4, 8, 7)
    assert (report.total_debit, report.total_credit) == (D("200.00"), D("200.00"))
    assert report.entity["name"] == "ACME Trading Co."
    assert report.entity["fiscal_year"] == 2024
    assert report.entity["period_end"] == datetime.date(2024, 12, 31)


def test_unbalanced_voucher_is_an_error_at_its_first_line(tmp_path):
    text = edit(BOOKS, "6001||50.00", "6001||45.00")
    text = edit(text, "balance|6001|||0.00|0.00|150.00|-150.00", "balance|6001|||0.00|0.00|145.00|-145.00")
    report = check(tmp_path, text)
    assert codes(report) == {"error:totals_unbalanced": 1, "error:voucher_unbalanced": 1}
    assert report.outcome == SnapshotStatus.REFUSED
    [issue] = [i for i in report.issues if i.code == "voucher_unbalanced"]
    assert issue.location == "books.tiny:24"
    assert (
        issue.message == "Voucher 记-2 (2024/01) does not balance: debit 50.00, credit 45.00, difference 5.00"
    )
    assert issue.data == {
        "voucher": "记-2 (2024/01)",
        "fiscal_year": 2024,
        "period": 1,
        "voucher_type": "记",
        "voucher_number": "2",
        "debit": "50.00",
        "credit": "45.00",
        "difference": "5.00",
        "lines": 2,
        "locations": ["books.tiny:24", "books.tiny:25"],
    }
    assert found(report, "totals_unbalanced") == [
        ("error", "", "Total debit 200.00 differs from total credit 195.00 by 5.00")
    ]


def test_void_vouchers_are_excluded_and_reported(tmp_path):
    text = BOOKS + "line|2024|2|记|3|2024-02-21|1|cancelled|1001|99.00||void=1\n"
    text += "line|2024|2|记|3|2024-02-21|2|cancelled|6001||1.00|void=1\n"
    report = check(tmp_path, text)
    assert codes(report) == {"info:void_voucher": 1}
    assert report.outcome == SnapshotStatus.ACCEPTED
    assert found(report, "void_voucher") == [
        ("info", "books.tiny:30", "Voucher 记-3 (2024/02) is void (debit 99.00, credit 1.00)")
    ]
    assert (report.voucher_count, report.line_count) == (5, 10)
    assert report.total_debit == D("200.00")  # void vouchers are not in the totals


def test_a_voucher_partly_marked_void_is_treated_as_void_with_a_warning(tmp_path):
    text = BOOKS + "line|2024|2|记|3|2024-02-21|1|odd|1001|5.00||void=1\n"
    text += "line|2024|2|记|3|2024-02-21|2|odd|6001||5.00\n"
    report = check(tmp_path, text)
    assert codes(report) == {"info:void_voucher": 1, "warning:voucher_partly_void": 1}
    assert report.outcome == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    assert found(report, "voucher_partly_void") == [
        (
            "warning",
            "books.tiny:30",
            "Voucher 记-3 (2024/02): 1 of 2 lines are marked void; the whole voucher is treated as void",
        )
    ]


def test_balance_that_does_not_roll_forward(tmp_path):
    text = edit(BOOKS, "balance|2202|||-40.00|0.00|30.00|-70.00", "balance|2202|||-40.00|0.00|30.00|-75.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:balance_roll_forward": 1}
    [issue] = report.issues
    assert issue.location == "balances: account 2202"
    assert issue.message == (
        "Balance of account 2202 does not roll forward: opening -40.00 + debit 0.00 − credit 30.00 = -70.00, "
        "but closing is -75.00"
    )
    assert issue.data["difference"] == "-5.00"


def test_dimension_balance_roll_forward(tmp_path):
    text = edit(
        BOOKS,
        "balance|112201|customer|C01|80.00|50.00|20.00|110.00",
        "balance|112201|customer|C01|80.00|50.00|20.00|111.00",
    )
    report = check(tmp_path, text)
    assert codes(report) == {"warning:balance_roll_forward": 1}
    assert report.issues[0].location == "balances: account 112201, customer C01"


def test_trial_balance_movements_that_do_not_tie_to_the_lines(tmp_path):
    text = edit(BOOKS, "balance|6401|||0.00|30.00|0.00|30.00", "balance|6401|||0.00|31.00|0.00|31.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:tb_ledger_mismatch": 1}
    assert found(report, "tb_ledger_mismatch") == [
        (
            "warning",
            "books.tiny:26",
            "Account 6401: the balances show debit 31.00, credit 0.00; the voucher lines add up to debit 30.00, "
            "credit 0.00",
        )
    ]


def test_trial_balance_without_movements_is_tied_by_its_net_change(tmp_path):
    text = edit(BOOKS, "balance|6401|||0.00|30.00|0.00|30.00", "balance|6401|||0.00|||35.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:tb_ledger_mismatch": 1}
    assert found(report, "tb_ledger_mismatch") == [
        (
            "warning",
            "books.tiny:26",
            "Account 6401: the balances move by 35.00 (closing − opening); the voucher lines by 30.00",
        )
    ]
    fixed = edit(BOOKS, "balance|6401|||0.00|30.00|0.00|30.00", "balance|6401|||0.00|||30.00")
    assert check(tmp_path, fixed).issues == []


def test_account_with_lines_but_no_balance(tmp_path):
    text = edit(BOOKS, "balance|6401|||0.00|30.00|0.00|30.00\n", "")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:tb_ledger_mismatch": 1}
    assert found(report, "tb_ledger_mismatch")[0][2] == (
        "Account 6401 has voucher lines (debit 30.00, credit 0.00) but no balance"
    )


def test_parent_that_is_not_the_sum_of_its_children(tmp_path):
    text = edit(BOOKS, "balance|1122|||80.00|50.00|20.00|110.00", "balance|1122|||90.00|50.00|20.00|120.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:parent_child_mismatch": 2}
    assert found(report, "parent_child_mismatch") == [
        ("warning", "balances: 1122", "Account 1122: opening is 90.00, its sub-accounts add up to 80.00"),
        ("warning", "balances: 1122", "Account 1122: closing is 120.00, its sub-accounts add up to 110.00"),
    ]


def test_dimension_balance_that_does_not_tie_is_a_warning(tmp_path):
    text = edit(
        BOOKS,
        "balance|112201|customer|C01|80.00|50.00|20.00|110.00",
        "balance|112201|customer|C01|80.00|55.00|25.00|110.00",
    )
    report = check(tmp_path, text)
    assert codes(report) == {"warning:tb_dimension_mismatch": 1}
    assert found(report, "tb_dimension_mismatch") == [
        (
            "warning",
            "books.tiny:24",
            "Account 112201, customer C01: the balances show debit 55.00, credit 25.00; the voucher lines add "
            "up to debit 50.00, credit 20.00",
        )
    ]


def test_unknown_account_codes_on_lines_and_balances(tmp_path):
    text = edit(BOOKS, "|receipt|1001|20.00|", "|receipt|1009|20.00|")
    text = edit(text, "balance|1001|||500.00|120.00|0.00|620.00", "balance|1001|||500.00|100.00|0.00|600.00")
    text += "balance|1009|||0.00|20.00|0.00|20.00\n"
    report = check(tmp_path, text)
    assert codes(report) == {"error:unknown_account": 1, "warning:balance_unknown_account": 1}
    assert found(report, "unknown_account") == [
        ("error", "books.tiny:28", "Account 1009 is not in the chart of accounts (lines: 1)"),
    ]
    assert found(report, "balance_unknown_account") == [
        (
            "warning",
            "balances: 1009",
            "The balances list account 1009, which is not in the chart of accounts",
        ),
    ]


def test_lines_without_an_account_code(tmp_path):
    text = edit(BOOKS, "|receipt|1001|20.00|", "|receipt||20.00|")
    report = check(tmp_path, text)
    assert found(report, "unknown_account") == [
        ("error", "books.tiny:28", "Voucher lines without an account code: 1")
    ]
    assert report.outcome == SnapshotStatus.REFUSED


def test_duplicate_account_in_the_chart(tmp_path):
    text = edit(
        BOOKS,
        "account|6401|Cost of sales|1||profit_loss|D\n",
        "account|6401|Cost of sales|1||profit_loss|D\naccount|6401|Cost|1||profit_loss|D\n",
    )
    report = check(tmp_path, text)
    assert codes(report) == {"error:duplicate_account": 1}
    assert found(report, "duplicate_account") == [
        ("error", "accounts: 6401", "Account code 6401 appears 2 times in the chart of accounts")
    ]


def test_unknown_dimension_codes_and_kinds_without_a_master_list(tmp_path):
    text = edit(
        BOOKS, "|receipt|112201||20.00|customer=C01", "|receipt|112201||20.00|customer=C09,project=P1"
    )
    text = edit(
        text,
        "|purchase|2202||30.00|supplier=S01",
        "|purchase|2202||30.00|other_dimensions=supplier:S02;region:R1",
    )
    text += "balance|112201|customer|C08|0.00|0.00|0.00|0.00\n"
    report = check(tmp_path, text)
    assert codes(report) == {
        "warning:dimension_without_master": 2,
        "warning:tb_dimension_mismatch": 2,
        "warning:unknown_dimension": 3,
    }
    assert found(report, "unknown_dimension") == [
        ("warning", "books.tiny:29", "customer code C09 is not in the master list (lines: 1)"),
        ("warning", "books.tiny:27", "supplier code S02 is not in the master list (lines: 1)"),
        (
            "warning",
            "balances: customer C08",
            "The balances use customer code C08, which is not in the master list",
        ),
    ]
    assert found(report, "dimension_without_master") == [
        (
            "warning",
            "books.tiny:29",
            "Voucher lines use project codes, but the ledger has no project list (codes: 1, lines: 1)",
        ),
        (
            "warning",
            "books.tiny:27",
            "Voucher lines use region codes, but the ledger has no region list (codes: 1, lines: 1)",
        ),
    ]
    assert report.outcome == SnapshotStatus.ACCEPTED_WITH_WARNINGS


def test_other_dimension_codes_may_contain_colons(tmp_path):
    text = edit(
        BOOKS,
        "|purchase|2202||30.00|supplier=S01",
        "|purchase|2202||30.00|supplier=S01,other_dimensions=other:B:11",
    )
    text = edit(
        text,
        "dimension|supplier|S01|Supplier One\n",
        "dimension|supplier|S01|Supplier One\ndimension|other|B:11|Bilag 11\n",
    )
    assert check(tmp_path, text).issues == []
    report = check(tmp_path, edit(text, "other:B:11", "other:B:12"))
    assert found(report, "unknown_dimension") == [
        ("warning", "books.tiny:28", "other code B:12 is not in the master list (lines: 1)")
    ]


def test_lines_posted_to_a_parent_account_are_a_warning(tmp_path):
    text = edit(BOOKS, "|receipt|112201||20.00|customer=C01", "|receipt|1122||20.00|")
    text = edit(text, "balance|112201|||80.00|50.00|20.00|110.00", "balance|112201|||80.00|50.00|0.00|130.00")
    text = edit(
        text,
        "balance|112201|customer|C01|80.00|50.00|20.00|110.00",
        "balance|112201|customer|C01|80.00|50.00|0.00|130.00",
    )
    text = edit(text, "balance|1122|||80.00|50.00|20.00|110.00", "balance|1122|||80.00|50.00|0.00|130.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:line_on_parent_account": 1}
    assert found(report, "line_on_parent_account") == [
        (
            "warning",
            "books.tiny:29",
            "Account 1122 has sub-accounts, but voucher lines are posted to it (lines: 1)",
        )
    ]


def test_voucher_number_gaps_and_duplicates(tmp_path):
    text = BOOKS
    for number, first in (("5", 30), ("6", 32), ("9", 34), ("009", 36), ("A7", 38)):
        text += f"line|2024|2|记|{number}|2024-02-21|1|x|1001|1.00|\nline|2024|2|记|{number}|2024-02-21|2|x|6001||1.00\n"
        assert first  # text line of the voucher's first line, used below
    text = edit(text, "balance|1001|||500.00|120.00|0.00|620.00", "balance|1001|||500.00|125.00|0.00|625.00")
    text = edit(text, "balance|6001|||0.00|0.00|150.00|-150.00", "balance|6001|||0.00|0.00|155.00|-155.00")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:voucher_number_duplicate": 1, "warning:voucher_number_gap": 2}
    assert found(report, "voucher_number_gap") == [
        ("warning", "books.tiny:30", "Voucher numbers 3 to 4 (2) are missing in 2024/02 type 记"),
        ("warning", "books.tiny:34", "Voucher numbers 7 to 8 (2) are missing in 2024/02 type 记"),
    ]
    assert found(report, "voucher_number_duplicate") == [
        ("warning", "books.tiny:34", "Voucher number 9 is used by 2 vouchers (009, 9)")
    ]


def test_same_voucher_number_on_different_dates_and_repeated_line_numbers(tmp_path):
    text = edit(BOOKS, "line|2024|2|记|2|2024-02-20|2|receipt", "line|2024|2|记|2|2024-02-21|1|receipt")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:duplicate_line_number": 1, "warning:voucher_number_duplicate": 1}
    assert found(report, "voucher_number_duplicate") == [
        (
            "warning",
            "books.tiny:28",
            "Voucher 记-2 (2024/02) has lines with different dates (2024-02-20 to 2024-02-21)",
        )
    ]
    assert found(report, "duplicate_line_number") == [
        ("warning", "books.tiny:28", "Voucher 记-2 (2024/02) repeats line numbers (repeated: 1)")
    ]


def test_vouchers_outside_the_fiscal_year_and_their_period(tmp_path):
    text = edit(BOOKS, "line|2024|1|记|2|2024-01-10|1", "line|2024|1|记|2|2023-12-31|1")
    text = edit(text, "line|2024|1|记|2|2024-01-10|2", "line|2024|1|记|2|2023-12-31|2")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:line_outside_entity_period": 1, "warning:line_outside_period_dates": 1}
    assert found(report, "line_outside_entity_period") == [
        (
            "warning",
            "books.tiny:24",
            "Voucher 记-2 (2024/01) dated 2023-12-31 to 2023-12-31 lies outside the ledger's period 2024-01-01 "
            "to 2024-12-31 (fiscal year 2024)",
        )
    ]
    assert found(report, "line_outside_period_dates") == [
        (
            "warning",
            "books.tiny:24",
            "Voucher 记-2 (2024/01) dated 2023-12-31 to 2023-12-31 lies outside its period 2024-01-01 to 2024-01-31",
        )
    ]


def test_vouchers_in_a_period_the_ledger_does_not_list(tmp_path):
    text = edit(BOOKS, "line|2024|2|记|2|2024-02-20|1", "line|2024|3|记|2|2024-02-20|1")
    text = edit(text, "line|2024|2|记|2|2024-02-20|2", "line|2024|3|记|2|2024-02-20|2")
    report = check(tmp_path, text)
    assert codes(report) == {"warning:unknown_period": 1}
    assert found(report, "unknown_period") == [
        ("warning", "books.tiny:28", "Period 2024/03 is not in the ledger's list of periods (vouchers: 1)")
    ]


def test_red_ink_amounts_are_listed_not_refused(tmp_path):
    """红字冲销: Chinese ledgers reverse entries with negative amounts on the same side."""
    text = edit(BOOKS, "|cash sale|1001|100.00|", "|cash sale|1001|100.00|-5.00")
    text = edit(text, "|cash sale|6001||100.00", "|cash sale|6001||105.00")
    text = edit(text, "balance|6001|||0.00|0.00|150.00|-150.00", "balance|6001|||0.00|0.00|155.00|-155.00")
    text = edit(text, "balance|1001|||500.00|120.00|0.00|620.00", "balance|1001|||500.00|120.00|-5.00|625.00")
    report = check(tmp_path, text)
    assert codes(report) == {"info:negative_amount": 1}
    assert report.outcome == SnapshotStatus.ACCEPTED
    assert found(report, "negative_amount") == [
        (
            "info",
            "books.tiny:22",
            "Red-ink (negative) amount on voucher 记-1 (2024/01) line 1: debit 100.00, credit -5.00",
        )
    ]


def test_without_a_chart_codes_are_not_checked_and_parents_are_found_by_prefix(tmp_path):
    text = "".join(line + "\n" for line in BOOKS.splitlines() if not line.startswith("account|"))
    report = check(tmp_path, text)
    assert codes(report) == {"info:no_chart": 1}
    assert report.outcome == SnapshotStatus.ACCEPTED
    assert report.account_count == 7
    broken = edit(
        text, "balance|112201|||80.00|50.00|20.00|110.00", "balance|112201|||80.00|51.00|20.00|111.00"
    )
    assert codes(check(tmp_path, broken)) == {"warning:tb_ledger_mismatch": 1, "info:no_chart": 1}


def test_without_balances_only_the_voucher_checks_run(tmp_path):
    text = "".join(line + "\n" for line in BOOKS.splitlines() if not line.startswith("balance|"))
    report = check(tmp_path, text)
    assert codes(report) == {"info:no_balances": 1}
    assert report.outcome == SnapshotStatus.ACCEPTED


def test_a_ledger_without_lines_is_a_warning(tmp_path):
    text = "".join(line + "\n" for line in BOOKS.splitlines() if not line.startswith(("line|", "balance|")))
    report = check(tmp_path, text)
    assert codes(report) == {"info:no_balances": 1, "warning:no_lines": 1}
    assert (report.line_count, report.voucher_count, report.total_debit) == (0, 0, D("0.00"))


def test_what_the_reader_reported_counts_in_the_outcome(tmp_path):
    text = BOOKS + "issue|warning|ambiguous_decimal|1.234 read as 1234\n"
    report = check(tmp_path, text)
    assert [(i.severity, i.code, i.location, i.message) for i in report.issues] == [
        ("warning", "ambiguous_decimal", "books.tiny:30", "1.234 read as 1234")
    ]
    assert report.outcome == SnapshotStatus.ACCEPTED_WITH_WARNINGS
    ledger = read_memory(tmp_path, BOOKS + "issue|error|bad_row|row skipped\n")
    reported = Findings()
    for issue in ledger.issues:
        reported.add_issue(issue)
    assert validate(ledger, reported=reported).outcome == SnapshotStatus.REFUSED


def _unbalanced_vouchers(count: int) -> canonical.InMemoryLedger:
    ledger = canonical.InMemoryLedger()
    ledger.put_lines(
        pl.DataFrame(
            {
                "fiscal_year": [2024] * count,
                "period": [1] * count,
                "voucher_type": ["记"] * count,
                "voucher_number": [str(n + 1) for n in range(count)],
                "account_code": ["1001"] * count,
                "debit": [D("1.00")] * count,
                "source_location": [f"big.csv:{n + 2}" for n in range(count)],
            }
        )
    )
    return ledger


def test_findings_are_capped_per_check_but_all_counted():
    report = validate(_unbalanced_vouchers(2500), cap=1000)
    assert report.totals[("error", "voucher_unbalanced")] == 2500
    kept = [i for i in report.issues if i.code == "voucher_unbalanced"]
    assert len(kept) == 1000
    assert kept[0].location == "big.csv:2"
    assert kept[-1].location == "big.csv:1001"
    assert report.error_count == 2501  # and the totals do not balance
    assert report.codes("error") == {"voucher_unbalanced": 2500, "totals_unbalanced": 1}


def test_every_check_has_a_message_and_messages_render_from_data(english):
    assert {c.code for c in CHECKS} <= {key.split(":")[0] for key in MESSAGES}
    issue = canonical.Issue(
        "warning",
        "voucher_number_gap",
        "stored text",
        "x:1",
        {"year": 2024, "period": 3, "voucher_type": "记", "first": 4, "last": 6, "missing": 3},
    )
    assert render_message(issue) == "Voucher numbers 4 to 6 (3) are missing in 2024/03 type 记"
    assert (
        render_message(canonical.Issue("error", "reader_code", "as the reader said")) == "as the reader said"
    )
    broken = canonical.Issue("warning", "voucher_number_gap", "stored text", "", {"year": 2024})
    assert render_message(broken) == "stored text"


# --------------------------------------------------------------------------------------------------
# property tests: random balanced books pass; one changed amount is always caught

ACCOUNTS = ["1001", "1122", "2202", "6001", "6401"]
cents = st.integers(min_value=1, max_value=10**9)


@st.composite
def balanced_books(draw):
    """Vouchers whose lines balance, and balances consistent with them."""
    voucher_count = draw(st.integers(min_value=1, max_value=12))
    rows = []
    for number in range(1, voucher_count + 1):
        debits = draw(st.lists(cents, min_size=1, max_size=4))
        total = sum(debits)
        splits = draw(st.integers(min_value=1, max_value=min(4, total)))
        cuts = (
            sorted(draw(st.sets(st.integers(1, total - 1), min_size=splits - 1, max_size=splits - 1)))
            if splits > 1
            else []
        )
        credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        period = draw(st.integers(min_value=1, max_value=12))
        for side, amounts in (("debit", debits), ("credit", credits)):
            for amount in amounts:
                rows.append(
                    {
                        "fiscal_year": 2024,
                        "period": period,
                        "voucher_type": "记",
                        "voucher_number": str(number),
                        "voucher_date": datetime.date(2024, period, 10),
                        "line_number": len([r for r in rows if r["voucher_number"] == str(number)]) + 1,
                        "account_code": draw(st.sampled_from(ACCOUNTS)),
                        "debit": D(amount) / 100 if side == "debit" else D("0.00"),
                        "credit": D(amount) / 100 if side == "credit" else D("0.00"),
                        "source_location": f"gen:{len(rows) + 1}",
                    }
                )
    openings = {code: D(draw(st.integers(-(10**8), 10**8))) / 100 for code in ACCOUNTS}
    return rows, openings


def _ledger(rows, openings, closing_offset=None) -> canonical.InMemoryLedger:
    ledger = canonical.InMemoryLedger()
    ledger.put("accounts", pl.DataFrame({"code": ACCOUNTS, "name": ACCOUNTS, "level": [1] * len(ACCOUNTS)}))
    frame = pl.DataFrame(rows, schema={k: canonical.LINES[k] for k in rows[0]})
    ledger.put_lines(frame)
    balances = []
    for code in ACCOUNTS:
        debit = sum((r["debit"] for r in rows if r["account_code"] == code), D("0.00"))
        credit = sum((r["credit"] for r in rows if r["account_code"] == code), D("0.00"))
        closing = openings[code] + debit - credit
        if closing_offset and closing_offset[0] == code:
            closing += closing_offset[1]
        balances.append(
            {
                "account_code": code,
                "opening": openings[code],
                "debit": debit,
                "credit": credit,
                "closing": closing,
            }
        )
    ledger.put("balances", pl.DataFrame(balances, schema={k: canonical.BALANCES[k] for k in balances[0]}))
    return ledger


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_books())
def test_random_balanced_books_pass(books):
    rows, openings = books
    report = validate(_ledger(rows, openings))
    assert report.error_count == 0, [i.message for i in report.issues if i.severity == "error"]
    assert report.total_debit == report.total_credit == sum((r["debit"] for r in rows), D("0.00"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_books(), st.data())
def test_changing_any_one_line_amount_is_caught(books, data):
    rows, openings = books
    index = data.draw(st.integers(0, len(rows) - 1))
    delta = D(data.draw(st.integers(1, 10**6)) * data.draw(st.sampled_from([1, -1]))) / 100
    ledger = _ledger(rows, openings)  # balances are computed from the correct lines
    changed = dict(rows[index])
    side = "debit" if changed["debit"] else "credit"
    if changed[side] + delta < 0:
        delta = -delta
    changed[side] += delta
    broken = [*rows[:index], changed, *rows[index + 1 :]]
    ledger._line_batches = []
    ledger.put_lines(pl.DataFrame(broken, schema={k: canonical.LINES[k] for k in broken[0]}))
    report = validate(ledger)
    assert report.outcome == SnapshotStatus.REFUSED
    unbalanced = [i for i in report.issues if i.code == "voucher_unbalanced"]
    assert [i.data["voucher_number"] for i in unbalanced] == [changed["voucher_number"]]
    assert D(unbalanced[0].data["difference"]) == (delta if side == "debit" else -delta)
    mismatched = [i.data["account_code"] for i in report.issues if i.code == "tb_ledger_mismatch"]
    assert mismatched == [changed["account_code"]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(balanced_books(), st.sampled_from(ACCOUNTS), st.integers(1, 10**6))
def test_changing_any_closing_balance_is_caught(books, account, cents_off):
    rows, openings = books
    report = validate(_ledger(rows, openings, closing_offset=(account, D(cents_off) / 100)))
    assert [i.data["account_code"] for i in report.issues if i.code == "balance_roll_forward"] == [account]
    assert report.outcome == SnapshotStatus.ACCEPTED_WITH_WARNINGS


@pytest.mark.parametrize("field", ["debit", "credit"])
def test_a_one_cent_difference_is_caught(tmp_path, field):
    old = "|cash sale|1001|100.00|" if field == "debit" else "|cash sale|6001||100.00"
    new = "|cash sale|1001|100.01|" if field == "debit" else "|cash sale|6001||100.01"
    report = check(tmp_path, edit(BOOKS, old, new))
    assert report.codes("error")["voucher_unbalanced"] == 1
    assert report.codes("warning")["tb_ledger_mismatch"] == 1
