"""
A sweep's sensitivity to its hyperparameters
============================================

``otgan sweep`` trains a grid of hyperparameters times seeds as batched ensembles and reads how
each metric moves with them (:doc:`/docs/sweeps`). Here a 2 x 2 grid of ``wgan-gp``'s penalty
weight and critic learning rate on the ring, one seed each, 150 updates: tiny, to show the
outputs, not to choose values.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.sweep.runner import run_sweep

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-")) / "sweep"
base = dict(data="ring", method="wgan-gp", n_train=2000, n_test=1000, metrics="w1",
            threads=1)
result = run_sweep(base, {"gp_lambda": [0.1, 10.0], "lr_d": [1e-4, 1e-3]}, seeds=1, steps=150,
                   workers=1, eval_n=1000, out=out)
print((out / "table.md").read_text())

# %%
# ``heatmaps.png``: each metric over the grid (the sweep's page ``sweep.html`` shows it with the
# table and the samples).

for name in ("heatmaps.png", "samples.png"):
    image = mpimg.imread(out / name)
    fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
    ax.imshow(image)
    ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
plt.show()
