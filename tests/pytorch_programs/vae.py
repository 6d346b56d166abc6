# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""A variational autoencoder, in the style of pytorch/examples/vae: reparameterisation with
randn_like, F.binary_cross_entropy(reduction='sum') plus the KL term, a DataLoader over a
TensorDataset of synthetic binary-ish images, Adam, train/eval and no_grad sampling."""

import argparse
import os

import numpy as np
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="VAE Example")
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--side", type=int, default=8)
parser.add_argument("--no-cuda", action="store_true", default=False)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--log-interval", type=int, default=10)
parser.add_argument("--init", default=None)
args = parser.parse_args()
args.cuda = not args.no_cuda and torch.cuda.is_available()

torch.manual_seed(args.seed)
device = torch.device("cuda" if args.cuda else "cpu")
kwargs = {"num_workers": 1, "pin_memory": True} if args.cuda else {}

# Synthetic "images": blurred bars in [0, 1], from numpy so both libraries see the same data.
rng = np.random.default_rng(0)
D = args.side * args.side
images = np.zeros((256, args.side, args.side), np.float32)
for k in range(len(images)):
    r = rng.integers(0, args.side)
    images[k, r, :] = 1.0
    images[k, :, (r * 3) % args.side] = 0.8
images = np.clip(images + 0.1 * rng.random(images.shape, dtype=np.float32), 0, 1)
data = torch.from_numpy(images).unsqueeze(1)
train_loader = DataLoader(
    TensorDataset(data[:192], torch.zeros(192)), batch_size=args.batch_size, shuffle=True, **kwargs
)
test_loader = DataLoader(
    TensorDataset(data[192:], torch.zeros(64)), batch_size=args.batch_size, shuffle=False, **kwargs
)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(D, 48)
        self.fc21 = nn.Linear(48, 4)
        self.fc22 = nn.Linear(48, 4)
        self.fc3 = nn.Linear(4, 48)
        self.fc4 = nn.Linear(48, D)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, D))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


model = VAE().to(device)
if args.init is not None:
    if os.path.exists(args.init):
        model.load_state_dict(torch.load(args.init))
    else:
        torch.save(model.state_dict(), args.init)
optimizer = optim.Adam(model.parameters(), lr=1e-2)


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, D), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print("train_loss {:.4f}".format(train_loss / len(train_loader.dataset)))


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat(
                    [data[:n], recon_batch.view(args.batch_size, 1, args.side, args.side)[:n]]
                )
    test_loss /= len(test_loader.dataset)
    print("test_loss {:.4f}".format(test_loss))
    return comparison


if __name__ == "__main__":
    for epoch in range(1, args.epochs + 1):
        train(epoch)
        comparison = test(epoch)
        with torch.no_grad():
            sample = torch.randn(64, 4).to(device)
            sample = model.decode(sample).cpu()
    print("sample_shape", *sample.view(64, 1, args.side, args.side).shape)
    print("comparison_shape", *comparison.shape)
