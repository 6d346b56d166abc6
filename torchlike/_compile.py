"""``torchlike.compile``: a whole PyTorch-style step (forward, ``backward``, ``optimizer.step``)
as one ``jax.jit`` program, with the Python objects updated in place afterwards.

How it works. On the first call the wrapper finds every piece of state the function can touch —
parameters and buffers of modules (walking the NNX graph), optimizer state, tensors among the
arguments, the random generators — and keeps that list, keyed by the arguments' identity and
the global structure version (bumped whenever a module or optimizer changes shape). Each call
then reads those arrays, calls ``jax.jit`` on them, and writes back only what the step changed.
Inside the trace the original objects hold tracers for the duration of the call, so the user's
code, the autograd tape and the optimizer run unchanged; the compiled program is what
``jax.grad`` plus an Optax update would produce by hand.

Sharding. A piece of state that comes in sharded over several devices (an FSDP parameter, its
optimizer state, a parameter placed with ``torchlike.distributed.shard_parameter``) leaves the
program with the same sharding: its new value is constrained to the input's ``NamedSharding``, so
parameters stay sharded step after step. When the step uses a ``DistributedDataParallel`` spanning
several processes, the program runs over the global mesh of every process's devices: state enters
replicated, each argument tensor with a batch dimension is this process's rows of a global batch
(``jax.make_array_from_process_local_data``), and results come back as this process's local arrays.

Recompiles happen only when a shape, dtype, a ``.grad`` going from None to a tensor, or a
Python-level argument changes; each one is logged (logger ``torchlike.compile``) with the reason,
and a warning is issued once a function has recompiled ``cache_size_limit`` times.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ._tensor import Tensor
from ._trace_state import CompileParticipant, Trace, active, structure_version
from .amp.autocast_mode import _active as _amp_region
from .autograd.grad_mode import is_grad_enabled
from .autograd.graph import call_pullback, differentiable, record, vjp
from .random import Generator, default_generator

log = logging.getLogger("torchlike.compile")
cache_size_limit = 8

_TENSOR, _VARIABLE, _GENERATOR = 0, 1, 2


class _Slot:
    """One piece of mutable state: a tensor/Variable value, its ``.grad``, or a generator key."""

    __slots__ = ("obj", "name", "kind", "has_grad")

    def __init__(self, obj: Any, name: str) -> None:
        self.obj = obj
        self.name = name
        self.kind = (
            _GENERATOR
            if isinstance(obj, Generator)
            else _TENSOR
            if isinstance(obj, Tensor)
            else _VARIABLE
        )
        self.has_grad = self.kind == _TENSOR

    def get(self):
        if self.kind == _TENSOR:
            return self.obj._data
        if self.kind == _VARIABLE:
            return self.obj.get_raw_value()
        return self.obj._key

    def set(self, value) -> None:
        if self.kind == _TENSOR:
            self.obj._data = value
        elif self.kind == _VARIABLE:  # swap the value without NNX's trace-level check
            object.__setattr__(self.obj, "_raw_value", value)
        else:
            self.obj._key = value

    def get_grad(self):
        g = self.obj._grad if self.has_grad else None
        return None if g is None else g._data

    def set_grad(self, value) -> None:
        object.__setattr__(self.obj, "_grad", None if value is None else Tensor._wrap(value))


def _find_state(roots: list[tuple[str, Any]]) -> tuple[list[_Slot], set[int], tuple, list]:
    """Every mutable array reachable from ``roots``, each once, in a deterministic order; the
    ids of every object visited (modules and optimizers included); the plain lists and dicts
    on modules that hold modules or tensors (or nothing yet), with what they hold: changing one
    (``self.layers.append(layer)``, ``self.layers[0] = other``) announces nothing, so each call
    checks them; and the ``CompileParticipant`` objects met (optimizers, grad scalers), whose
    ``_compile_sync`` runs before each call, wherever they sit (``[opt_g, opt_d]``)."""
    slots: list[_Slot] = []
    seen: set[int] = set()  # the slots' objects
    visited: set[int] = set()  # every object met, modules and optimizers included
    guards: list[tuple[Any, tuple]] = []
    syncs: list = []

    def sync(obj) -> None:
        if isinstance(obj, CompileParticipant) and not any(obj is o for o in syncs):
            syncs.append(obj)

    def add(obj, name: str) -> None:
        if id(obj) not in seen:
            seen.add(id(obj))
            slots.append(_Slot(obj, name))

    def visit(obj, name: str, depth: int) -> None:
        sync(obj)
        if isinstance(obj, (Tensor, nnx.Variable, Generator)):
            add(obj, name)
        elif isinstance(obj, nnx.Pytree):
            for path, node in nnx.iter_graph(obj):
                visited.add(id(node))
                sync(node)
                if isinstance(node, nnx.Variable):
                    add(node, name + "." + ".".join(map(str, path)) if path else name)
                elif isinstance(node, (Tensor, Generator)):
                    add(node, name + "." + ".".join(map(str, path)))
                elif isinstance(node, (list, dict)) and _holds_state(node):
                    guards.append((node, _contents(node)))
        elif isinstance(obj, (list, tuple)) and depth < 4:
            for i, item in enumerate(obj):
                visit(item, f"{name}[{i}]", depth + 1)
        elif isinstance(obj, dict) and depth < 4:
            for k, item in obj.items():
                visit(item, f"{name}[{k!r}]", depth + 1)

    for name, obj in roots:
        visit(obj, name, 0)
    add(default_generator, "torch.default_generator")
    return slots, visited | seen, tuple(guards), syncs


def _holds_state(container: list | dict) -> bool:
    items = container.values() if isinstance(container, dict) else container
    return not items or any(isinstance(v, (nnx.Pytree, nnx.Variable, Tensor)) for v in items)


def _contents(container: list | dict) -> tuple:
    """What a plain container holds, by identity."""
    if isinstance(container, dict):
        return tuple((k, id(v)) for k, v in container.items())
    return tuple(map(id, container))


def _closure_roots(fn: Callable) -> list[tuple[str, Any]]:
    """Modules, optimizers, tensors and generators the function reaches through globals, its
    closure, the object it is bound to (``trainer.step``) or a ``functools.partial``."""
    if isinstance(fn, functools.partial):
        inner = [(f"partial.args[{i}]", a) for i, a in enumerate(fn.args)]
        inner += [(f"partial.{k}", v) for k, v in fn.keywords.items()]
        return inner + _closure_roots(fn.func)
    out = []
    owner = getattr(fn, "__self__", None)
    if owner is not None and hasattr(owner, "__dict__"):
        if isinstance(owner, (nnx.Pytree, Tensor)):
            out.append(("self", owner))
        else:
            out += [(f"self.{k}", v) for k, v in vars(owner).items()]
    code = getattr(fn, "__code__", None)
    if code is None:
        return [(n, v) for n, v in out if isinstance(v, (Tensor, nnx.Pytree, Generator))]
    globs = getattr(fn, "__globals__", {})
    for name in code.co_names:
        if name in globs:
            out.append((name, globs[name]))
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or ()):
        try:
            out.append((name, cell.cell_contents))
        except ValueError:
            continue
    return [(n, v) for n, v in out if isinstance(v, (Tensor, nnx.Pytree, Generator))]


def _arg_structure(obj: Any, tensors: list) -> Any:
    """The hashable, Python-level part of the arguments; collects the argument tensors.

    Tensors count by position (a new batch each step reuses the program); modules, optimizers
    and other objects by identity; numbers, strings and flags by value (a new value recompiles).
    """
    if type(obj) is Tensor:
        tensors.append(obj)
        return ("tensor", obj.requires_grad)
    if isinstance(obj, (nnx.Pytree, Tensor, Generator)):  # Parameters and buffers too
        return ("obj", id(obj))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_arg_structure(o, tensors) for o in obj))
    if isinstance(obj, dict):
        return ("dict", tuple((k, _arg_structure(v, tensors)) for k, v in obj.items()))
    try:
        hash(obj)
        return ("val", type(obj), obj)
    except TypeError:
        return ("id", id(obj))


def _aval(x) -> Any:
    return None if x is None else (tuple(x.shape), str(x.dtype))


class CompiledFunction:
    """The callable returned by :func:`compile`."""

    def __init__(self, fn: Callable, *, donate: bool = False) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._donate = donate
        self._plans: dict = {}
        self._extra_roots: list[tuple[str, Any]] = []
        self._signatures: list[dict] = []
        self._grads_unused: set = set()
        self._programs: dict = {}
        self._kinds: dict = {}  # program -> "step" (runs backward itself) or "pure"
        self._differentiable: dict = {}  # (program, differentiable slots) -> _Differentiable
        self._jitted = jax.jit(self._traced, static_argnums=(0, 1))
        # donate=True: only the state a step writes is donated (parameters, optimizer and
        # generator state, buffers), learned from the step's trace; never an argument tensor it
        # only reads (the batch), nor state it only reads (hyperparameters).
        self._updated: dict = {}  # program -> indices of the slots its step writes
        self._jitted_donating = jax.jit(
            self._traced_donating, static_argnums=(0, 1, 2), donate_argnums=(3,)
        )

    @property
    def num_compiles(self) -> int:
        """How many programs this function has been compiled to so far."""
        return len(self._signatures)

    def _plan(self, args: tuple, kwargs: dict) -> tuple[_Plan, list[_Slot]]:
        """The persistent state (cached on the arguments' identity and the structure version)
        and this call's argument tensors."""
        tensors: list = []
        structure = (_arg_structure(args, tensors), _arg_structure(kwargs, tensors))
        # Modes that change what the trace records: grad mode and the autocast region.
        modes = (is_grad_enabled(), _amp_region())
        key = (structure, structure_version[0], len(self._extra_roots), modes)
        plan = self._plans.get(key)
        if plan is not None and any(_contents(c) != held for c, held in plan.guards):
            plan = None  # a plain list of modules changed: scan again
        if plan is None:
            roots = [(f"arg{i}", a) for i, a in enumerate(args) if not _is_plain_tensor(a)]
            roots += [(k, v) for k, v in kwargs.items() if not _is_plain_tensor(v)]
            roots += _closure_roots(self._fn) + self._extra_roots
            slots, known, guards, syncs = _find_state(roots)
            program = _Program((structure, _fingerprint(roots), len(slots), modes))
            # One object per distinct program: later lookups (here and in jax.jit's cache) then
            # match by identity instead of comparing graph definitions field by field.
            program = self._programs.setdefault(program, program)
            plan = _Plan(slots, syncs, program, known, _global_mesh(roots), guards)
            self._plans[key] = plan
        arg_slots = [
            _Slot(t, f"argument tensor {i}")
            for i, t in enumerate(tensors)
            if id(t) not in plan.known
        ]
        return plan, arg_slots

    def __call__(self, *args, **kwargs):
        plan, arg_slots = self._plan(args, kwargs)
        for obj in plan.syncs:
            obj._compile_sync()
        slots = plan.slots + arg_slots
        values = [s.get() for s in slots]
        if plan.program in self._grads_unused:
            grads = [None] * len(slots)
        else:
            grads = [s.get_grad() for s in slots]
        mesh = plan.mesh
        if mesh is not None:  # a multi-process DDP step: global arrays in
            n = len(plan.slots)
            values = [_to_global(v, mesh, batch=i >= n) for i, v in enumerate(values)]
            grads = [_to_global(g, mesh, batch=False) for g in grads]
        keep = _kept_shardings(values)
        call = _Call(plan.program, args, kwargs, slots, plan.known)
        try:
            if is_grad_enabled() and self._kinds.get(plan.program) != "step":
                diff = tuple(i for i, s in enumerate(slots) if s.has_grad and s.obj.requires_grad)
                if diff and plan.program not in self._kinds:
                    # Trace (not run) once to learn whether the function runs its own backward.
                    self._jitted.trace(call, keep, values, grads)
                if diff and self._kinds[plan.program] == "pure":
                    if mesh is not None:
                        raise NotImplementedError(
                            "a compiled function without its own backward (compile(model)(x)) "
                            "over a multi-process DistributedDataParallel; compile the whole "
                            "training step instead"
                        )
                    return self._call_differentiable(call, values, grads, diff)
            if self._donate:
                updated = self._updated.get(plan.program)
                if updated is None:  # trace (not run) once to learn what the step writes
                    self._jitted.trace(call, keep, values, grads)
                    updated = self._updated[plan.program]
                written = set(updated)
                out, new_values, new_grads = self._jitted_donating(
                    call,
                    keep,
                    updated,
                    [values[i] for i in updated],
                    [None if i in written else v for i, v in enumerate(values)],
                    grads,
                )
            else:
                out, new_values, new_grads = self._jitted(call, keep, values, grads)
        except _Retrace:
            self._plans.clear()
            return self(*args, **kwargs)
        finally:
            call.release()
        if mesh is not None:  # ... and this process's local arrays out
            out, new_values, new_grads = jax.tree.map(_to_local, (out, new_values, new_grads))
        for i, v in new_values.items():
            slots[i].set(v)
        for i, g in new_grads.items():
            slots[i].set_grad(g)
        return _unpack(out)

    def _call_differentiable(self, call: _Call, values: list, grads: list, diff: tuple):
        """A call whose outputs join the autograd graph: the function has no ``backward`` of its
        own (``compile(model)(x)``), so ``out.backward()`` later must reach the parameters. The
        program returns its outputs and the pullback's residuals; backward is a second program.
        """
        slots = call.slots
        entry = self._differentiable.get((call.program, diff))
        if entry is None:
            entry = self._differentiable[(call.program, diff)] = _Differentiable(self, diff)
        douts, (out, new_values, new_grads), residuals, layout = entry.forward(call, values, grads)
        for i, v in new_values.items():
            slots[i].set(v)
        for i, g in new_grads.items():
            slots[i].set_grad(g)
        backward = entry.backward(layout.value)
        linked = iter(
            record(
                "CompiledFunctionBackward",
                functools.partial(backward, residuals),
                [slots[i].obj for i in diff],
                (True,) * len(diff),
                tuple(douts),
            )
        )

        def link(x):
            if isinstance(x, Tensor) and differentiable(x._data):
                return next(linked)
            return x

        out = jax.tree.map(link, out, is_leaf=lambda x: isinstance(x, Tensor))
        return _unpack(out)

    def _traced(self, call: _Call, keep: tuple, values: list, grads: list, explain: bool = True):
        """The function run on traced ``values`` (and ``.grad`` ``grads``) of ``call.slots``:
        its output, and the slots' new values and gradients (by index, where they changed)."""
        program, slots = call.program, call.slots
        if explain:
            self._explain(program, slots, values, grads)
        saved = [
            (
                s.get(),
                s.obj._grad if s.has_grad else None,
                getattr(s.obj, "grad_fn", None) if s.has_grad else None,
            )
            for s in slots
        ]
        trace = Trace(call.known | {id(s.obj) for s in slots})
        active.append(trace)
        try:
            for s, v, g in zip(slots, values, grads):
                s.set(v)
                if s.has_grad:
                    s.set_grad(g)
            try:
                out = self._fn(*call.args, **call.kwargs)
            except (
                jax.errors.ConcretizationTypeError,
                jax.errors.TracerBoolConversionError,
                jax.errors.TracerIntegerConversionError,
                jax.errors.TracerArrayConversionError,
            ) as e:
                raise RuntimeError(_translate(e)) from None
            new_values, new_grads = {}, {}
            for i, (s, v, g) in enumerate(zip(slots, values, grads)):
                sharding = keep[i] if keep else None
                now = s.get()
                if now is not v:
                    new_values[i] = _constrain(now, v, sharding)
                if s.has_grad:
                    ng = s.get_grad()
                    if ng is not g:
                        new_grads[i] = _constrain(ng, v, sharding)
            out = _pack(out)
        finally:
            active.pop()
            for _, obj, value, grad in trace.missed:  # state met during the trace: restore it
                if isinstance(obj, Generator):
                    obj._key = value
                elif isinstance(obj, nnx.Pytree):  # an optimizer: (Variable, value) pairs
                    for var, v in value:
                        object.__setattr__(var, "_raw_value", v)
                else:
                    object.__setattr__(obj, "_raw_value", value)
                    object.__setattr__(obj, "_grad", grad)
            for s, (v, g, fn) in zip(slots, saved):
                s.set(v)
                if s.has_grad:
                    object.__setattr__(s.obj, "_grad", g)
                    if fn is not None or getattr(s.obj, "grad_fn", None) is not None:
                        object.__setattr__(s.obj, "grad_fn", fn)
        if trace.missed:
            self._extra_roots.extend((name, obj) for name, obj, _, _ in trace.missed)
            raise _Retrace()
        self._kinds[program] = "step" if trace.grads_written or new_grads else "pure"
        self._updated[program] = tuple(sorted(new_values))
        if not trace.reads_input_grads:
            # The step never reads the incoming .grad (it starts with zero_grad): later calls
            # pass None for them, so grads appearing after the first step do not recompile.
            self._grads_unused.add(program)
        return out, new_values, new_grads

    def _traced_donating(
        self, call: _Call, keep: tuple, updated: tuple, donated: list, others: list, grads
    ):
        """``_traced`` with the state the step writes (``updated``) passed apart, donated."""
        values = list(others)
        for i, v in zip(updated, donated):
            values[i] = v
        out, new_values, new_grads = self._traced(call, keep, values, grads, explain=False)
        for i, v in zip(updated, donated):  # every donated buffer must be handed back
            new_values.setdefault(i, v)
        return out, new_values, new_grads

    def _explain(self, program: _Program, slots: list, values: list, grads: list) -> None:
        sig = {s.name: (_aval(v), _aval(g)) for s, v, g in zip(slots, values, grads)}
        sig["<python arguments>"] = program.key[0]
        sig["<grad mode and autocast region>"] = program.key[3]
        sig["<module and optimizer configuration (training flags, layer options)>"] = program.key[1]
        if self._signatures:
            prev = self._signatures[-1]
            reasons = [
                _reason(k, prev.get(k), sig.get(k))
                for k in sorted(set(prev) | set(sig), key=str)
                if prev.get(k) != sig.get(k)
            ]
            msg = (
                f"torchlike.compile: recompiling {self.__name__} "
                f"(compile #{len(self._signatures) + 1}) because "
                + ("; ".join(r for r in reasons[:5] if r) or "the traced structure changed")
                + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
            )
            log.info(msg)
            if len(self._signatures) + 1 == cache_size_limit:
                warnings.warn(
                    msg + f". This function has now been compiled {cache_size_limit} "
                    "times; keep shapes and dtypes fixed between calls (pad the last "
                    "batch or use drop_last=True) to avoid recompiling.",
                    stacklevel=4,
                )
        self._signatures.append(sig)


class _Call:
    """One call's Python arguments and state slots, handed to the traced function as
    ``jax.jit``'s static argument. It hashes and compares as its program, so jax.jit's cache is
    keyed by the program alone (the arguments' structure is part of it); jax.jit keeps static
    arguments in its cache, so the arguments are released when the call returns."""

    __slots__ = ("program", "args", "kwargs", "slots", "known")

    def __init__(self, program: _Program, args: tuple, kwargs: dict, slots: list, known: set):
        self.program = program
        self.args = args
        self.kwargs = kwargs
        self.slots = slots
        self.known = known  # ids of every object the state scan visited

    def release(self) -> None:
        self.args = self.kwargs = self.slots = self.known = None

    def __hash__(self) -> int:
        return hash(self.program)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Call) and self.program == other.program


class _Plan:
    """The state slots for one set of arguments, and the program they run."""

    __slots__ = ("slots", "syncs", "program", "known", "mesh", "guards")

    def __init__(
        self,
        slots: list,
        syncs: list,
        program: _Program,
        known: set[int],
        mesh=None,
        guards: tuple = (),
    ) -> None:
        self.slots = slots
        self.syncs = syncs
        self.program = program
        self.known = known  # ids of every object the scan visited
        self.mesh = mesh  # the global mesh of a multi-process DDP, else None
        self.guards = guards  # (plain container, what it held when scanned)


class _Program:
    """The static key of a compiled program: argument structure plus module configuration.

    Equal keys share one compiled program (toggling ``train()``/``eval()`` back and forth
    re-uses the earlier compilation instead of compiling again).
    """

    __slots__ = ("key", "_hash")

    def __init__(self, key: tuple) -> None:
        self.key = key
        self._hash = hash(key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return self is other or (isinstance(other, _Program) and self.key == other.key)


def _fingerprint(roots: list[tuple[str, Any]]) -> tuple:
    """Everything Python-level a trace bakes in: each module's NNX graph definition (training
    flags, layer options, structure) and each optimizer's static configuration."""
    out = []
    for _, obj in roots:
        static = obj._compile_static() if isinstance(obj, CompileParticipant) else None
        if static is not None:
            out.append(static)
        elif isinstance(obj, nnx.Pytree):
            out.append(_ByValue.of(nnx.graphdef(obj)))
    return tuple(out)


class _ByValue:
    """A graph definition that cannot be hashed (a module holds a plain list or dict of
    Python values, ``self.sizes = [64, 128]``), compared by value; its hash is its type's."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    @classmethod
    def of(cls, value: Any) -> Any:
        try:
            hash(value)
        except TypeError:
            return cls(value)
        return value

    def __eq__(self, other) -> bool:
        return isinstance(other, _ByValue) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(type(self.value))


@functools.cache
def _one_device() -> bool:
    """Whether this process sees a single device (fixed once JAX's backend has started)."""
    return jax.device_count() == 1


def _kept_shardings(values: list) -> tuple | None:
    """For each value, its sharding when the program must hand it back sharded the same way (a
    ``NamedSharding`` that splits it over devices), else None; None when nothing is sharded."""
    if _one_device():  # nothing can be split over devices: no need to look
        return None
    out = []
    for v in values:
        sharding = getattr(v, "sharding", None)
        if isinstance(sharding, NamedSharding) and not sharding.is_fully_replicated:
            out.append(sharding)
        else:
            out.append(None)
    return tuple(out) if any(s is not None for s in out) else None


def _constrain(x, like, sharding):
    """``x`` (the new value of state that came in as ``like``) kept on ``sharding``."""
    if sharding is None or x is None or x.shape != like.shape:
        return x
    return jax.lax.with_sharding_constraint(x, sharding)


def _global_mesh(roots: list[tuple[str, Any]]):
    """The global mesh of a multi-process ``DistributedDataParallel`` the step reaches, if any."""
    if jax.process_count() == 1:
        return None
    for _, obj in roots:
        nodes = (n for _, n in nnx.iter_graph(obj)) if isinstance(obj, nnx.Pytree) else [obj]
        for node in nodes:
            if isinstance(node, CompileParticipant) and node._compile_global_mesh is not None:
                return node._compile_global_mesh
    return None


def _to_global(x, mesh: Mesh, batch: bool):
    """A process-local array as a global array on ``mesh``: replicated state (every process holds
    the same value), or, for ``batch``, this process's rows of a batch split along dim 0."""
    if x is None or not isinstance(x, jax.Array) or not x.is_fully_addressable:
        return x  # already global
    if batch and x.ndim >= 1:
        sharding = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
        local = np.asarray(x)
        shape = (local.shape[0] * jax.process_count(), *local.shape[1:])
        return jax.make_array_from_process_local_data(sharding, local, shape)
    sharding = NamedSharding(mesh, PartitionSpec())
    devices = sharding.addressable_devices_indices_map(x.shape)
    return jax.make_array_from_single_device_arrays(
        x.shape, sharding, [jax.device_put(x, d) for d in devices]
    )


def _to_local(x):
    """A global array (from a multi-process step) as this process's part of it: the value of a
    replicated array, or the local rows of one split along dim 0."""
    if not isinstance(x, jax.Array) or x.is_fully_addressable:
        return x
    if x.sharding.is_fully_replicated:
        return x.addressable_data(0)
    shards, seen = [], set()
    for shard in sorted(x.addressable_shards, key=lambda s: s.index[0].start or 0):
        start = shard.index[0].start or 0
        if start not in seen:
            seen.add(start)
            shards.append(shard.data)
    device = shards[0].devices().pop()
    return jax.numpy.concatenate([jax.device_put(s, device) for s in shards])


class _Retrace(Exception):
    """Raised out of a trace that met state the scan had missed; the call is traced again."""


def _is_plain_tensor(obj) -> bool:
    return isinstance(obj, Tensor) and not isinstance(obj, nnx.Variable)


class _Differentiable:
    """The forward-with-pullback program of a compiled function, and its backward programs."""

    def __init__(self, owner: CompiledFunction, diff: tuple) -> None:
        self._owner = owner
        self._diff = diff
        self.forward = jax.jit(self._forward, static_argnums=0)
        self._backward: dict = {}  # id(pullback treedef) -> (layout, jitted backward)

    def _forward(self, call: _Call, values: list, grads: list):
        def f(*vals):
            out, new_values, new_grads = self._owner._traced(
                call, None, list(vals), grads, explain=False
            )
            leaves = jax.tree.leaves(out, is_leaf=lambda x: isinstance(x, Tensor))
            douts = tuple(
                x._data for x in leaves if isinstance(x, Tensor) and differentiable(x._data)
            )
            return douts, (out, new_values, new_grads)

        mask = tuple(i in self._diff for i in range(len(values)))
        douts, aux, residuals, layout = vjp(f, values, mask, flat=True)
        return douts, aux, residuals, _Static(layout)

    def backward(self, layout: tuple) -> Callable:
        """The jitted backward for one residual layout (kept alive with it: keyed by id)."""
        entry = self._backward.get(id(layout[0]))
        if entry is None:
            fn = jax.jit(functools.partial(call_pullback, layout))
            entry = self._backward[id(layout[0])] = (layout, fn)
        return entry[1]


@jax.tree_util.register_pytree_node_class
class _Static:
    """A Python value (a number, a shape, a string) leaving a compiled function as itself."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def tree_flatten(self):
        return (), _Hashable(self.value)

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(aux.value)


class _Hashable:
    """Tree metadata must compare and hash; unhashable values compare by identity."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other) -> bool:
        if not isinstance(other, _Hashable):
            return False
        try:
            return bool(type(self.value) is type(other.value) and self.value == other.value)
        except Exception:
            return self.value is other.value

    def __hash__(self) -> int:
        try:
            return hash((type(self.value), self.value))
        except TypeError:
            return id(self.value)


@jax.tree_util.register_pytree_node_class
class _Dict:
    """A dict leaving a compiled function, in its own key order (JAX would sort the keys)."""

    __slots__ = ("type", "keys", "values")

    def __init__(self, type_: type, keys: tuple, values: list) -> None:
        self.type, self.keys, self.values = type_, keys, values

    def tree_flatten(self):
        return self.values, (self.type, self.keys)

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(aux[0], aux[1], list(children))


def _pack(x):
    """What a compiled function returns, as a pytree: tensors and arrays are its leaves, other
    Python values ride along as static data and come back unchanged."""
    if isinstance(x, Tensor):
        return Tensor._wrap(x._data)
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, nnx.Pytree):
        raise TypeError(
            "a torchlike.compile'd function cannot return a Module or Optimizer; they are "
            "updated in place, so return only tensors and Python values"
        )
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*map(_pack, x))
    if type(x) in (list, tuple):
        return type(x)(map(_pack, x))
    if isinstance(x, dict):
        return _Dict(type(x), tuple(x), [_pack(v) for v in x.values()])
    return _Static(x)


def _unpack(x):
    if isinstance(x, _Static):
        return x.value
    if isinstance(x, _Dict):
        d = dict(zip(x.keys, map(_unpack, x.values)))
        return d if x.type is dict else x.type(d)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*map(_unpack, x))
    if type(x) in (list, tuple):
        return type(x)(map(_unpack, x))
    return x


def _reason(name: str, before, after) -> str:
    if before is None:
        return f"{name} is new"
    if after is None:
        return f"{name} is gone"
    if name.startswith("<") and name.endswith(">"):
        return f"{name[1:-1]} changed"
    (v0, g0), (v1, g1) = before, after
    if v0 != v1:
        return f"{name} changed from {_fmt(v0)} to {_fmt(v1)}"
    if (g0 is None) != (g1 is None):
        return (
            f"{name}.grad went from {'None' if g0 is None else 'a tensor'} to "
            f"{'None' if g1 is None else 'a tensor'}"
        )
    return f"{name}.grad changed from {_fmt(g0)} to {_fmt(g1)}"


def _fmt(aval) -> str:
    return "None" if aval is None else f"{aval[1]}{list(aval[0])}"


def _translate(e: Exception) -> str:
    return (
        "a value inside the compiled function was needed as a concrete Python value (for an "
        "`if` on a tensor, `int(tensor)`, `.item()`, `.tolist()`, `.numpy()` or a "
        "data-dependent shape), but inside torchlike.compile values are only known when the "
        "whole step runs. Use torch.where(cond, a, b) instead of `if`, keep shapes fixed, or "
        "move that code outside the compiled function. JAX said: " + str(e).split("\n")[0]
    )


def compile(
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
    donate: bool = False,
):
    """Compile ``model`` (a function or an ``nn.Module``) into one XLA program per input shape.

    PyTorch's arguments are accepted (``backend``, ``mode``, ``dynamic``, ``options`` are ignored:
    XLA is the only backend). The function is always one whole program, as with
    ``fullgraph=True``: where PyTorch would break the graph (Python control flow on a tensor's
    value, ``.item()``), torchlike raises an error saying what to change, whatever ``fullgraph``
    says. ``donate=True`` lets XLA reuse the buffers of the state the step
    writes (parameters, optimizer state, buffers: less accelerator memory); arrays taken from that
    state before the call (``w = p.detach()``) become invalid. What the step only reads (the
    batch, hyperparameters) is never donated. Usable as a decorator.
    """

    def wrap(fn):
        if disable:
            return fn
        from .nn.modules.module import Module

        if isinstance(fn, Module):
            return _CompiledModule(fn, donate=donate)
        return CompiledFunction(fn, donate=donate)

    return wrap if model is None else wrap(model)


class _CompiledModule:
    """``torch.compile(module)``: calls go through a compiled ``module(*args)``."""

    def __init__(self, module, donate: bool) -> None:
        self._orig_mod = module
        self._call = CompiledFunction(lambda m, *a, **k: m(*a, **k), donate=donate)
        self._call.__name__ = type(module).__name__

    def __call__(self, *args, **kwargs):
        return self._call(self._orig_mod, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._orig_mod, name)
