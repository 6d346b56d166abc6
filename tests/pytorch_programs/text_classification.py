# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""Text classification on variable-length token sequences, in the style of PyTorch's
text-classification tutorials: a map-style Dataset, a DataLoader whose collate_fn pads with
pad_sequence (and also builds flat tokens + offsets for an EmbeddingBag), nn.Embedding with
padding_idx=0 feeding a GRU through pack_padded_sequence(enforce_sorted=False), and Adam."""

import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--init", default=None, help="initial state_dict: saved if absent, else loaded")
args = parser.parse_args()

torch.manual_seed(0)
VOCAB = 20  # token 0 is padding; 1..9 are "negative" words, 10..19 "positive" ones


class ToyReviews(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.samples = []
        for _ in range(n):
            length = int(rng.integers(3, 13))
            label = int(rng.integers(0, 2))
            lo, hi = (10, 20) if label else (1, 10)
            tokens = rng.integers(1, VOCAB, size=length)
            cue = rng.random(length) < 0.5  # half the words carry the sentiment
            tokens[cue] = rng.integers(lo, hi, size=int(cue.sum()))
            self.samples.append((tokens.astype(np.int64), label))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        tokens, label = self.samples[idx]
        return torch.from_numpy(tokens), label


def collate_batch(batch):
    texts = [t for t, _ in batch]
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.int64)
    labels = torch.tensor([label for _, label in batch], dtype=torch.int64)
    padded = pad_sequence(texts, batch_first=True, padding_value=0)
    offsets = torch.tensor([0] + [len(t) for t in texts[:-1]]).cumsum(dim=0)
    flat = torch.cat(texts)
    return padded, lengths, flat, offsets, labels


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden, num_class):
        super(TextClassifier, self).__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.bag = nn.EmbeddingBag(vocab_size, embed_dim, mode="mean")
        self.fc = nn.Linear(4 * hidden + 2 * embed_dim, num_class)

    def forward(self, padded, lengths, flat, offsets):
        emb = self.embedding(padded)
        packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
        packed_out, h_n = self.rnn(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        final = torch.cat([h_n[0], h_n[1]], dim=1)  # forward and backward final states
        steps = torch.arange(out.size(1)).unsqueeze(0)
        mask = (steps < out_lengths.unsqueeze(1)).unsqueeze(-1).float()
        mean_out = (out * mask).sum(1) / out_lengths.unsqueeze(1).float()
        mean_emb = emb.sum(1) / lengths.unsqueeze(1).float()  # padding rows are zero
        bag = self.bag(flat, offsets)
        return self.fc(torch.cat([final, mean_out, bag, mean_emb], dim=1))


train_loader = DataLoader(
    ToyReviews(128, 1), batch_size=args.batch_size, shuffle=False, collate_fn=collate_batch
)
test_loader = DataLoader(ToyReviews(64, 2), batch_size=32, shuffle=False, collate_fn=collate_batch)

model = TextClassifier(VOCAB, 8, 12, 2)
if args.init is not None:
    if os.path.exists(args.init):
        model.load_state_dict(torch.load(args.init))
    else:
        torch.save(model.state_dict(), args.init)
assert model.embedding.weight[0].abs().sum().item() == 0.0
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
criterion = nn.CrossEntropyLoss()


def train():
    model.train()
    total_loss, total_count = 0.0, 0
    for padded, lengths, flat, offsets, labels in train_loader:
        optimizer.zero_grad()
        logits = model(padded, lengths, flat, offsets)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * labels.size(0)
        total_count += labels.size(0)
    return total_loss / total_count


def evaluate(loader):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for padded, lengths, flat, offsets, labels in loader:
            logits = model(padded, lengths, flat, offsets)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
            count += labels.size(0)
    return total_loss / count, correct / count


for epoch in range(1, args.epochs + 1):
    train_loss = train()
    test_loss, accuracy = evaluate(test_loader)
    print("train_loss {:.6f}".format(train_loss))
    print("test_loss {:.6f}".format(test_loss))
    print("accuracy {:.6f}".format(accuracy))

# the padding row never receives a gradient, so Adam leaves it at zero
print("padding_row_norm {:.6f}".format(model.embedding.weight[0].norm().item()))
