"""Training seconds of one batched ensemble (one worker): wgan-clip's paper preset on the ring,
the 4 x 4 grid of bench_sweep.py, 16 members x 400 generator updates, two repeats.

To compare two versions of otgan on the same machine, run it alternately against each
checkout (the machine's speed drifts between minutes, so one run of each says little):

    PYTHONPATH=OLD/src python bench/bench_ensemble.py old
    PYTHONPATH=NEW/src python bench/bench_ensemble.py new
"""

import sys

import torch

from otgan.sweep.runner import run_sweep

GRID = {"clip": [0.005, 0.01, 0.02, 0.05], "lr": [2e-5, 5e-5, 1e-4, 2e-4]}
BASE = {"data": "ring", "method": "wgan-clip", "preset": "paper", "seed": 0}


def main() -> None:
    torch.set_num_threads(1)
    label = sys.argv[1] if len(sys.argv) > 1 else "this checkout"
    seconds = []
    for _ in range(2):
        res = run_sweep(BASE, GRID, 1, 400, workers=1)
        seconds.append(max(m["train_seconds"] for m in res["members"]))
    print(f"{label}: 1 worker, 16 members x 400 updates, training s: "
          + " ".join(f"{s:.2f}" for s in seconds), flush=True)


if __name__ == "__main__":
    main()
