"""``nn.Module``: PyTorch's module API on a Flax NNX module.

Parameters, buffers and submodules are ordinary attributes (so NNX's ``split``/``merge``/``state``
and Orbax see them); PyTorch's registration order, which NNX does not keep (it sorts attribute
names), is kept in ``_torch_order``, and every PyTorch-facing iteration (``named_parameters``,
``state_dict``, ``repr``) follows it.
"""

from __future__ import annotations

import itertools
import pickle
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from ... import _dtype, _trace_state
from ..._tensor import Tensor
from ..._trace_state import bump_structure_version
from ...autograd.grad_mode import no_grad
from ...utils.hooks import RemovableHandle
from ...utils.hooks import register as register_hook
from ..parameter import Buffer, Parameter, RunningStat, _VariableTensor


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns; prints as PyTorch's does (``<All keys matched
    successfully>`` when both lists are empty)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class _Hooks:
    """A module's forward and backward hooks; compared by content so NNX graph definitions stay
    hashable."""

    def __init__(self) -> None:
        self.pre: dict[int, Callable] = {}
        self.fwd: dict[int, Callable] = {}
        self.bwd_pre: dict[int, Callable] = {}
        self.bwd: dict[int, Callable] = {}

    def _key(self) -> tuple:
        return tuple(tuple(d.items()) for d in (self.pre, self.fwd, self.bwd_pre, self.bwd))

    def __eq__(self, other) -> bool:
        return isinstance(other, _Hooks) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class Module(nnx.Module):
    """Base class for all neural network modules (PyTorch's ``torch.nn.Module``)."""

    training: bool

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        object.__setattr__(self, "_torch_order", ())
        object.__setattr__(self, "_child_names", ())  # module slots, including ones set to None
        object.__setattr__(self, "_hooks", _Hooks())
        self.training = True

    # -- pickling ---------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The module as plain data (``pickle``, ``torch.save(model)``): its attributes, with the
        hooks and opaque attributes as plain dicts and each buffer's kind noted by name, so that a
        saved file names only the module classes besides PyTorch's tensor vocabulary, and
        ``torch.load(weights_only=True)`` needs only those classes allow-listed, as in PyTorch.
        NNX's bookkeeping is left out and rebuilt by ``__setstate__``."""
        state: dict[str, Any] = {}
        buffers: dict[str, tuple[str, bool]] = {}
        for name, value in vars(self).items():
            if name in _NNX_BOOKKEEPING:
                continue
            if name == "_hooks":
                value = {kind: dict(getattr(value, kind)) for kind in _HOOK_KINDS}
            elif name == "_opaque_attrs":
                value = dict(value)
            elif isinstance(value, _VariableTensor) and not isinstance(value, Parameter):
                buffers[name] = (type(value).__name__, bool(value._persistent()))
            state[name] = value
        state[_BUFFER_KINDS_KEY] = buffers
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "_pytree__state" in state:  # pickled whole by an earlier torchlike
            vars(self).update(state)
            return
        buffers = state.pop(_BUFFER_KINDS_KEY, None) or {}
        object.__setattr__(self, "_pytree__state", nnx.pytreelib.PytreeState())
        object.__setattr__(self, "_pytree__nodes", type(self)._pytree__nodes)
        hooks = _Hooks()
        for kind, table in (state.pop("_hooks", None) or {}).items():
            if kind in _HOOK_KINDS:
                getattr(hooks, kind).update(table)
        internal = {"_hooks": hooks}
        for name in ("_torch_order", "_child_names", "_none_buffers"):
            if name in state:
                internal[name] = tuple(state.pop(name))
        internal.setdefault("_torch_order", ())
        internal.setdefault("_child_names", ())
        if "_opaque_attrs" in state:
            internal["_opaque_attrs"] = _Opaque(state.pop("_opaque_attrs"))
        for name, value in internal.items():
            object.__setattr__(self, name, value)
        nodes = self._pytree__nodes.update({name: False for name in internal})
        object.__setattr__(self, "_pytree__nodes", nodes)
        for name, value in state.items():
            kind = buffers.get(name)
            if kind is not None and type(value) is Tensor:  # written as a plain tensor
                kind_name, persistent = kind
                if kind_name not in _BUFFER_TYPES:
                    raise pickle.UnpicklingError(f"unknown buffer kind in file: {kind_name!r}")
                value = _BUFFER_TYPES[kind_name](value, bool(persistent))
            self._set_value(name, value, registered=name in self._torch_order)

    # -- registration -----------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_torch_order" not in vars(self):
            if isinstance(value, (Parameter, Module)):
                what = "parameters" if isinstance(value, Parameter) else "module"
                raise AttributeError(f"cannot assign {what} before Module.__init__() call")
            return self._set_value(name, value, registered=False)
        current = vars(self).get(name)
        if value is current and value is not None:  # `module.weight -= x` re-assigns the same
            return
        bump_structure_version()
        if isinstance(value, Module):
            self.add_module(name, value)
            return
        if isinstance(value, Parameter):
            self._register(name)
        elif isinstance(current, Parameter) and value is not None:
            raise TypeError(
                f"cannot assign '{value.__class__.__module__}.{type(value).__name__}' "
                f"as parameter '{name}' (torch.nn.Parameter or None expected)"
            )
        elif isinstance(current, Module) and value is not None:
            raise TypeError(
                f"cannot assign '{type(value).__name__}' as child module '{name}' "
                "(torch.nn.Module or None expected)"
            )
        elif isinstance(current, Buffer) and isinstance(value, Tensor):
            value = Buffer(value, current.get_metadata("persistent", True))
        elif name in self._torch_order and value is None:
            pass  # a None parameter/buffer/module keeps its place, as in PyTorch
        # registered slots stay NNX data even while None
        self._set_value(name, value, registered=name in self._torch_order)

    def _set_value(self, name: str, value: Any, registered: bool) -> None:
        """Store an attribute as NNX data (registered slots, tensors, containers of modules or
        arrays: see ``_holds_state``) or as static; a value JAX cannot take apart (a dict whose
        keys cannot be sorted) is kept in ``_opaque_attrs``, out of NNX's graph."""
        opaque = vars(self).get("_opaque_attrs")
        if opaque is not None:
            opaque.pop(name, None)
        try:
            data = registered or isinstance(value, Tensor) or _holds_state(value)
        except (TypeError, ValueError):  # JAX cannot take it apart: keep it out of NNX's graph
            if name in vars(self):
                nnx.Module.__delattr__(self, name)
            if opaque is None:
                opaque = _Opaque()
                object.__setattr__(self, "_opaque_attrs", opaque)
            opaque[name] = value
            return
        super().__setattr__(name, nnx.data(value) if data else nnx.static(value))

    def __getattr__(self, name: str) -> Any:
        opaque = vars(self).get("_opaque_attrs")
        if opaque is not None and name in opaque:
            return opaque[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _check_value(self, key: str, value: Any, new_status) -> None:
        # ``_set_value`` decides what is data, so NNX's checks (which reject what PyTorch
        # accepts) are skipped. After ``__init__`` NNX looks at every attribute again: one that
        # was filled in place since (``self.blocks = [None]``, then ``self.blocks[0] = layer``)
        # becomes data here.
        if new_status is None and not self._pytree__nodes.get(key, False):
            try:
                data = _holds_state(value)
            except (TypeError, ValueError):
                return
            if data:
                nodes = self._pytree__nodes.update({key: True})
                object.__setattr__(self, "_pytree__nodes", nodes)

    def _check_valid_context(self, error_msg) -> None:
        # Inside torchlike.compile the objects are the user's own (holding tracers for the
        # call), so assigning attributes there is fine, unlike inside nnx.jit.
        if not _trace_state.active:
            super()._check_valid_context(error_msg)

    def _register(self, name: str) -> None:
        bump_structure_version()
        if name not in self._torch_order:
            object.__setattr__(self, "_torch_order", self._torch_order + (name,))

    def __delattr__(self, name: str) -> None:
        bump_structure_version()
        if name in self._torch_order:
            object.__setattr__(
                self, "_torch_order", tuple(n for n in self._torch_order if n != name)
            )
            object.__setattr__(
                self, "_child_names", tuple(n for n in self._child_names if n != name)
            )
        opaque = vars(self).get("_opaque_attrs")
        if opaque is not None and name in opaque:
            del opaque[name]
            return
        super().__delattr__(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        self._register(name)
        nnx.Module.__setattr__(self, name, nnx.data(param))

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._register(name)
        value = None if tensor is None else Buffer(tensor, persistent)
        if value is None:
            object.__setattr__(self, "_none_buffers", getattr(self, "_none_buffers", ()) + (name,))
        nnx.Module.__setattr__(self, name, nnx.data(value))

    def add_module(self, name: str, module: Module | None) -> None:
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        self._register(name)
        if name not in self._child_names:
            object.__setattr__(self, "_child_names", self._child_names + (name,))
        nnx.Module.__setattr__(self, name, nnx.data(module))

    register_module = add_module

    # -- iteration --------------------------------------------------------------------------------
    def _named_members(
        self, kind: type, recurse: bool, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for mod_prefix, mod in modules:
            for name in mod._torch_order:
                value = vars(mod).get(name)
                if (
                    isinstance(value, kind)
                    and not isinstance(value, Module)
                    or (
                        kind is Buffer
                        and value is None
                        and name in getattr(mod, "_none_buffers", ())
                    )
                ):
                    if value is None:
                        continue
                    if remove_duplicate:
                        if id(value) in seen:
                            continue
                        seen.add(id(value))
                    yield (mod_prefix + ("." if mod_prefix else "") + name, value)

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        return self._named_members(Parameter, recurse, prefix, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        if not recurse:
            for _, p in self.named_parameters(recurse=False):
                yield p
            return
        # named_parameters' walk without building the names (zero_grad and optimizers call this
        # on every step): modules in pre-order, each module and each parameter once.
        found: list = []
        _collect_parameters(self, set(), set(), found)
        yield from found

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        from ..parameter import RunningStat

        yield from self._named_members((Buffer, RunningStat), recurse, prefix, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name in self._torch_order:
            value = vars(self).get(name)
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name in self._torch_order:
            child = vars(self).get(name)
            if isinstance(child, Module):
                sub = prefix + ("." if prefix else "") + name
                yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        mod = self
        for item in target.split(".") if target else []:
            if not isinstance(vars(mod).get(item), Module):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = vars(mod)[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        mod_path, _, name = target.rpartition(".")
        p = vars(self.get_submodule(mod_path)).get(name)
        if not isinstance(p, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return p

    def get_buffer(self, target: str) -> Tensor:
        mod_path, _, name = target.rpartition(".")
        return vars(self.get_submodule(mod_path))[name]

    # -- modes and conversion ---------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        bump_structure_version()
        for m in self.modules():
            nnx.Module.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                # Assigned even when already None: a compiled step then knows the incoming
                # .grad is never used, and does not keep it as an input.
                p.grad = None
            elif p._grad is not None:
                p._grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, fn: Callable) -> Module:
        for t in itertools.chain(self.parameters(), self.buffers()):
            new = fn(t)
            if new is not t:
                t._data = new._data
                if t.grad is not None:
                    t.grad = fn(t.grad)
        return self

    def share_memory(self) -> Module:
        """Move parameters and buffers to shared memory (``Module.share_memory``): processes
        started afterwards with the module as an argument train the same weights (hogwild)."""
        for t in itertools.chain(self.parameters(), self.buffers()):
            t.share_memory_()
        return self

    def to(self, *args, **kwargs) -> Module:
        """``to(device)``, ``to(dtype)`` (floating tensors only, as PyTorch), ``to(tensor)``."""

        def convert(t: Tensor) -> Tensor:
            if t.dtype.is_floating_point or t.dtype.is_complex:
                return t.detach().to(*args, **kwargs)
            dev = [a for a in args if not isinstance(a, _dtype.dtype)]
            return (
                t.detach().to(*dev, device=kwargs.get("device")) if dev or "device" in kwargs else t
            )

        return self._apply_to_tensors(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        from ..._device import device as _device

        return self.to(_device("cuda", device))

    def _cast_floating(self, dt) -> Module:
        return self._apply_to_tensors(
            lambda t: t.detach().to(dt) if t.dtype.is_floating_point else t
        )

    def float(self) -> Module:
        return self._cast_floating(_dtype.float32)

    def double(self) -> Module:
        return self._cast_floating(_dtype.float64)

    def half(self) -> Module:
        return self._cast_floating(_dtype.float16)

    def bfloat16(self) -> Module:
        return self._cast_floating(_dtype.bfloat16)

    def type(self, dst_type) -> Module:
        return self._cast_floating(dst_type)

    # -- state dict -------------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and persistent buffers by dotted name, in PyTorch's order and keys: a
        module's own parameters, then its buffers, then each child's, recursively."""
        out = OrderedDict() if destination is None else destination
        own = [(n, vars(self).get(n)) for n in self._torch_order]
        for name, value in own:
            if isinstance(value, Parameter):
                out[prefix + name] = value if keep_vars else value.detach()
        for name, value in own:
            if (
                isinstance(value, _VariableTensor)
                and not isinstance(value, Parameter)
                and value.get_metadata("persistent", True)
            ):
                out[prefix + name] = value if keep_vars else value.detach()
        for name, value in own:
            if isinstance(value, Module):
                value.state_dict(destination=out, prefix=prefix + name + ".", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values into parameters and buffers; PyTorch's errors for missing/unexpected keys."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        with no_grad():
            for key, target in own.items():
                if key not in state_dict:
                    continue
                src = _as_array(state_dict[key])
                if tuple(src.shape) != tuple(target.shape):
                    errors.append(
                        f"size mismatch for {key}: copying a param with shape "
                        f"torch.Size({list(src.shape)}) from checkpoint, the shape in current "
                        f"model is torch.Size({list(target.shape)})."
                    )
                    continue
                target._data = jnp.array(src, dtype=target._data.dtype, copy=True)
        if strict:
            if unexpected:
                errors.insert(
                    0,
                    "Unexpected key(s) in state_dict: "
                    + ", ".join(f'"{k}"' for k in unexpected)
                    + ". ",
                )
            if missing:
                errors.insert(
                    0,
                    "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ",
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    # -- call and hooks ---------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        hooks = vars(self).get("_hooks")
        if hooks is not None and (hooks.pre or hooks.fwd or hooks.bwd_pre or hooks.bwd):
            for hook in list(hooks.pre.values()):
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
            if hooks.bwd_pre or hooks.bwd:
                from ._backward_hooks import call_with_backward_hooks

                out = call_with_backward_hooks(self, hooks.bwd_pre, hooks.bwd, args, kwargs)
            else:
                out = self.forward(*args, **kwargs)
            for hook in list(hooks.fwd.values()):
                res = hook(self, args, out)
                if res is not None:
                    out = res
            return out
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        return register_hook(self._hooks.pre, hook)

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        return register_hook(self._hooks.fwd, hook)

    def register_full_backward_pre_hook(
        self, hook: Callable, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(module, grad_output)`` when the gradients of the module's outputs are known;
        it may return a replacement ``grad_output``. See ``_backward_hooks.py``."""
        return register_hook(self._hooks.bwd_pre, hook, prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` when the gradients of the module's inputs
        are known; it may return a replacement ``grad_input``. See ``_backward_hooks.py``."""
        return register_hook(self._hooks.bwd, hook, prepend)

    # -- repr -------------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): {_indent(repr(vars(self)[name]))}"
            for name in self._torch_order
            if _is_module_slot(self, name)
        ]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    __str__ = __repr__


# What ``Module.__getstate__`` leaves out (NNX's bookkeeping, rebuilt on load), the hook tables,
# the state key naming each buffer's kind, and those kinds.
_NNX_BOOKKEEPING = frozenset({"_pytree__state", "_pytree__nodes"})
_HOOK_KINDS = ("pre", "fwd", "bwd_pre", "bwd")
_BUFFER_KINDS_KEY = "_buffer_kinds"
_BUFFER_TYPES = {"Buffer": Buffer, "RunningStat": RunningStat}


class _Opaque(dict):
    """Plain attributes JAX cannot take apart (a dict whose keys cannot be sorted, such as
    ``{nn.Linear: ..., nn.Conv2d: ...}``), kept out of NNX's graph as one static value; found by
    ``Module.__getattr__``. Compared by identity, so graph definitions stay hashable."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__


def _holds_state(value: Any) -> bool:
    """Whether a plain attribute is NNX data: it holds arrays, tensors or modules (``self.layers
    = [Linear(...), ...]``, ``self.history = [torch.zeros(1)]``, a NumPy array), or is an empty
    list or dict that code fills later (``self.fcs = []`` then ``self.fcs.append(fc)``).

    As in PyTorch, such values are not registered (``parameters()``, ``state_dict()``, ``.to()``
    and ``named_modules()`` skip what a plain list holds); as NNX data they are part of the
    module's graph, so ``nnx.state``/``nnx.split`` and compiled steps see and update them.
    """
    leaves = jax.tree.leaves(value, is_leaf=nnx.is_data)
    if not leaves:
        return isinstance(value, (list, dict))
    return any(nnx.is_data(leaf) for leaf in leaves)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _is_module_slot(module: Module, name: str) -> bool:
    value = vars(module).get(name)
    return isinstance(value, Module) or (value is None and name in module._child_names)


def _as_array(value):
    """Accept torchlike tensors, NumPy arrays, JAX arrays, and real PyTorch tensors."""
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor
        return jnp.asarray(value.detach().cpu().numpy())
    return jnp.asarray(value)


def _collect_parameters(mod: Module, modules_seen: set, seen: set, found: list) -> None:
    modules_seen.add(id(mod))
    attrs = vars(mod)
    children = []
    for name in mod._torch_order:
        value = attrs.get(name)
        if isinstance(value, Module):
            children.append(value)
        elif isinstance(value, Parameter) and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    for child in children:
        if id(child) not in modules_seen:
            _collect_parameters(child, modules_seen, seen, found)
