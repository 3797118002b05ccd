"""
JS beside W
===========

A figure of the lecture "GAN and WGAN Training" and the lab, drawn from measurements by ``otgan figure js-vs-w --quick``
(the full version: ``otgan figure js-vs-w --out docs/figures``, on the page
:doc:`/docs/critics`).

A GAN discriminator's Jensen-Shannon estimate saturates at log 2 as soon as the supports are
disjoint, while a Wasserstein critic's estimate grows with the distance: two parallel
segments {0} x [0, 1] and {theta} x [0, 1], and the lab's ring translated by t.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from otgan.figures import FIGURES, make_figure

figure = FIGURES["js-vs-w"]
print(figure.summary)

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
numbers = make_figure("js-vs-w", out, quick=True)  # js-vs-w.png and js-vs-w.json in out
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
