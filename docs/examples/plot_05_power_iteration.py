"""
Spectral normalization's power iteration
========================================

A figure of the lecture "Deep Generative Models: Wasserstein GAN", drawn from measurements by ``otgan figure power-iteration --quick``
(the full version: ``otgan figure power-iteration --out docs/figures``, on the page
:doc:`/docs/critics`).

The estimate of each critic layer's largest singular value, iteration by iteration,
against the SVD, for the toy MLP critic and the DCGAN critic.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["power-iteration"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("power-iteration", out, quick=True)  # power-iteration.png and power-iteration.json in out
print(sorted(k for k in numbers if k not in ("figure", "quick")))

# %%
# The picture ``otgan figure`` wrote:

for png in [o for o in figure.outputs if o.endswith(".png")]:
    image = mpimg.imread(out / png)
    fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
    ax.imshow(image)
    ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
plt.show()
