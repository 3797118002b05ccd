"""
The rate of averaged SGD
========================

A figure of the lecture "GAN and WGAN Training", drawn from measurements by ``otgan figure asgd-rate --quick``
(the full version: ``otgan figure asgd-rate --out docs/figures``, on the page
:doc:`/docs/semidiscrete`).

Averaged SGD on the semi-discrete dual: the measured gap H(psi*) - H(psi_k) against k,
beside the O(log k / sqrt(k)) bound.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["asgd-rate"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("asgd-rate", out, quick=True)  # asgd-rate.png and asgd-rate.json in out
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
