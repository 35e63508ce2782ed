"""The per-account trial-balance summary of a snapshot (what `SnapshotAccount` rows hold).

One row per account of the chart, plus any code found only on balances or lines: opening, debit,
credit and closing in local currency. Balances from the source are used where present; movements
the source does not give are the voucher lines of non-void vouchers, rolled up from each account to
all its ancestors; a closing balance the source does not give is opening + debit − credit.
"""

from __future__ import annotations

import polars as pl

from cpahub.ledgers import canonical

AMOUNT_FIELDS = ("opening", "debit", "credit", "closing")
COLUMNS = ("code", "name", "level", "type", "normal_balance", *AMOUNT_FIELDS)
MAX_DEPTH = 30  # deeper charts than this do not exist; a cycle in parent codes stops here


def ancestors(accounts: pl.DataFrame) -> pl.DataFrame:
    """(code, ancestor) for every account and each of its ancestors, itself included."""
    links = accounts.select("code", "parent_code").drop_nulls("code").unique("code")
    pairs = [links.select("code", ancestor=pl.col("code"))]
    frontier = links.select("code", ancestor=pl.col("parent_code")).drop_nulls()
    parents = links.select(ancestor="code", next="parent_code")
    for _depth in range(MAX_DEPTH):  # one join per level of the chart, not per account
        if not frontier.height:
            break
        pairs.append(frontier)
        frontier = (
            frontier.join(parents, on="ancestor", how="inner")
            .select("code", ancestor=pl.col("next"))
            .drop_nulls()
        )
    return pl.concat(pairs).unique()


def account_summary(
    accounts: pl.DataFrame, account_balances: pl.DataFrame, line_sums: pl.DataFrame
) -> pl.DataFrame:
    """`accounts`: the chart; `account_balances`: account-level balances, one row per account;
    `line_sums`: (account_code, debit, credit) of non-void lines per account."""
    amount = canonical.AMOUNT
    sums = line_sums.filter(pl.col("account_code").is_not_null()).select(
        "account_code", line_debit="debit", line_credit="credit"
    )
    if accounts.height:
        rolled = (
            sums.join(ancestors(accounts), left_on="account_code", right_on="code", how="left")
            .with_columns(pl.coalesce("ancestor", "account_code").alias("account_code"))
            .group_by("account_code")
            .agg(pl.col("line_debit").sum(), pl.col("line_credit").sum())
        )
        chart = accounts.unique("code", keep="first").select(
            code="code", name="name", level="level", type="type", normal_balance="normal_balance"
        )
    else:
        rolled = sums
        chart = pl.DataFrame(
            schema={
                "code": pl.Utf8,
                "name": pl.Utf8,
                "level": pl.Int32,
                "type": pl.Utf8,
                "normal_balance": pl.Utf8,
            }
        )
    codes = (
        pl.concat(
            [
                chart.select("code"),
                account_balances.select(code="account_code"),
                rolled.select(code="account_code"),
            ]
        )
        .drop_nulls()
        .unique()
    )
    summary = (
        codes.join(chart, on="code", how="left")
        .join(account_balances.rename({"account_code": "code"}), on="code", how="left")
        .join(rolled.rename({"account_code": "code"}), on="code", how="left")
        .with_columns(
            opening=pl.col("opening").fill_null(0).cast(amount),
            debit=pl.coalesce("debit", "line_debit", pl.lit(0)).cast(amount),
            credit=pl.coalesce("credit", "line_credit", pl.lit(0)).cast(amount),
        )
        .with_columns(
            closing=pl.coalesce("closing", pl.col("opening") + pl.col("debit") - pl.col("credit")).cast(
                amount
            ),
            name=pl.col("name").fill_null(""),
            level=pl.col("level").fill_null(1),
            type=pl.col("type").fill_null(""),
            normal_balance=pl.col("normal_balance").fill_null(""),
        )
        .select(COLUMNS)
        .sort("code")
    )
    return summary
