"""
A mode benchmark's sample grid
==============================

``otgan benchmark mixtures`` runs the field's mode-collapse protocol on the 2D ring of 8
Gaussians and the grid of 25 (2500 samples, modes covered, high-quality samples, KL to uniform;
:doc:`/docs/benchmarks`). Here two seeds of 200 updates of ``wgan-gp`` on the ring of 8: a sample
grid, not a measurement (the published rows take 10 seeds of minutes each).
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.benchmark import run_mixtures

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-")) / "bench"
result = run_mixtures(["wgan-gp"], sets=("8gaussians",), seeds=2, steps=200, seconds=None,
                      workers=1, out=out, refine={}, extra={"threads": 1})
print((out / "table.md").read_text())

# %%
# ``samples.png``: each seed's samples over the modes.

image = mpimg.imread(out / "samples.png")
fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
ax.imshow(image)
ax.set_axis_off()
fig.subplots_adjust(0, 0, 1, 1)
plt.show()
