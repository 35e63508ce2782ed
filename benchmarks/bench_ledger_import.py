"""Ledger import: a generated 1,000,000-line ledger in every form, imported end to end.

`ledger_gen.py` writes the ledger (1,000 accounts, auxiliary dimensions, one fiscal year) through
each format module that has a writer: the cpahub audit data standard (CSV), AICPA ADS, GB/T 24589
XML and SAF-T XML; the data are kept in benchmarks/out/ledger/ and reused while the line count and
seed are the same. For each form, one child process runs `cpahub.ledgers.services.import_ledger`
(read, validate, store into a snapshot of the benchmark database) — or, while that service does not
exist, the format's `read` into memory plus `validation.validate` ("parse only"). Figures: seconds,
lines per second and the child's peak memory (max RSS, from the kernel's rusage of that child). In
the same run and the same way, `pl.read_csv` alone reads the same voucher lines (the standard's
lines.csv, and the ADS GL_Detail file): the ratio of an import to it is our overhead.
Targets (issue 4, 2 cores): the CSV and ADS imports of 1,000,000 lines in under 15 s with under 2 GB
of memory; the XML formats at 100,000 lines per second or more. The last line of the output is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
import ledger_gen

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = _common.OUT / "ledger"
DEFAULT_LINES = int(os.environ.get("CPAHUB_BENCH_LEDGER_LINES", "1000000"))
FORMS = ("cpahub", "ads", "gbt24589", "saft")
CSV_FORMS = ("cpahub", "ads")
XML_FORMS = ("gbt24589", "saft")
TARGET_SECONDS, TARGET_MB, TARGET_LINES_PER_SECOND = 15.0, 2048, 100_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default="", help="PostgreSQL URL (default: the SQLite file in benchmarks/out/)"
    )
    parser.add_argument(
        "--requests", type=int, default=0, help="ignored (benchmarks/run passes it to every script)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed or a form fails"
    )
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES, help=f"voucher lines ({DEFAULT_LINES:,})")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the generated ledger (2024)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the generated forms are kept")
    parser.add_argument("--forms", default=",".join(FORMS), help=f"forms to import ({','.join(FORMS)})")
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the ledger again even if it is there"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)  # internal: one measurement
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------------
# children: one measurement each, JSON on the last line of stdout


def child_baseline(path: Path, separator: str) -> dict:
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(
        path, separator=separator, infer_schema_length=10_000, quote_char='"' if separator == "," else None
    )
    return {"seconds": time.perf_counter() - started, "rows": frame.height, "columns": frame.width}


def child_import(form: str, path: Path, db: str) -> dict:
    _common.configure(db)
    from django.db import DatabaseError

    note = ""
    try:
        from cpahub.ledgers.services import import_ledger
    except ImportError:
        import_ledger, note = None, "no import service yet: parse only"
    if import_ledger is not None:
        try:
            from cpahub.ledgers.models import LedgerSnapshot

            LedgerSnapshot.objects.exists()  # the database is migrated
        except DatabaseError as error:
            import_ledger, note = None, f"database not ready ({str(error).splitlines()[0]}): parse only"
    if import_ledger is None:
        return {**child_parse_only(form, path), "note": note}
    from cpahub.ledgers.formats import xmlchunks

    started = time.perf_counter()
    snapshot = import_ledger(None, path, format=form)
    seconds = time.perf_counter() - started
    return {
        "mode": "end-to-end",
        "xml_workers": xmlchunks.worker_count() if form in XML_FORMS else None,
        "seconds": seconds,
        "lines": snapshot.line_count,
        "vouchers": snapshot.voucher_count,
        "status": snapshot.status,
        "errors": snapshot.error_count,
        "warnings": snapshot.warning_count,
        "total_debit": str(snapshot.total_debit),
        "total_credit": str(snapshot.total_credit),
        "message": snapshot.message[:300],
    }


def child_parse_only(form: str, path: Path) -> dict:
    from cpahub.ledgers import canonical, formats

    module = formats.get(form)
    sink = canonical.InMemoryLedger()
    started = time.perf_counter()
    module.read(path, sink)
    result = {"mode": "parse only", "lines": sink.table("lines").height}
    try:
        from cpahub.ledgers import validation
    except ImportError:
        validation = None
    if validation is not None:
        report = validation.validate(sink)
        result |= {"mode": "parse + validate", "status": str(report.outcome), "errors": report.error_count}
    result["seconds"] = time.perf_counter() - started
    return result


def run_child(args: argparse.Namespace, *child: str) -> dict:
    """Run one measurement in a child process; its figures plus its peak memory (max RSS)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", *child]
    if args.db:
        command += ["--db", args.db]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        # os.wait4 is getrusage(RUSAGE_CHILDREN) for this one child (RUSAGE_CHILDREN itself would give
        # the largest of all the children so far); ru_maxrss is in kilobytes on Linux.
        _pid, wait_status, usage = os.wait4(process.pid, 0)
        process.returncode = status = os.waitstatus_to_exitcode(wait_status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    figures: dict = {}
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    try:
        figures = json.loads(last)
    except json.JSONDecodeError:
        figures = {"error": (stderr.strip().splitlines() or ["no output"])[-1][:300]}
    if status and "error" not in figures:
        figures["error"] = (stderr.strip().splitlines() or [f"exit status {status}"])[-1][:300]
    figures["peak_mb"] = round(usage.ru_maxrss / 1024, 1)
    figures["process_seconds"] = round(wall, 2)
    return figures


# --------------------------------------------------------------------------------------------------
# the generated ledger


def ensure_generated(args: argparse.Namespace, forms: list[str]) -> dict:
    summary_path = args.out / "generated.json"
    summary = {}
    if summary_path.exists() and not args.regenerate:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    fresh = (
        summary.get("lines") == args.lines
        and summary.get("seed") == args.seed
        and summary.get("generator") == ledger_gen.GENERATOR_VERSION
        and all(form in summary.get("forms", {}) for form in forms)
        and all(
            (args.out / info["import"]).exists()
            for info in summary.get("forms", {}).values()
            if "import" in info
        )
    )
    if fresh:
        summary["reused"] = True
        return summary
    print(f"generating {args.lines:,} voucher lines in {args.out} ...", flush=True)
    started = time.perf_counter()
    command = [
        sys.executable,
        str(HERE / "ledger_gen.py"),
        "--lines",
        str(args.lines),
        "--out",
        str(args.out),
        "--seed",
        str(args.seed),
        "--forms",
        ",".join(forms),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["reused"] = False
    summary["generate_seconds"] = round(time.perf_counter() - started, 1)
    return summary


def gl_detail(out: Path, info: dict) -> Path | None:
    for name in info.get("paths", []):
        if Path(name).name.startswith("GL_Detail"):
            return out / name
    return None


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "baseline":
            result = child_baseline(Path(rest[0]), rest[1])
        else:
            result = child_import(rest[0], Path(rest[1]), args.db)
        print(json.dumps(result, ensure_ascii=False))
        return
    forms = [f for f in args.forms.split(",") if f]
    problems: list[str] = []
    summary = ensure_generated(args, forms)
    generated = summary["forms"]
    lines = summary["lines"]
    print(
        f"ledger: {lines:,} lines, {summary['vouchers']:,} vouchers, {summary['accounts']:,} accounts "
        f"({'reused' if summary.get('reused') else 'generated'} in {args.out})"
    )

    baselines: dict[str, dict] = {}
    csv_paths = {"cpahub": (args.out / "cpahub" / "lines.csv", ",")}
    if "ads" in generated and gl_detail(args.out, generated["ads"]):
        csv_paths["ads"] = (gl_detail(args.out, generated["ads"]), "|")
    for form, (path, separator) in csv_paths.items():
        if not path.exists():
            continue
        figures = run_child(args, "baseline", str(path), separator)
        figures["file"] = path.relative_to(args.out).as_posix()
        figures["mb"] = round(path.stat().st_size / 1e6, 1)
        baselines[form] = figures
        if "error" in figures:
            problems.append(f"pl.read_csv of {figures['file']} failed: {figures['error']}")
        else:
            print(
                f"baseline pl.read_csv {figures['file']:<40} {figures['seconds']:6.2f} s  "
                f"{figures['peak_mb']:7.0f} MB peak  ({figures['rows']:,} rows)"
            )
    base = baselines.get("cpahub", {}).get("seconds")

    imports: dict[str, dict] = {}
    for form in forms:
        info = generated.get(form, {})
        if "import" not in info:
            imports[form] = {"missing": info.get("missing") or info.get("error") or "not generated"}
            print(f"import {form:<9} missing: {imports[form]['missing']}")
            if "error" in info:
                problems.append(f"{form}: the writer failed: {info['error']}")
            continue
        path = args.out / info["import"]
        figures = run_child(args, "import", form, str(path))
        figures["file"] = info["import"]
        figures["mb"] = round(path.stat().st_size / 1e6, 1)
        imports[form] = figures
        if "error" in figures:
            problems.append(f"{form}: the import failed: {figures['error']}")
            print(f"import {form:<9} FAILED: {figures['error']}")
            continue
        seconds = figures["seconds"]
        figures["lines_per_second"] = round(figures["lines"] / seconds) if seconds else None
        own_base = baselines.get(form, {}).get("seconds") or base
        if own_base:
            figures["ratio_to_read_csv"] = round(seconds / own_base, 1)
        if figures["lines"] != lines:
            problems.append(f"{form}: imported {figures['lines']:,} lines of {lines:,}")
        if figures.get("status") not in (None, "accepted", "warnings"):
            problems.append(f"{form}: the import was {figures.get('status')}: {figures.get('message', '')}")
        if form in CSV_FORMS:
            figures["target"] = f"< {TARGET_SECONDS:.0f} s and < {TARGET_MB} MB (at 1,000,000 lines)"
            figures["target_met"] = (
                seconds < TARGET_SECONDS * lines / 1_000_000 and figures["peak_mb"] < TARGET_MB
            )
        else:
            figures["target"] = f">= {TARGET_LINES_PER_SECOND:,} lines/s"
            figures["target_met"] = (figures["lines_per_second"] or 0) >= TARGET_LINES_PER_SECOND
        if not figures["target_met"]:
            problems.append(f"{form}: target missed ({figures['target']})")
        print(
            f"import {form:<9} {figures['mode']:<16} {seconds:7.2f} s  {figures['lines_per_second'] or 0:>9,} lines/s  "
            f"{figures['peak_mb']:7.0f} MB peak  x{figures.get('ratio_to_read_csv', '?')} read_csv  "
            f"{figures.get('status', '')}  target {'met' if figures['target_met'] else 'MISSED'}"
        )

    _common.report(
        {
            "benchmark": "ledger_import",
            "database": "postgresql" if (args.db or os.environ.get("DATABASE_URL")) else "sqlite",
            "lines": lines,
            "vouchers": summary["vouchers"],
            "generated": {
                "reused": summary.get("reused", False),
                "build_seconds": summary.get("build_seconds"),
                "write_seconds": {f: i.get("seconds") for f, i in generated.items() if "seconds" in i},
                "bytes": {f: i.get("bytes") for f, i in generated.items() if "bytes" in i},
                "missing": summary.get("missing", []),
            },
            "read_csv_baseline": baselines,
            "imports": imports,
        },
        args.strict,
        problems,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
