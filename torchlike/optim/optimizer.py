"""``torch.optim.Optimizer`` on Optax: PyTorch's parameter groups outside, an Optax chain inside.

Each optimizer names its update as an Optax chain (``SGD._chain``). ``optax.inject_hyperparams``
makes the group's numbers (``lr``, ``momentum`` ...) arrays, so that changing
``param_groups[i]['lr']`` never recompiles. PyTorch keeps state per parameter and skips a parameter
whose ``.grad`` is None (no decay, no momentum, no step count), so every parameter has its own Optax
state, and one jitted function updates all the parameters that have a gradient.

What NNX sees (``nnx.state(opt)``, ``torchlike.compile``): ``_params``, the parameters themselves
(the model's objects); ``_hyperparams``, one dict of ``OptState`` scalars per group; ``_states``,
each parameter's Optax state as ``OptState`` arrays. ``param_groups`` and ``defaults`` are Python,
in a box NNX does not look into; ``_compile_sync()`` copies their numbers into the arrays.

Precision is PyTorch's: the update runs in the parameter's dtype, and hyperparameters are weakly
typed float64 scalars, so scalar expressions (``1 - beta2``, the bias corrections) are formed in
double precision and rounded once when they meet a tensor, as PyTorch's kernels do.

Where torchlike differs from PyTorch:

* ``state_dict()`` and ``opt.state[p]`` return snapshots: writing to the tensors they hold does
  not change the optimizer (load a changed state dict instead).
* Every parameter's state is allocated (as zeros) when the optimizer is made, not at its first
  step, so that a compiled step never creates state; it shows only once the parameter has stepped.
"""

from __future__ import annotations

import copy
import functools
import itertools
import operator
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from .. import _dtype, _trace_state
from .._tensor import Tensor
from .._trace_state import CompileParticipant
from ..autograd.grad_mode import enable_grad
from ..autograd.graph import bump_version
from ..utils.hooks import RemovableHandle
from ..utils.hooks import register as register_hook

_Tracer = jax.core.Tracer


def check_arguments(lr=None, eps=None, betas=None, **nonnegative) -> None:
    """PyTorch's constructor checks, with its messages: ``lr`` (a number or a one-element
    tensor) and ``eps`` non-negative, each beta in ``[0, 1)``, and every other named value (
    ``weight_decay``, ``momentum``, ``alpha``, ...) non-negative."""
    if lr is not None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
    if eps is not None and not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, beta in enumerate(betas or ()):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    for name, value in nonnegative.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


class OptState(nnx.Variable):
    """An optimizer array: a leaf of a parameter's Optax state, or a group's hyperparameter."""


class _Python:
    """The optimizer's Python side, which NNX must not traverse (this opaque box is a static leaf).

    ``param_groups`` holds the user's parameters, which are also in ``Optimizer._params``, which NNX
    does traverse (so that ``nnx.split``/``merge`` keep them shared with the model).
    """

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.group_of: list[int] = []  # the group of each entry of Optimizer._params
        self.txs: list[optax.GradientTransformation] = []  # per group, its Optax transformation
        self.treedefs: list[Any] = []  # per group, the tree of a parameter's Optax state
        self.options: list[dict[str, Any]] = []  # per group, the options its chain was built with
        self.synced: list[dict[str, tuple]] = []  # per group, name -> (number, array) last written
        self.snapshots: list[tuple | None] = []  # per group, its values at the last sync
        self.stepped = False  # whether step() has run (lr schedulers warn when it has not)
        self.step_pre_hooks: dict[int, Callable] = {}  # register_step_pre_hook
        self.step_post_hooks: dict[int, Callable] = {}  # register_step_post_hook


# register_optimizer_step_pre_hook / _post_hook: run around every optimizer's step()
_global_step_pre_hooks: dict[int, Callable] = {}
_global_step_post_hooks: dict[int, Callable] = {}


def _hooked(step: Callable) -> Callable:
    """``step`` with the step hooks around it, as PyTorch wraps each optimizer class's step: pre
    hooks get ``(optimizer, args, kwargs)`` (``args`` starting with the optimizer) and may return
    new ``(args, kwargs)``; post hooks get the same after the update. Inside
    ``torchlike.compile`` they run while the step is traced."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        for hook in (*_global_step_pre_hooks.values(), *self._py.step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but "
                        f"got {result}."
                    )
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in (*self._py.step_post_hooks.values(), *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; returns a handle
    whose ``remove()`` takes it away (PyTorch's function of this name)."""
    return register_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return register_hook(_global_step_post_hooks, hook)


class Optimizer(nnx.Pytree, CompileParticipant):
    """Base class of torchlike's optimizers, PyTorch's ``torch.optim.Optimizer``.

    A subclass names its update: ``_chain(**hyperparameters, **options)`` returns an Optax
    transformation; ``_hyperparameters(group)`` gives the chain's numbers (arrays in the state),
    ``_options(group)`` its shape (Python values: a change rebuilds the chain, keeping the state),
    and ``_state_names`` maps PyTorch's per-parameter state keys to Optax state fields. By
    default the numbers are the group's ``_numbers`` and the options its ``_flags``, as booleans.

    Args:
        params: an iterable of tensors, or of dicts defining parameter groups.
        defaults: the default value of each option, for groups that do not set it.
    """

    _state_names: dict[str, str] = {}
    _state_has_step = False  # whether PyTorch's per-parameter state has a 'step'
    _state_from_start = False  # whether PyTorch makes the state at creation (Adagrad)
    _numbers: tuple[str, ...] = ()  # the group's keys whose values are the chain's numbers
    _flags: tuple[str, ...] = ()  # the group's keys whose truth is one of the chain's options

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of "
                f"Tensors or dicts, but got {_typename(params)}"
            )
        self._py = _Python(defaults)
        if not getattr(type(self).step, "hooked", False):  # as PyTorch: once per class
            type(self).step = _hooked(type(self).step)
        self._params = nnx.List()
        self._hyperparams = nnx.List()
        self._states = nnx.List()
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- what a subclass defines ------------------------------------------------------------------
    @staticmethod
    def _chain(**kwargs: Any) -> optax.GradientTransformation:
        raise NotImplementedError

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group's ``_numbers`` by the chain's names: ``lr`` is its ``learning_rate`` and
        ``betas`` its ``b1`` and ``b2``; any other key is the chain's argument of that name."""
        numbers = {}
        for key in self._numbers:
            if key == "betas":
                numbers["b1"], numbers["b2"] = group["betas"]
            else:
                numbers["learning_rate" if key == "lr" else key] = group[key]
        return numbers

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        return {key: bool(group[key]) for key in self._flags}

    # -- PyTorch's attributes ---------------------------------------------------------------------
    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return self._py.param_groups

    @property
    def defaults(self) -> dict[str, Any]:
        return self._py.defaults

    @property
    def state(self) -> Mapping[Tensor, dict[str, Tensor]]:
        """Parameter -> its state in PyTorch's names (``{}`` before its first step)."""
        return _StateView(self)

    def transformation(self, group: int = 0) -> optax.GradientTransformation:
        """The Optax transformation of ``param_groups[group]``, for functional use.

        Its hyperparameters are in ``state.hyperparams`` (``optax.inject_hyperparams``). Used
        directly, Optax casts the hyperparameters to the parameters' dtype first (``1 - beta2`` is
        then formed in float32, about 1e-5 off ``step()``'s result in float32).
        """
        return self._make_transformation(self.param_groups[group])

    def _make_transformation(self, group: dict[str, Any]) -> optax.GradientTransformation:
        numbers = {k: _number(v) for k, v in self._hyperparameters(group).items()}
        return optax.inject_hyperparams(self._chain)(**numbers, **self._options(group))

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    __str__ = __repr__  # NNX's str shows the arrays; PyTorch's shows the groups

    # -- groups -----------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (defaults fill the ones it leaves out)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, "
                "but the ordering of tensors in sets will change between runs. Please "
                "use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param "
                    "names are missing"
                )
            param_group["param_names"] = names
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(p)
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in "
                "future, this will cause an error; see "
                "github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")

        gi = len(self.param_groups)
        self.param_groups.append(param_group)
        self._py.txs.append(self._make_transformation(param_group))
        self._py.treedefs.append(None)
        self._py.options.append(self._options(param_group))
        self._py.synced.append({})
        self._py.snapshots.append(None)
        self._hyperparams.append(
            nnx.data(
                {
                    name: OptState(_hyperparameter(0.0))
                    for name in self._hyperparameters(param_group)
                }
            )
        )
        self._write_hyperparameters(gi)
        for p in params:
            self._params.append(nnx.data(p))
            self._py.group_of.append(gi)
            self._states.append(self._new_state(len(self._states), gi, {}))

    def _positions(self, gi: int) -> list[int]:
        return [i for i, g in enumerate(self._py.group_of) if g == gi]

    # -- array state ------------------------------------------------------------------------------
    def _compile_sync(self) -> None:
        """Bring the array state in line with ``param_groups``; call it outside any trace.

        Writes each group's current numbers into its hyperparameter arrays, and rebuilds a group's
        chain (keeping its state) when an option that shapes it changed (``maximize``, ``momentum``
        from 0 ...). ``torchlike.compile`` calls it before each compiled call; an eager ``step()``
        calls it itself.
        """
        py = self._py
        for gi, group in enumerate(self.param_groups):
            # The common case, checked in about a microsecond: the group holds the same objects
            # as at the last sync (tensors with the same arrays, lists with the same items) and
            # the state still holds the arrays written then.
            values = tuple(group.values())
            last = py.snapshots[gi]
            if (
                last is not None
                and len(values) == len(last[0])
                and all(map(operator.is_, values, last[0]))
                and all(_frozen(values[i]) == frozen for i, frozen in last[1])
                and all(map(operator.is_, map(_raw_value, last[2]), last[3]))
            ):
                continue
            if self._options(group) != py.options[gi]:
                self._rebuild_group(gi, {i: self._exported(i) for i in self._positions(gi)})
            self._write_hyperparameters(gi)
            keys = list(group)
            mutable = tuple(
                (i, _frozen(v))
                for i, v in enumerate(values)
                if isinstance(v, (Tensor, list)) and keys[i] != "params"
            )
            variables = tuple(self._hyperparams[gi].values())
            py.snapshots[gi] = (values, mutable, variables, tuple(map(_raw_value, variables)))

    def _write_hyperparameters(self, gi: int) -> None:
        synced = self._py.synced[gi]
        for name, value in self._hyperparameters(self.param_groups[gi]).items():
            var, number = self._hyperparams[gi][name], _number(value)
            last = synced.get(name)
            if last is None or last[0] != number or var.get_raw_value() is not last[1]:
                arr = _hyperparameter(number)
                var.set_raw_value(arr)
                synced[name] = (number, arr)

    def _rebuild_group(self, gi: int, saved: dict[int, dict[str, Any]]) -> None:
        group = self.param_groups[gi]
        self._py.txs[gi] = self._make_transformation(group)
        self._py.options[gi] = self._options(group)
        for i in self._positions(gi):
            self._states[i] = self._new_state(i, gi, saved.get(i, {}))

    def _new_state(self, i: int, gi: int, saved: dict[str, Any]):
        """Parameter i's Optax state, fresh then ``saved`` put in, as a tuple of OptState leaves.

        Flat, so that a step reads and writes it without walking a tree; its tree is the group's.
        """
        state = self._py.txs[gi].init(self._params[i]._data)
        # Hyperparameters live once per group (in _hyperparams) and are put in at update time.
        state = state._replace(hyperparams={})
        leaves, self._py.treedefs[gi] = jax.tree.flatten(self._import(state, saved))
        return nnx.data(tuple(OptState(x) for x in leaves))

    def _state(self, i: int):
        """Parameter i's Optax state (arrays)."""
        return jax.tree.unflatten(
            self._py.treedefs[self._py.group_of[i]], [v.get_raw_value() for v in self._states[i]]
        )

    def _import(self, state, saved: dict[str, Any]):
        values = {
            field: _array(saved[name])
            for name, field in self._state_names.items()
            if saved.get(name) is not None and optax.tree.get(state.inner_state, field) is not None
        }
        if not values and saved.get("step") is None:
            return state
        inner = state.inner_state
        # Every `count` of the chain (inject_hyperparams', Adam's, dampening's) is the number of
        # steps this parameter took; PyTorch's SGD keeps none, and only "stepped or not" matters.
        step = _array(saved["step"]) if saved.get("step") is not None else 1
        count = jnp.asarray(step).astype(state.count.dtype)
        if optax.tree.get_all_with_path(inner, "count"):
            inner = optax.tree.set(inner, count=count)
        if values:
            inner = optax.tree.set(
                inner,
                **{
                    field: jnp.reshape(v, optax.tree.get(inner, field).shape)
                    for field, v in values.items()
                },
            )
        return state._replace(
            count=count, inner_state=optax.tree.cast_like(inner, state.inner_state)
        )

    def _exported(self, i: int) -> dict[str, jax.Array]:
        """Parameter i's state in PyTorch's names (empty before its first step); reads the host."""
        state = self._state(i)
        if int(state.count) == 0 and not self._state_from_start:
            return {}
        out = {}
        if self._state_has_step:
            out["step"] = state.count.astype(_scalar_dtype())
        for name, field in self._state_names.items():
            value = optax.tree.get(state.inner_state, field)
            if value is not None:
                out[name] = value
        return out

    def _position(self, param: Any) -> int | None:
        return next((i for i, p in enumerate(self._params) if p is param), None)

    # -- PyTorch's methods ------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (default), or to zeros with ``set_to_none=False``."""
        for p in self._params:
            if set_to_none:
                # Assigned even when already None: a compiled step then knows the incoming
                # .grad is never used, and does not keep it as an input.
                p.grad = None
                continue
            g = p._grad
            if g is not None:
                g.grad_fn, g.requires_grad = None, False
                g._data = jnp.zeros_like(g._data)

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new
        ``(args, kwargs)``. Returns a handle whose ``remove()`` takes the hook away."""
        return register_hook(self._py.step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` after each ``step``."""
        return register_hook(self._py.step_post_hooks, hook)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a ``.grad``; returns ``closure()``'s loss if given.

        All the updates run as one jitted function (compiled once per set of parameters with
        gradients); inside ``torchlike.compile`` it is traced with the rest of the step.
        """
        loss = None
        self._py.stepped = True
        if closure is not None:
            with enable_grad():
                loss = closure()
        if _trace_state.active:  # an optimizer the compiled step did not know of: add it
            _trace_state.note_access(
                self,
                [
                    (v, v.get_raw_value())
                    for _, v in nnx.iter_graph(self)
                    if isinstance(v, nnx.Variable) and not isinstance(v, Tensor)
                ],
            )
        if not isinstance(next(iter(self._hyperparams[0].values())).get_raw_value(), _Tracer):
            self._compile_sync()
        elif any(self._options(g) != o for g, o in zip(self.param_groups, self._py.options)):
            raise RuntimeError(
                "an optimizer option that changes its update rule (maximize, "
                "amsgrad, momentum from 0, ...) was changed inside a compiled "
                "function; change it outside"
            )
        hyper = [{k: v.get_raw_value() for k, v in h.items()} for h in self._hyperparams]
        active = [i for i, p in enumerate(self._params) if p.grad is not None]
        if not active:
            return loss
        groups = [self._py.group_of[i] for i in active]
        plan = tuple(
            (type(self)._chain, tuple(sorted(self._py.options[g].items())), self._py.treedefs[g], g)
            for g in groups
        )
        new_params, new_states = _update(
            plan,
            hyper,
            [self._params[i]._data for i in active],
            [self._params[i].grad._data for i in active],
            [[v.get_raw_value() for v in self._states[i]] for i in active],
        )
        for i, value, leaves in zip(active, new_params, new_states):
            self._params[i]._data = value
            bump_version(self._params[i])  # an in-place write, as PyTorch's step makes
            # Inside torchlike.compile the state holds tracers for the call: write the value
            # without NNX's trace-level check (as Parameter._data's setter does).
            for var, leaf in zip(self._states[i], leaves):
                object.__setattr__(var, "_raw_value", leaf)
        return loss

    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {name: tensor}}, 'param_groups': [{..., 'params': [index]}]}``.

        As PyTorch's: indices number the parameters in group order, and a parameter without
        state (never stepped) is left out.
        """
        index: dict[int, int] = {}
        groups, start = [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            index.update(
                {id(p): i for i, p in enumerate(group["params"], start) if id(p) not in index}
            )
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from ``state_dict()``, or PyTorch's with its tensors converted."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match "
                "the size of optimizer's group"
            )
        position = dict(
            zip(
                itertools.chain.from_iterable(s["params"] for s in saved_groups),
                range(len(self._params)),
            )
        )
        for group, new in zip(groups, saved_groups):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            self._fill_loaded_group(new)
        self._py.param_groups = saved_groups
        saved = {position[k]: v for k, v in state_dict["state"].items() if k in position}
        for gi in range(len(saved_groups)):
            self._rebuild_group(gi, saved)
            self._write_hyperparameters(gi)

    def _fill_loaded_group(self, group: dict[str, Any]) -> None:
        """Options a loaded group lacks (saved by an older version) take their defaults."""
        for name, default in self.defaults.items():
            group.setdefault(name, default)


class _StateView(Mapping):
    """``opt.state``: parameter -> its state in PyTorch's names, as tensors (snapshots)."""

    def __init__(self, opt: Optimizer) -> None:
        self._opt = opt

    def __getitem__(self, param: Any) -> dict[str, Tensor]:
        i = self._opt._position(param)
        return {} if i is None else self._tensors(i)

    def _tensors(self, i: int) -> dict[str, Tensor]:
        return {k: Tensor._wrap(v) for k, v in self._opt._exported(i).items()}

    def items(self) -> list[tuple[Tensor, dict[str, Tensor]]]:  # one pass, not n lookups
        pairs = ((p, self._tensors(i)) for i, p in enumerate(self._opt._params))
        return [(p, state) for p, state in pairs if state]

    def __contains__(self, param: object) -> bool:
        return bool(self[param])

    def __iter__(self) -> Iterator[Tensor]:
        return (p for i, p in enumerate(self._opt._params) if self._opt._exported(i))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@functools.partial(jax.jit, static_argnums=0)
def _update(plan, hyperparams, params, grads, states):
    """One Optax update per parameter, in one program.

    ``plan[k]`` is the k-th parameter's (chain factory, options, state tree, group); its state
    comes and goes as the tree's leaves. The chain is built here with the group's weakly typed
    hyperparameters rather than through ``inject_hyperparams``' update, which would cast them to
    the parameters' dtype before ``1 - beta2`` is formed (1e-5 off PyTorch in float32).
    """
    new_params, new_states = [], []
    for (chain, options, treedef, gi), param, grad, leaves in zip(plan, params, grads, states):
        state = jax.tree.unflatten(treedef, leaves)
        inner = chain(**hyperparams[gi], **dict(options))
        updates, inner_state = inner.update(grad, state.inner_state, param)
        new_params.append(optax.apply_updates(param, updates).astype(param.dtype))
        new = state._replace(count=optax.safe_increment(state.count), inner_state=inner_state)
        new_states.append(jax.tree.leaves(optax.tree.cast_like(new, state)))
    return new_params, new_states


def _hyperparameter(number: Any) -> jax.Array:
    """A hyperparameter as a weakly typed float64 scalar.

    PyTorch computes scalar expressions such as ``1 - beta2`` or ``lr / (1 - beta1 ** step)`` in
    Python double precision and rounds the result once when it meets a float32 tensor. A weakly
    typed float64 array behaves the same way in JAX: scalar arithmetic stays float64, and the
    result takes the tensor's dtype, so the update itself runs in the parameter's dtype.
    """
    return jnp.asarray(float(number))


def _frozen(value: Any) -> Any:
    """What of a group's tensor or list value can change in place: a tensor's array (an in-place
    op rebinds it; compared by identity through ``_Same``), a list's items."""
    if isinstance(value, Tensor):
        return _Same(value._data)
    return tuple(value)


class _Same:
    """Equal to another ``_Same`` holding the very same object (never calls ``==`` on arrays)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    __hash__ = None


def _raw_value(variable: nnx.Variable) -> Any:
    return variable.get_raw_value()


def _number(value: Any) -> Any:
    """A hyperparameter as a Python number (a one-element tensor is read from the device)."""
    return float(value) if isinstance(value, Tensor) else value


def _array(value: Any) -> jax.Array:
    return value._data if isinstance(value, Tensor) else jnp.asarray(value)


def _scalar_dtype():
    """PyTorch's dtype for ``state['step']``: float64 if that is the default dtype, else float32."""
    return jnp.float64 if _dtype.get_default_dtype() is _dtype.float64 else jnp.float32


def _typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor``, ``int``, ``module.Class``."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    return type(obj).__qualname__ if module == "builtins" else f"{module}.{type(obj).__qualname__}"


def torch_chain(
    direction: optax.GradientTransformation | list[optax.GradientTransformation],
    learning_rate,
    weight_decay,
    *,
    maximize: bool,
    decoupled_weight_decay: bool = False,
) -> optax.GradientTransformation:
    """PyTorch's update as an Optax chain: the gradient negated for ``maximize``, weight decay
    added to the gradient before ``direction`` (PyTorch's L2 form) or to the update after it
    (decoupled, AdamW's form), then ``-lr``. ``direction`` is a transformation or a list of
    them, applied in order (none: plain SGD)."""
    if isinstance(direction, optax.GradientTransformation):
        direction = [direction]
    decay = optax.add_decayed_weights(weight_decay)
    return optax.chain(
        *([optax.scale(-1.0)] if maximize else []),
        *([*direction, decay] if decoupled_weight_decay else [decay, *direction]),
        optax.scale_by_learning_rate(learning_rate),
    )
