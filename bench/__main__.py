"""``python -m bench``: momoflow's full payment path against bare Temporal and the floor, in one run.

Prints one JSON object on stdout; progress goes to stderr. See bench/runner.py, and
bench/scaling.py for ``--backlog-sizes``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.runner import BenchConfig, run_bench
from bench.scaling import markdown_table, parse_sizes, run_scaling


@dataclass(frozen=True)
class Args:
    config: BenchConfig
    sizes: list[int]  # scaling mode when not empty
    plot: Path | None


def parse_args(argv: list[str] | None = None) -> Args:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=500, help="payments per round, all started at once (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind, alternating (default 3)")
    parser.add_argument(
        "--pending", type=int, default=0, help="backlog mode: park this many never-answered payments and measure them"
    )
    parser.add_argument(
        "--backlog",
        type=int,
        default=0,
        help="backlog mode: park this many never-answered payments polling at the production rate limit, "
        "then time payments approved at once (skips the full/baseline rounds)",
    )
    parser.add_argument(
        "--backlog-sizes",
        help="scaling mode: one backlog run per size on a fresh stack, e.g. 1000,5000,10000; "
        "no observation window (the gaps between checks are not measured)",
    )
    parser.add_argument(
        "--plot", type=Path, help="scaling mode: draw the figure here (PNG) and write the table beside it (.md)"
    )
    parser.add_argument("--backlog-payments", type=int, default=20, help="payments approved at once per wave (20)")
    parser.add_argument("--backlog-waves", type=int, default=3, help="waves of those payments (default 3)")
    parser.add_argument("--backlog-settle", type=float, default=15.0, help="seconds of polling before the waves")
    parser.add_argument(
        "--backlog-observe", type=float, default=0.0, help="sample the backlog's checks at least this many seconds"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed payments of each kind first (default 20)")
    parser.add_argument(
        "--status-rate",
        type=float,
        help="MOMO_STATUS_CHECKS_PER_SECOND for both workers (default 1000, i.e. no cap; "
        "in backlog mode 8, the production setting)",
    )
    parser.add_argument(
        "--profile", type=Path, help="also run one untimed full-path round under py-spy, raw output here"
    )
    parser.add_argument("--profile-rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--data-dir", type=Path, help="keep the stack's database and logs here instead of a temp dir")
    parser.add_argument("--round-timeout", type=float, help="give up on a round after this many seconds")
    parser.add_argument("--start-concurrency", type=int, default=200, help="backlog payments being started at once")
    args = parser.parse_args(argv)
    if args.n < 1 or args.rounds < 1 or args.pending < 0 or args.warmup < 0 or args.backlog < 0:
        parser.error("--n and --rounds must be at least 1; --pending, --backlog and --warmup at least 0")
    if args.backlog_payments < 1 or args.backlog_waves < 1:
        parser.error("--backlog-payments and --backlog-waves must be at least 1")
    try:
        sizes = parse_sizes(args.backlog_sizes) if args.backlog_sizes is not None else []
    except ValueError as exc:
        parser.error(str(exc))
    if sizes and (args.backlog or args.pending or args.backlog_observe or args.profile):
        parser.error("--backlog-sizes runs alone: not with --backlog, --pending, --backlog-observe or --profile")
    if args.plot is not None and not sizes:
        parser.error("--plot draws the scaling mode's figure: give --backlog-sizes too")
    status_rate = args.status_rate or (8.0 if args.backlog or sizes else 1000.0)
    config = BenchConfig(
        n=args.n,
        rounds=args.rounds,
        pending=args.pending,
        warmup=args.warmup,
        status_rate=status_rate,
        backlog=args.backlog,
        backlog_payments=args.backlog_payments,
        backlog_waves=args.backlog_waves,
        backlog_settle_s=args.backlog_settle,
        backlog_observe_s=args.backlog_observe,
        profile=args.profile.resolve() if args.profile else None,
        profile_rate=args.profile_rate,
        data_dir=args.data_dir,
        start_concurrency=args.start_concurrency,
        round_timeout_s=args.round_timeout,
    )
    return Args(config, sizes, args.plot.resolve() if args.plot else None)


def scaling(args: Args) -> dict[str, Any]:
    """Run every size, then print the table and draw the figure."""
    result = asyncio.run(run_scaling(args.config, args.sizes))
    table = markdown_table(result["scaling"])
    print(table, file=sys.stderr, end="")
    if args.plot is not None:
        from bench.plot import plot_scaling

        plot_scaling(result, args.plot)
        args.plot.with_suffix(".md").write_text(table)
        result["plot"] = str(args.plot)
        result["table"] = str(args.plot.with_suffix(".md"))
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    code = 0
    try:
        result = scaling(args) if args.sizes else asyncio.run(run_bench(args.config))
        if result.get("errors"):
            code = 1
        sys.stdout.write(json.dumps(result) + "\n")
    except BaseException as exc:
        print(f"[bench] failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 130 if isinstance(exc, KeyboardInterrupt) else 2
    return code


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)  # the Temporal SDK's native runtime can crash at interpreter exit
