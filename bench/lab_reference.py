"""The lab's WGAN training loop, written as its skeleton is (the reference for benchmarks).

Lab 3, exercise 1: two MLPs with hidden layers 128 and 64 and ReLU, latent dimension 2, Adam with
betas (0.5, 0.9) as the skeleton fixes them, a DataLoader over the tensor with shuffling, one
generator update every ``n_critic`` critic updates (``if i % n_critic == 0``), and the critic's
weights clipped after every critic update.  The blanks are filled with the WGAN paper's values:
lr 5e-5, clip 0.01, batch 64, n_critic 5.

``lab_steps`` yields after every generator update so a benchmark can evaluate the generator
between updates without counting that time.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class Generator(nn.Module):
    def __init__(self, noise_dim=2):
        super(Generator, self).__init__()
        self.noise_dim = noise_dim
        self.model = nn.Sequential(
            nn.Linear(noise_dim, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 2),
        )

    def forward(self, z):
        return self.model(z)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(
            nn.Linear(2, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 1),
        )

    def forward(self, x):
        return self.model(x)


def lab_steps(X_train, lr_G=5e-5, lr_D=5e-5, clip_value=0.01, n_critic=5, batch_size=64,
              noise_dim=2, seed=0):
    """Yield (generator, critic updates so far) after each generator update, forever."""
    torch.manual_seed(seed)
    generator = Generator(noise_dim)
    discriminator = Discriminator()
    optimizer_G = torch.optim.Adam(generator.parameters(), lr=lr_G, betas=(0.5, 0.9))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=lr_D, betas=(0.5, 0.9))
    dataloader = DataLoader(X_train, batch_size, shuffle=True)  # data loader
    critic_updates = 0
    while True:  # for epoch in range(n_epochs):
        for i, x in enumerate(dataloader):
            x = x.type(torch.float32)
            # Train Discriminator
            optimizer_D.zero_grad()
            z = torch.randn(x.shape[0], noise_dim)
            fake_x = generator(z).detach()
            loss_D = -torch.mean(discriminator(x)) + torch.mean(discriminator(fake_x))
            loss_D.backward()
            optimizer_D.step()
            critic_updates += 1
            # Clip weights of discriminator
            for p in discriminator.parameters():
                p.data.clamp_(-clip_value, clip_value)
            # Train the generator every n_critic iterations
            if i % n_critic == 0:
                optimizer_G.zero_grad()
                fake_x = generator(torch.randn(batch_size, noise_dim))
                loss_G = -torch.mean(discriminator(fake_x))
                loss_G.backward()
                optimizer_G.step()
                yield generator, critic_updates
