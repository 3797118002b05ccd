"""
Is the gradient of the c-transform of norm 1?
=============================================

A figure of the lecture "GAN and WGAN Training", drawn from measurements by ``otgan figure unit-gradient --quick``
(the full version: ``otgan figure unit-gradient --out docs/figures``, on the page
:doc:`/docs/semidiscrete`).

||grad psi^c|| over the source: 1 almost everywhere for the W1 cost (what the gradient
penalty enforces), 2 ||x - T(x)|| for the W2 cost.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["unit-gradient"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("unit-gradient", out, quick=True)  # unit-gradient.png and unit-gradient.json in out
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
