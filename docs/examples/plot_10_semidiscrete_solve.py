"""
A semi-discrete solve and its Laguerre cells
============================================

The semi-discrete problem of the lecture "GAN and WGAN Training": mu uniform on the unit square,
nu uniform on 20 points, solved by averaged SGD on the dual, as ``otgan solve uniform
targets.npy`` does (:doc:`/docs/semidiscrete`). The solution's Laguerre cells each hold the
mass of their point.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np

import otgan

out = Path(tempfile.mkdtemp(prefix="otgan-gallery-"))
targets = np.random.default_rng(0).uniform(0.1, 0.9, size=(20, 2)).astype(np.float32)
np.save(out / "targets.npy", targets)

sol = otgan.solve("uniform", str(out / "targets.npy"), out=out / "sol", cost="sqeuclidean",
                  steps=1500, seed=0, progress=False)
print(f"dual value {sol['value']:.5f} ({sol['meaning']}), "
      f"max |mu(L_j) - nu_j| = {sol['max_mass_error']:.4f}")

# %%
# ``laguerre.png``, written by the solve:

image = mpimg.imread(out / "sol" / "laguerre.png")
fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
ax.imshow(image)
ax.set_axis_off()
fig.subplots_adjust(0, 0, 1, 1)
plt.show()
