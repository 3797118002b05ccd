"""
Weight clipping against the gradient penalty
============================================

A figure of the lecture "Deep Generative Models: Wasserstein GAN", drawn from measurements by ``otgan figure clip-vs-gp --quick``
(the full version: ``otgan figure clip-vs-gp --out docs/figures``, on the page
:doc:`/docs/critics`).

The WGAN-GP paper's figure 1: critics trained alone against data + noise. The clipped
critic's value surface ignores the data's structure, the penalized one follows it; the
clipped critic's gradients vanish or explode through its layers.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["clip-vs-gp"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("clip-vs-gp", out, quick=True)  # clip-vs-gp.png and clip-vs-gp.json in out
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
