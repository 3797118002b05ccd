"""The course's own settings, as presets of the methods they use (``--preset lab``, ...).

* ``lab``: the lab "Generative modeling with optimal transport", exercise 1 (the ring): two MLPs
  with hidden layers 128 and 64 and ReLU, latent dimension 2 (question 4), Adam with betas
  (0.5, 0.9) as its skeleton fixes them, one generator update every 5 critic updates; the blanks
  it leaves (learning rates, clipping value, batch size) filled with the WGAN and WGAN-GP papers'
  values, as in bench/lab_reference.py.
* ``notebook``: the GAN notebook on MNIST: the DCGAN-style pair (exactly its networks,
  nets/conv.py), batch 1024, Adam 2e-4 with betas (0.5, 0.999), latent dimension 128, one
  discriminator update per generator update, binary cross-entropy with the non-saturating
  generator loss (method gan-ns).
* ``blog``: the post "WGAN vs WGAN-GP" on MNIST: RMSprop, batch 64, 5 critic updates per
  generator update, latent dimension 128; weight clipping at 0.01 with lr 1e-5 and a BatchNorm
  critic, the gradient penalty (lambda 10) with lr 1e-4 and a LayerNorm critic.  otgan's
  DCGAN-style critic carries the normalization; the post's critic has three 3x3 convolutions
  (32, 64, 128 channels) where otgan's has two 4x4 convolutions of 64.

No preset uses an EMA of the generator: none of the three does.
"""

LAB = dict(optimizer="adam", beta1=0.5, beta2=0.9, batch_size=64, n_critic=5,
           g_hidden=(128, 64), d_hidden=(128, 64), activation="relu", latent_dim=2, ema=0.0)
LAB_CLIP = dict(LAB, lr_g=5e-5, lr_d=5e-5, clip=0.01)
LAB_PENALTY = dict(LAB, lr_g=1e-4, lr_d=1e-4, gp_lambda=10.0)

NOTEBOOK = dict(optimizer="adam", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999, batch_size=1024,
                n_critic=1, latent_dim=128, arch="dcgan", ema=0.0)

BLOG = dict(optimizer="rmsprop", batch_size=64, n_critic=5, latent_dim=128, arch="dcgan", ema=0.0)
BLOG_CLIP = dict(BLOG, lr_g=1e-5, lr_d=1e-5, clip=0.01, d_norm="batchnorm")
BLOG_PENALTY = dict(BLOG, lr_g=1e-4, lr_d=1e-4, gp_lambda=10.0, d_norm="layernorm")
