"""
Training on the lab's ring, and its critic
==========================================

The lab "Generative modeling with optimal transport", exercise 1: a WGAN with the gradient
penalty (``wgan-gp``, otgan's default preset) on the ring, 300 generator updates here (the
lab's own runs and ``make demo`` take 1500 and more: :doc:`/docs/course/lab`). The run folder
holds ``metrics.jsonl``, ``summary.json``, ``samples.png``, ``report.html`` and the critic's
snapshots, read back below.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import otgan
from otgan.viz.plots import plot_critic, scatter_samples
from otgan.viz.snapshots import load_snapshots

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-")) / "ring"
run = otgan.train(data="ring", method="wgan-gp", steps=300, eval_every=150, eval_n=1000,
                  seed=0, out=out,
                  threads=1, progress=False)
last = run.history[-1]
print(f"exact W1 {last['w1']:.4f}, the critic's estimate {last['w_estimate']:.4f}")

# %%
# Samples against held-out points, and the critic's level sets with its gradient arrows at
# each evaluation (``otgan report`` draws the same from the run folder):

real = run.dataset.test[:1000].numpy()
fake = run.sample(1000, seed=1)
snaps = load_snapshots(out)
fig, axes = plt.subplots(1, 1 + len(snaps), figsize=(4 * (1 + len(snaps)), 4))
scatter_samples(axes[0], real, fake, title="samples (orange) and data")
for ax, snap in zip(axes[1:], snaps):
    plot_critic(ax, snap, real=real, title=f"critic, step {int(np.asarray(snap['step']))}",
                colorbar=False)
fig.tight_layout()
plt.show()

# %%
# The curves of the run: the critic's gap on training batches and, at evaluations, exact W1
# beside the critic's estimate.

steps = [r["step"] for r in run.history if "w1" in r]
plt.figure(figsize=(5, 3.5))
plt.plot(steps, [r["w1"] for r in run.history if "w1" in r], "o-", label="exact W1")
plt.plot(steps, [r["w_estimate"] for r in run.history if "w1" in r], "s--",
         label="critic's estimate")
plt.xlabel("generator updates")
plt.legend()
plt.tight_layout()
plt.show()
