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

from bench import bench_replication, bench_seed, bench_stack
from dagster_project import paths
from dagster_project.stack.local import LocalStack
from dagster_project.stack.scratch import free_port, scratch_state_dir

RESULTS = paths.PROJECT_ROOT / "bench" / "results"
BENCHMARKS = ["stack", "seed", "replication"]


def database_factory(stack: LocalStack) -> Callable[[str], str]:
    import psycopg
    from psycopg import sql

    def make(name: str) -> str:
        with psycopg.connect(stack.dsn("postgres", "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER odoo").format(sql.Identifier(name)))
        return stack.dsn("odoo", name)

    return make


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Example: BENCH_SCALE=1 make bench   or   python -m bench.run --scale 20")
    parser.add_argument("--scale", type=int, default=20, help="Odoo data scale (20 is about 1M move lines)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append",
                        help="Run only these benchmarks (repeatable)")
    args = parser.parse_args(argv)
    selected = set(args.only or BENCHMARKS)
    results: dict[str, object] = {"scale": args.scale, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    if "stack" in selected:
        print("== stack cold/warm start", file=sys.stderr)
        results["stack"] = bench_stack.run(scratch_state_dir, free_port)
    if selected & {"seed", "replication"}:
        state = scratch_state_dir("bench-")
        stack = LocalStack(state, free_port())
        try:
            stack.up(with_dagster=False, with_superset=False, progress=lambda _: None)
            if "seed" in selected:
                print(f"== seed vs COPY at scale {args.scale}", file=sys.stderr)
                results["seed"] = bench_seed.run(database_factory(stack), args.scale)
            if "replication" in selected:
                print(f"== replication at scale {args.scale}: initial sync vs COPY, lag under load", file=sys.stderr)
                results["replication"] = bench_replication.run(stack, args.scale)
        finally:
            stack.down(progress=lambda _: None)
            shutil.rmtree(state, ignore_errors=True)

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
