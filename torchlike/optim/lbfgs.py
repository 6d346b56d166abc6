"""``torch.optim.LBFGS``: limited-memory BFGS with an optional strong-Wolfe line search.

L-BFGS calls the closure several times per ``step`` and decides, from the values it returns,
how far to go and when to stop: that control flow is Python reading numbers, so this optimizer
runs eagerly (not inside ``torchlike.compile``), on the parameters flattened into one vector.
The rule, its stopping tests and its line search are PyTorch's, step for step, so that it
follows PyTorch's trajectory; Optax's ``lbfgs`` scales and searches differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax

from .. import _trace_state
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import bump_version
from .optimizer import Optimizer, _array, _number, check_arguments


class LBFGS(Optimizer):
    """L-BFGS, PyTorch's ``torch.optim.LBFGS`` (one parameter group; ``step`` needs a closure).

    Each ``step(closure)`` runs up to ``max_iter`` iterations: the direction is the two-loop
    recursion over the last ``history_size`` curvature pairs (scaled by ``H_diag``); the step
    length is ``lr`` (the first iteration ever: ``min(1, 1 / sum|g|) * lr``), or the one a
    strong-Wolfe line search finds. It stops early when the gradient, the step or the change in
    loss falls under the tolerances, or after ``max_eval`` closure calls.

    Args:
        params: the tensors to optimize (a single group).
        lr: the step length (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when ``max|g|`` is at most this (default 1e-7).
        tolerance_change: stop when the step or the loss changes by less (default 1e-9).
        history_size: the number of curvature pairs kept (default 100).
        line_search_fn: ``None`` or ``'strong_wolfe'``.

    ``state_dict()`` holds PyTorch's state under the first parameter (``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``,
    ``func_evals``, ``n_iter``), so PyTorch's saved state loads here with its tensors converted.
    """

    def __init__(
        self,
        params,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_arguments(lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._py.lbfgs = {}  # PyTorch's state (arrays, lists of arrays, numbers)

    # The base class's per-parameter Optax state is unused: L-BFGS keeps one flat state.
    @staticmethod
    def _chain() -> optax.GradientTransformation:
        return optax.identity()

    def transformation(self, group: int = 0) -> optax.GradientTransformation:
        """Not available: L-BFGS needs the closure (``optax.lbfgs`` is a different variant)."""
        raise NotImplementedError(
            "LBFGS calls a closure and has no Optax transformation; optax.lbfgs is Optax's "
            "own L-BFGS (different scaling and line search)"
        )

    @property
    def state(self) -> Mapping[Tensor, dict[str, Any]]:
        """``{first parameter: its state}`` as PyTorch keeps it (empty before the first step)."""
        if not self._py.lbfgs:
            return {}
        return {self.param_groups[0]["params"][0]: _map_arrays(self._py.lbfgs, Tensor._wrap)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        first = state_dict["param_groups"][0]["params"][0]
        self._py.lbfgs = _map_arrays(dict(state_dict["state"].get(first, {})), _array)

    # -- the flat view of the parameters ----------------------------------------------------------
    def _flat_grad(self) -> jax.Array:
        return jnp.concatenate(
            [
                jnp.zeros(p.numel(), p._data.dtype) if p.grad is None else p.grad._data.ravel()
                for p in self.param_groups[0]["params"]
            ]
        )

    def _add_grad(self, step_size, direction: jax.Array) -> None:
        """``p += step_size * direction`` (the direction's slice of each parameter)."""
        offset = 0
        for p in self.param_groups[0]["params"]:
            n = p.numel()
            update = direction[offset : offset + n].reshape(p._data.shape)
            p._data = p._data + step_size * update
            bump_version(p)  # PyTorch's LBFGS writes with p.add_
            offset += n

    def _values(self) -> list[jax.Array]:
        return [p._data for p in self.param_groups[0]["params"]]

    def _set_values(self, values: list[jax.Array]) -> None:
        for p, value in zip(self.param_groups[0]["params"], values, strict=True):
            p._data = value
            bump_version(p)  # PyTorch's LBFGS writes with p.copy_

    def _evaluate_at(self, closure, x, t, d) -> tuple[float, jax.Array]:
        """The loss and flat gradient at ``x + t * d``; the parameters are left at ``x``."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._flat_grad()
        self._set_values(x)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        if _trace_state.active:
            raise RuntimeError(
                "LBFGS.step runs eagerly (its line search and stopping tests read values): "
                "call it outside torchlike.compile"
            )
        self._py.stepped = True
        with no_grad():
            return self._step(enable_grad()(closure))

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = float(_number(group["lr"]))
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self._py.lbfgs
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if jnp.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1
            else:
                y, s = flat_grad - prev_flat_grad, d * t
                ys = jnp.dot(y, s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / jnp.dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = _two_loop(-flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])
            prev_flat_grad, prev_loss = flat_grad, loss
            t = min(1.0, 1.0 / jnp.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = jnp.dot(flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._values()
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    lambda x, t, d: self._evaluate_at(closure, x, t, d),
                    x_init,
                    t,
                    d,
                    loss,
                    flat_grad,
                    gtd,
                    max_ls=max_eval - current_evals,
                )
                self._add_grad(t, d)
                opt_cond = jnp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the last iteration's loss is not needed
                    loss = float(closure())
                    flat_grad = self._flat_grad()
                    opt_cond = jnp.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if jnp.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=h_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss


def _two_loop(q, old_dirs, old_stps, ro, h_diag, al) -> jax.Array:
    """The L-BFGS direction: the inverse-Hessian estimate applied to ``q`` (``-grad``)."""
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = jnp.dot(old_stps[i], q) * ro[i]
        q = q + (-al[i]) * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be_i = jnp.dot(old_dirs[i], r) * ro[i]
        r = r + (al[i] - be_i) * old_stps[i]
    return r


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through two points with their slopes, kept within bounds."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = jnp.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def _strong_wolfe(evaluate, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """PyTorch's strong-Wolfe line search: bracket a step, then zoom in by cubic steps.

    Returns the loss, flat gradient and step length found, and the number of evaluations.
    """
    d_norm = jnp.abs(d).max()
    f_new, g_new = evaluate(x, t, d)
    evals = 1
    gtd_new = jnp.dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    # Bracketing: grow the step until it brackets a point satisfying the conditions.
    while ls_iter < max_ls:
        curvature_ok = abs(gtd_new) <= -c2 * gtd
        decrease_fails = f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev)
        if decrease_fails or (not curvature_ok and gtd_new >= 0):  # a minimum is in between
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if curvature_ok:  # t satisfies both conditions
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = (
            t,
            _cubic_interpolate(
                t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
            ),
        )
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = jnp.dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket until the strong Wolfe conditions hold.
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # Too close to an end of the bracket: move away from it, unless progress was good.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = jnp.dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _map_arrays(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` to the arrays (or tensors) in a state: in dicts and lists, not numbers."""
    if isinstance(value, dict):
        return {k: _map_arrays(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_arrays(v, fn) for v in value]
    if isinstance(value, (jax.Array, Tensor)):
        return fn(value)
    return value
