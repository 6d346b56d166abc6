# ruff: noqa: UP004, UP008, UP031, UP032, B007  (written the way PyTorch's examples are)
"""A tiny pre-norm transformer for next-token prediction on padded variable-length sequences: an
nn.MultiheadAttention block (batch_first=True, a causal attn_mask and a key_padding_mask) and a
block that calls F.scaled_dot_product_attention(is_causal=True) itself, nn.LayerNorm and
residuals, trained with AdamW under OneCycleLR; the loss ignores the padded targets."""

import argparse
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=40)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--seq-len", type=int, default=12)
parser.add_argument("--d-model", type=int, default=32)
parser.add_argument("--nhead", type=int, default=4)
parser.add_argument("--init", default=None, help="initial state_dict: saved if absent, else loaded")
args = parser.parse_args()

torch.manual_seed(0)
VOCAB, PAD = 12, 0


def get_batch(step):
    """Counting sequences ``a, a+k, a+2k, ...`` (mod 11, shifted past PAD) of random lengths,
    right-padded; the targets are the inputs shifted by one, with -100 on padding."""
    rng = np.random.default_rng(step)
    n, t = args.batch_size, args.seq_len + 1
    start = rng.integers(0, 11, size=(n, 1))
    stride = rng.integers(1, 3, size=(n, 1))
    seq = (start + stride * np.arange(t)) % 11 + 1
    lengths = rng.integers(t // 2, t + 1, size=n)
    seq[np.arange(t)[None, :] >= lengths[:, None]] = PAD
    seq = torch.from_numpy(seq.astype(np.int64))
    inputs, targets = seq[:, :-1], seq[:, 1:].clone()
    targets[targets == PAD] = -100
    return inputs, targets


class MHABlock(nn.Module):
    def __init__(self, d_model, nhead):
        super(MHABlock, self).__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, nhead, dropout=0.0, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model)
        )

    def forward(self, x, attn_mask, key_padding_mask):
        h = self.ln1(x)
        a, weights = self.attn(
            h, h, h, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=True
        )
        x = x + a
        return x + self.mlp(self.ln2(x)), weights


class SDPABlock(nn.Module):
    def __init__(self, d_model, nhead):
        super(SDPABlock, self).__init__()
        self.nhead = nhead
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model, elementwise_affine=True, eps=1e-6)
        self.ff = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.ReLU())
        self.ff_out = nn.Linear(2 * d_model, d_model)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q = q.view(B, T, self.nhead, C // self.nhead).transpose(1, 2)
        k = k.view(B, T, self.nhead, C // self.nhead).transpose(1, 2)
        v = v.view(B, T, self.nhead, C // self.nhead).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.ff_out(self.ff(self.ln2(x)))


class TinyTransformer(nn.Module):
    def __init__(self, vocab, d_model, nhead, max_len):
        super(TinyTransformer, self).__init__()
        self.tok = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d_model))
        nn.init.normal_(self.pos, std=0.02)
        self.block1 = MHABlock(d_model, nhead)
        self.block2 = SDPABlock(d_model, nhead)
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) * math.sqrt(self.tok.embedding_dim) + self.pos[:, :T]
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        x, weights = self.block1(x, causal, idx == PAD)
        x = self.block2(x)
        return self.head(self.ln_f(x)), weights


model = TinyTransformer(VOCAB, args.d_model, args.nhead, args.seq_len)
if args.init is not None:
    if os.path.exists(args.init):
        model.load_state_dict(torch.load(args.init))
    else:
        torch.save(model.state_dict(), args.init)

decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "pos" not in n]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or "pos" in n]
optimizer = torch.optim.AdamW(
    [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
    lr=3e-3,
    betas=(0.9, 0.98),
)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=1e-2, total_steps=args.steps, pct_start=0.25
)

for step in range(1, args.steps + 1):
    model.train()
    inputs, targets = get_batch(step)
    logits, _ = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-100)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    if step % 10 == 0:
        print("loss {:.6f}".format(loss.item()))
        print("lr {:.8f}".format(scheduler.get_last_lr()[0]))

model.eval()
with torch.no_grad():
    inputs, targets = get_batch(10_000)
    logits, weights = model(inputs)
    valid = targets != -100
    accuracy = (logits.argmax(-1)[valid] == targets[valid]).float().mean().item()
    eval_loss = F.cross_entropy(logits.transpose(1, 2), targets).item()
print("eval_loss {:.6f}".format(eval_loss))
print("accuracy {:.6f}".format(accuracy))
# causal: no weight above the diagonal; padding: none on padded keys
print("weights_future {:.6f}".format(weights.triu(diagonal=1).abs().sum().item()))
print("weights_rowsum {:.6f}".format(weights.sum(-1).mean().item()))
