"""``torchlike.optim.Optax``: any Optax transformation behind PyTorch's optimizer interface."""

from __future__ import annotations

from typing import Any

import jax
import optax

from .optimizer import Optimizer, _array, _scalar_dtype


class Optax(Optimizer):
    """Drive torchlike parameters with an ``optax.GradientTransformation``, PyTorch-style.

    ``opt = Optax(model.parameters(), optax.lion(1e-4))``; then ``loss.backward()``,
    ``opt.step()``, ``opt.zero_grad()`` as with any PyTorch optimizer, eagerly or inside
    ``torchlike.compile``. Parameter groups may carry their own ``transformation``.

    Each group's ``lr`` (default 1.0) multiplies the transformation's updates, so PyTorch's
    learning-rate schedulers scale them without recompiling (``lr`` 1.0 leaves them exact).

    Where this differs from using Optax directly: as PyTorch's optimizers keep state per
    parameter, each parameter is its own Optax tree, and a parameter whose ``.grad`` is None is
    left untouched with its state unchanged. A transformation that looks across parameters
    (``optax.clip_by_global_norm``) therefore sees one parameter at a time; clip with
    ``torchlike.nn.utils.clip_grad_norm_`` before ``step()`` instead. ``state_dict()`` names
    each parameter's state leaves by their path in the Optax state (``'0.mu'``), plus ``step``.

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        transformation: the Optax transformation (its updates are added to the parameters).
        lr: a factor on the updates (default 1.0), for schedulers.
    """

    _state_has_step = True
    _numbers = ("lr",)

    def __init__(
        self, params, transformation: optax.GradientTransformation, lr: float = 1.0
    ) -> None:
        if not isinstance(transformation, optax.GradientTransformation):
            raise TypeError(
                "transformation must be an optax.GradientTransformation, but got "
                f"{type(transformation).__name__}"
            )
        super().__init__(params, {"lr": lr, "transformation": transformation})

    @staticmethod
    def _chain(learning_rate, *, transformation) -> optax.GradientTransformation:
        return optax.chain(transformation, optax.scale(learning_rate))

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        return {"transformation": group["transformation"]}

    def _exported(self, i: int) -> dict[str, jax.Array]:
        state = self._state(i)
        if int(state.count) == 0:
            return {}
        leaves = jax.tree_util.tree_leaves_with_path(state.inner_state[0])
        out = {"step": state.count.astype(_scalar_dtype())}
        out.update({_name(path): leaf for path, leaf in leaves})
        return out

    def _import(self, state, saved: dict[str, Any]):
        if not saved:
            return state
        inner = state.inner_state
        paths, treedef = jax.tree_util.tree_flatten_with_path(inner[0])
        leaves = [
            _array(saved[_name(path)]).reshape(leaf.shape).astype(leaf.dtype)
            if _name(path) in saved
            else leaf
            for path, leaf in paths
        ]
        count = _array(saved["step"]).astype(state.count.dtype)
        inner = (jax.tree_util.tree_unflatten(treedef, leaves), *inner[1:])
        return state._replace(count=count, inner_state=inner)


def _name(path) -> str:
    """A state leaf's name: its path in the Optax state, as ``0.mu``."""
    parts = []
    for key in path:
        part = getattr(key, "name", None) or getattr(key, "key", None)
        parts.append(str(part if part is not None else key.idx))
    return ".".join(parts)
