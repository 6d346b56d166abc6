"""``Trainer(precision='bf16-mixed')``: the step computes in bfloat16 (autocast), the weights,
their gradients and the optimizer stay float32, and a small classifier reaches the float32
run's test accuracy within one point."""

from __future__ import annotations

import numpy as np

import torchlike as tl
import torchlike.lightning as tll

RNG = np.random.default_rng(0)
CENTRES = RNG.standard_normal((4, 12)).astype(np.float32)


def blobs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four overlapping Gaussian classes in 12 dimensions (the float32 model does not reach
    100%, so a precision loss would show in the accuracy)."""
    y = RNG.integers(0, 4, n)
    return (CENTRES[y] + 0.9 * RNG.standard_normal((n, 12))).astype(np.float32), y


X_TRAIN, Y_TRAIN = blobs(640)
X_TEST, Y_TEST = blobs(400)


class Classifier(tll.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = tl.nn.Sequential(
            tl.nn.Linear(12, 64), tl.nn.ReLU(), tl.nn.Linear(64, 64), tl.nn.ReLU(),
            tl.nn.Linear(64, 4),
        )  # fmt: skip
        self.seen: list[tuple] = []  # dtypes met inside training_step (recorded when traced)

    def training_step(self, batch, batch_idx):
        x, y = batch
        hidden = self.net[1](self.net[0](x))
        logits = self.net[4](self.net[3](self.net[2](hidden)))
        loss = tl.nn.functional.cross_entropy(logits, y)
        self.seen.append((hidden.dtype, logits.dtype, loss.dtype, self.net[0].weight.dtype))
        return loss

    def configure_optimizers(self):
        return tl.optim.Adam(self.parameters(), lr=5e-3)


def train(precision: str) -> tuple[Classifier, float]:
    tll.seed_everything(0, verbose=False)
    model = Classifier()
    data = tl.utils.data.TensorDataset(tl.from_numpy(X_TRAIN), tl.from_numpy(Y_TRAIN))
    loader = tl.utils.data.DataLoader(data, batch_size=32, shuffle=True)
    trainer = tll.Trainer(
        max_epochs=2,
        precision=precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
    )
    trainer.fit(model, loader)
    with tl.no_grad():
        predicted = model.net(tl.from_numpy(X_TEST)).argmax(1).numpy()
    return model, float((predicted == Y_TEST).mean())


def test_bf16_mixed_computes_in_bfloat16_keeps_float32_weights_and_accuracy():
    full, full_accuracy = train("32-true")
    mixed, mixed_accuracy = train("bf16-mixed")
    assert set(full.seen) == {(tl.float32,) * 4}
    # autocast: linear layers in bfloat16, cross_entropy in float32, the weights float32
    assert set(mixed.seen) == {(tl.bfloat16, tl.bfloat16, tl.float32, tl.float32)}
    for p in mixed.parameters():
        assert p.dtype == tl.float32 and p.grad.dtype == tl.float32
    state = mixed.trainer.optimizers[0].state_dict()["state"]
    assert {v.dtype for s in state.values() for v in s.values() if v.dim()} == {tl.float32}
    assert 0.6 < full_accuracy < 0.99, full_accuracy  # a task where precision could show
    assert abs(mixed_accuracy - full_accuracy) <= 0.01, (mixed_accuracy, full_accuracy)
    # the runs really differ (bfloat16 rounding), so the comparison is not of one run twice
    assert any(
        not np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(full.parameters(), mixed.parameters())
    )
