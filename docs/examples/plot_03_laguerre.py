"""
From Voronoi to Laguerre cells
==============================

A figure of the lecture "GAN and WGAN Training", drawn from measurements by ``otgan figure laguerre --quick``
(the full version: ``otgan figure laguerre --out docs/figures``, on the page
:doc:`/docs/semidiscrete`).

mu uniform on the unit square, nu uniform on 10 points: with psi = 0 the cells are the
Voronoi cells, whose masses are uneven; the solved dual gives the Laguerre cells of equal
mass, for the W1 and the W2 cost.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["laguerre"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("laguerre", out, quick=True)  # laguerre.png and laguerre.json in out
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
