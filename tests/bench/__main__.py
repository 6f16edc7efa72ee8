"""``python -m tests.bench`` (or ``./dev bench``): run the benchmarks, print the table, write JSON.

Options: ``--scale tiny`` for a quick pass, ``--only 1,3`` for some figures, ``--out PATH``
for the JSON (default ``.bench/results.json``), ``--markdown`` to print the table as Markdown.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from tests.bench import suite
from tests.bench.harness import SCALES, markdown, table, write_json
from tests.bench.measure import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--only", default="", help="comma-separated figure numbers, e.g. 1,5")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "results.json")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    quiet()
    started = time.perf_counter()
    scale = SCALES[args.scale]
    figures = suite.run_all(scale, only, progress=print)
    seconds = time.perf_counter() - started
    write_json(args.out, scale, figures, seconds)
    from rich.console import Console

    Console().print(table(figures))
    if args.markdown:
        print(markdown(figures))
    print(f"{len(figures)} figures in {seconds:.0f} s; JSON in {args.out}")


def quiet() -> None:
    """Keep the terminal for the table: this process logs into ``.bench/daemon.log`` as the
    daemon does. The daemon logs at its configured level (info, the default), as in
    production: what logging costs stays in the figures."""
    logging.getLogger().setLevel(logging.WARNING)
    suite.quiet_logs()


if __name__ == "__main__":
    main()
