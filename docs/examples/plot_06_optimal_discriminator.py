"""
The optimal discriminator
=========================

A figure of the lecture "GAN and WGAN Training", drawn from measurements by ``otgan figure optimal-discriminator --quick``
(the full version: ``otgan figure optimal-discriminator --out docs/figures``, on the page
:doc:`/docs/critics`).

A discriminator trained on samples of two known 1D densities against the optimal
D* = q / (q + p).
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["optimal-discriminator"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("optimal-discriminator", out, quick=True)  # optimal-discriminator.png and optimal-discriminator.json in out
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
