"""
Mode collapse: Adam against SGD
===============================

A figure of the lecture "GAN and WGAN Training", drawn from measurements by ``otgan figure mode-collapse --quick``
(the full version: ``otgan figure mode-collapse --out docs/figures``, on the page
:doc:`/docs/images`).

The same GAN on scikit-learn's 8 x 8 digits trained with Adam and with SGD: the digit
classes its samples cover and their grids.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["mode-collapse"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("mode-collapse", out, quick=True)  # mode-collapse.png and mode-collapse.json in out
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
