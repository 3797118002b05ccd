"""How long a training takes to stop after a signal: the time from SIGTERM (or SIGINT, or the
output closed) to the process's exit, one second into training.

    python bench/signal_exit.py                      # SIGTERM, ring, 5 repeats
    python bench/signal_exit.py --signal SIGINT --repeats 10 --after 3

Each repeat starts ``otgan train --data ring`` (default settings, no progress bar), waits for
its first line on stderr (the line that says training starts, printed when the run is built),
then ``--after`` seconds more, sends the signal and times the exit.  Printed: each time, their
median and range, and the exit codes (143 SIGTERM, 130 SIGINT).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def once(sig: int, after: float, extra: list[str]) -> tuple[float, int, str]:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "run"
        p = subprocess.Popen([sys.executable, "-m", "otgan", "train", "--data", "ring",
                              "--steps", "1000000", "--no-progress", "--out", str(out), *extra],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                             env=dict(os.environ, PYTHONUNBUFFERED="1"))
        first = p.stderr.readline()
        if not first.startswith("otgan: training"):
            p.kill()
            raise SystemExit(f"unexpected first line: {first}{p.stderr.read()}")
        time.sleep(after)
        t0 = time.perf_counter()
        p.send_signal(sig)
        rest = p.stderr.read()
        p.wait()
        return time.perf_counter() - t0, p.returncode, rest.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signal", default="SIGTERM", choices=["SIGTERM", "SIGINT"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--after", type=float, default=1.0,
                    help="seconds after training starts [default: 1]")
    ap.add_argument("extra", nargs="*", help="more `otgan train` options (after --)")
    args = ap.parse_args()
    sig = signal.Signals[args.signal]
    times = []
    for i in range(args.repeats):
        t, code, last = once(sig, args.after, args.extra)
        times.append(t)
        print(f"{i + 1}: {t:.3f} s, exit {code}: {last[:100]}", flush=True)
    print(f"{args.signal} to exit, {args.after:g} s into training, {args.repeats} repeats: "
          f"median {statistics.median(times):.2f} s, range {min(times):.2f}-{max(times):.2f} s")


if __name__ == "__main__":
    main()
