"""`make bench`: every benchmark, each next to a baseline measured in the same run.

Prints a table and writes bench/results/latest.json (git-ignored); docs/benchmarks.md keeps the
figures we publish and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable

from bench import (
    bench_dbt,
    bench_freshness,
    bench_live,
    bench_ocr,
    bench_replication,
    bench_seed,
    bench_stack,
    bench_superset,
)
from dagster_project import paths
from dagster_project.stack.local import LocalStack
from dagster_project.stack.scratch import free_port, scratch_state_dir

RESULTS = paths.PROJECT_ROOT / "bench" / "results"
BENCHMARKS = ["stack", "seed", "replication", "dbt", "superset", "ocr", "freshness", "live"]


def database_factory(stack: LocalStack) -> Callable[[str], str]:
    import psycopg
    from psycopg import sql

    def make(name: str) -> str:
        with psycopg.connect(stack.dsn("postgres", "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER odoo").format(sql.Identifier(name)))
        return stack.dsn("odoo", name)

    return make


def superset_figures(stack: LocalStack) -> dict[str, object]:
    """Against the marts the dbt benchmark built, read through the stack's read-only role."""
    import psycopg
    from psycopg import sql

    from dagster_project.config.roles import READER_ROLE
    from dagster_project.superset.client import SupersetClient

    marts = bench_dbt.BENCH_DATABASE
    with psycopg.connect(stack.dsn("postgres", marts), autocommit=True) as conn:
        reader = sql.Identifier(READER_ROLE)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA warehouse TO {}").format(reader))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA warehouse TO {}").format(reader))
    uri = stack.warehouse_reader_uri().rsplit("/", 1)[0] + "/" + marts
    user, password = stack.superset_admin()
    with SupersetClient(stack.superset.url, user, password) as client:
        return bench_superset.run(client, stack.dsn("postgres", marts), uri)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Example: BENCH_SCALE=1 make bench   or   python -m bench.run --scale 20")
    parser.add_argument("--scale", type=int, default=20, help="Odoo data scale (20 is about 1M move lines)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append",
                        help="Run only these benchmarks (repeatable)")
    parser.add_argument("--ocr-documents", type=int, default=2000, help="JSON documents for the OCR throughput")
    parser.add_argument("--ocr-samples", type=int, default=10,
                        help="OCR drop-to-dashboard samples with the daemon (0 skips it)")
    parser.add_argument("--freshness-samples", type=int, default=20,
                        help="heartbeat invoices timed from the Odoo commit to the Superset chart")
    parser.add_argument("--burst-seconds", type=float, default=60.0, help="the live benchmark's 50 tx/s burst")
    args = parser.parse_args(argv)
    selected = set(args.only or BENCHMARKS)
    results: dict[str, object] = {"scale": args.scale, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    if "stack" in selected:
        print("== stack cold/warm start", file=sys.stderr)
        results["stack"] = bench_stack.run(scratch_state_dir, free_port)
    if "superset" in selected:
        selected.add("dbt")  # the dashboards read the marts the dbt benchmark builds
    if selected & {"seed", "replication", "dbt", "superset", "ocr"}:
        state = scratch_state_dir("bench-")
        stack = LocalStack(state, free_port(), superset_port=free_port())
        try:
            stack.up(with_dagster=False, with_superset=bool(selected & {"superset", "ocr"}), progress=lambda _: None)
            if "seed" in selected:
                print(f"== seed vs COPY at scale {args.scale}", file=sys.stderr)
                results["seed"] = bench_seed.run(database_factory(stack), args.scale)
            if "replication" in selected:
                print(f"== replication at scale {args.scale}: initial sync vs COPY, lag under load", file=sys.stderr)
                results["replication"] = bench_replication.run(stack, args.scale)
            if "dbt" in selected:
                print(f"== dbt at scale {args.scale}: full build, 1% incremental, raw SQL, load time", file=sys.stderr)
                results["dbt"] = bench_dbt.run(database_factory(stack), args.scale)
            if "superset" in selected:
                print("== Superset: plan and drift-plan at 50 dashboards / 300 charts vs naive", file=sys.stderr)
                results["superset"] = superset_figures(stack)
            if "ocr" in selected:
                print("== OCR: JSON documents/s vs raw INSERT, sensor tick with 10,000 pending, drop to dashboard",
                      file=sys.stderr)
                results["ocr"] = bench_ocr.run(stack, database_factory(stack), documents=args.ocr_documents,
                                               samples=args.ocr_samples)
        finally:
            stack.down(progress=lambda _: None)
            shutil.rmtree(state, ignore_errors=True)
    if "freshness" in selected:  # a stack of its own: Dagster's daemon and webserver run there
        print(f"== freshness at scale {args.scale}: Odoo commit to Superset chart data, daemon running",
              file=sys.stderr)
        results["freshness"] = bench_freshness.run(scratch_state_dir, free_port, args.scale,
                                                   samples=args.freshness_samples)

    if "live" in selected:  # a stack of its own, like freshness: the daemon runs as usual beside the worker
        print(f"== live path at scale {args.scale}: commit to chart, every chart, a 50 tx/s burst with and without",
              file=sys.stderr)
        results["live"] = bench_live.run(scratch_state_dir, free_port, args.scale, samples=args.freshness_samples,
                                         burst_seconds=args.burst_seconds)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    for name, figures in results.items():
        if isinstance(figures, dict):
            print(f"\n{name}")
            for key, value in figures.items():
                print(f"  {key:<36} {value:.3f}" if isinstance(value, float) else f"  {key:<36} {value}")
    print(f"\nwritten: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
