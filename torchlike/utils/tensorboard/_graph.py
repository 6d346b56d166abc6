"""``SummaryWriter.add_graph``: a model's graph as TensorBoard's ``GraphDef``.

PyTorch records the model with ``torch.jit.trace`` (the ops one call on ``input_to_model``
runs) and writes one ``NodeDef`` per op, named after the module hierarchy
(``Net/Sequential[head]/Linear[1]/...``). torchlike records it with ``torchlike.fx``, tracing
with Proxies that carry the real values of that call: ``if x.sum() > 0:``, ``range(x.size(0))``
and ``len(x)`` take the branch, the count and the length the input gives (the graph is
specialised to them, with PyTorch's ``TracerWarning`` for a tensor used as a condition), as
``jit.trace``'s graph is. Every module, torchlike.nn's layers included, is traced through, so an
op sits in the scope of the module that ran it; a module whose ``forward`` cannot be recorded
this way becomes one node of its class's name (with a ``TracerWarning`` when it is the user's
module). Errors of the model itself, and the inputs and outputs ``jit.trace`` refuses, raise as
PyTorch's ``add_graph`` does (RuntimeErrors after printing "Error occurs, No graph saved").

Nodes: ``input/<arg>`` and ``output/output.1`` (``IO Node``); parameters and buffers
(``prim::GetAttr``); ops as ``aten::<name>`` (``aten::linear``, ``aten::relu``, ``aten::add``);
Python constants among an op's arguments (``prim::Constant``) and lists of values
(``prim::ListConstruct``). Each node has ``_output_shapes`` (and ``dtype``) for tensor results.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import operator
import warnings
from typing import Any

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.types_pb2 import DataType
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ... import fx, nn
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...fx import _torch_ops
from ...fx.node import Node, map_arg
from ...fx.proxy import Attribute, Proxy, find_proxy
from ...jit import TracerWarning

_DTYPES = {
    "float32": "DT_FLOAT",
    "float64": "DT_DOUBLE",
    "float16": "DT_HALF",
    "bfloat16": "DT_BFLOAT16",
    "int8": "DT_INT8",
    "int16": "DT_INT16",
    "int32": "DT_INT32",
    "int64": "DT_INT64",
    "uint8": "DT_UINT8",
    "bool": "DT_BOOL",
    "complex64": "DT_COMPLEX64",
    "complex128": "DT_COMPLEX128",
}

# operator functions (what ``a + b`` on a Proxy records) by their TorchScript op names
_OPERATORS = {
    "truediv": "div",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "getitem": "__getitem__",
    "and_": "__and__",
    "or_": "__or__",
    "xor": "__xor__",
    "lshift": "__lshift__",
    "rshift": "__rshift__",
    "invert": "bitwise_not",
    "pos": "positive",
}

_BOOL_WARNING = (
    "Converting a tensor to a Python boolean might cause the trace to be incorrect. We can't "
    "record the data flow of Python values, so this value will be treated as a constant in the "
    "future. This means that the trace might not generalize to other inputs!"
)
_INDEX_WARNING = (
    "Converting a tensor to a Python {} might cause the trace to be incorrect. We can't record "
    "the data flow of Python values, so this value will be treated as a constant in the future. "
    "This means that the trace might not generalize to other inputs!"
)
_DICT_OUTPUT = (
    "Encountering a {} at the output of the tracer might cause the trace to be incorrect, this "
    "is only valid if the container structure does not change based on the module's inputs. "
    "Consider using a constant container instead (e.g. for `list`, use a `tuple` instead. for "
    "`dict`, use a `NamedTuple` instead). If you absolutely need this and know the side effects, "
    "pass strict=False to trace() to allow this behavior."
)


def _is_torchlike_nn(module: Any) -> bool:
    name = type(module).__module__
    return name == "torchlike.nn" or name.startswith("torchlike.nn.")


# -- Proxies with values ---------------------------------------------------------------------------
# A tensor's metadata: ``jit.trace`` answers with Python values, which the graph keeps as
# constants (so ``x.dtype != w.dtype`` and ``if x.dim() == 4`` are decided, not recorded).
_METADATA = frozenset(
    {"dtype", "device", "layout", "ndim", "requires_grad", "is_cuda", "is_leaf", "is_sparse",
     "is_quantized", "is_meta", "dim", "ndimension", "is_floating_point", "is_complex",
     "is_contiguous", "element_size", "get_device"}
)  # fmt: skip


class _Valued:
    """Python conversions answer with the traced value (the graph keeps it as a constant)."""

    def __getattr__(self, k: str) -> Any:
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)
        if k in _METADATA:
            value = self.tracer.values[self.node]  # type: ignore[attr-defined]
            if isinstance(value, Tensor):
                return getattr(value, k)
        return _ValuedAttribute(self, k)

    def _convert(self, kind: str, fn: Any) -> Any:
        return self.tracer.concrete(self, kind, fn)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return self._convert("", len)

    def __index__(self) -> int:
        return self._convert("index", operator.index)

    def __int__(self) -> int:
        return self._convert("integer", int)

    def __float__(self) -> float:
        return self._convert("float", float)

    def __complex__(self) -> complex:
        return self._convert("complex", complex)

    def __contains__(self, item: Any) -> bool:
        return self._convert("", lambda v: item in v)


class _ValuedProxy(_Valued, Proxy):
    pass


class _ValuedAttribute(_Valued, Attribute):
    pass


class _GraphTracer(fx.Tracer):
    """``fx.Tracer`` recording every module (none is a leaf), the module each Node was made in
    (``node.meta["tb_scope"]``), and the value of each Node on the given inputs."""

    def __init__(self, inputs: tuple[Any, ...]) -> None:
        super().__init__()
        self._inputs = list(inputs)
        self.values: dict[Node, Any] = {}
        self._scope = [""]
        self._evaluating = 0
        self._param_cache: dict[str, Proxy] | None = None
        self._const_nodes: dict[int, tuple[Node, Any]] = {}  # id(tensor) -> (get_attr Node, tensor)
        self._const_values: dict[str, Any] = {}

    # -- what Nodes are made, and their values ------------------------------------------------
    def proxy(self, node: Node) -> Proxy:
        return _ValuedProxy(node, self)

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return False

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None,
                     proxy_factory_fn=None):  # fmt: skip
        if kind != "placeholder":
            return super().create_proxy(kind, target, args, kwargs, name, type_expr,
                                        proxy_factory_fn)  # fmt: skip
        if target.startswith("**"):
            return {}
        if target.startswith("*"):
            rest, self._inputs = self._inputs, []
            return tuple(self._placeholder(f"{target[1:]}_{i}", v) for i, v in enumerate(rest))
        if not self._inputs:  # a parameter the inputs leave to its default
            if not args:
                raise TypeError(f"forward() missing a required positional argument: {target!r}")
            return args[0]
        return self._placeholder(target, self._inputs.pop(0))

    def _placeholder(self, name: str, value: Any) -> Proxy:
        node = self.create_node("placeholder", name, (), {})
        self.values[node] = value
        return self.proxy(node)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None) -> Node:
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        node.meta["tb_scope"] = self._scope[-1]
        if kind in ("placeholder", "output"):
            return node
        if kind == "get_attr":
            value = self._const_values.get(target)
            self.values[node] = self.fetch(target) if value is None else value
            return node
        args, kwargs = map_arg((node.args, node.kwargs), self.values.__getitem__)
        with self.evaluating():
            if kind == "call_function":
                value = node.target(*args, **kwargs)
            elif kind == "call_method":
                value = getattr(args[0], target)(*args[1:], **kwargs)
            else:  # call_module
                value = self.root.get_submodule(target)(*args, **kwargs)
        self.values[node] = value
        return node

    def fetch(self, qualname: str) -> Any:
        obj = self.root
        with self.evaluating():
            for atom in qualname.split("."):
                obj = getattr(obj, atom)
        return obj

    def create_arg(self, a: Any) -> Any:
        """A tensor that is no parameter, buffer or attribute of the model (one ``forward``
        made) is a constant Node of this graph; unlike ``fx.Tracer``, nothing is set on the
        model."""
        if isinstance(a, Tensor) and not isinstance(a, nn.Parameter):
            if id(a) not in self.tensor_attrs and not any(a is b for b in self._buffers()):
                if id(a) not in self._const_nodes:
                    qualname = f"_tensor_constant{len(self._const_values)}"
                    self._const_values[qualname] = a
                    node = self.create_node("get_attr", qualname, (), {})
                    node.meta["tb_constant"] = True
                    self._const_nodes[id(a)] = (node, a)
                return self._const_nodes[id(a)][0]
        return super().create_arg(a)

    def _buffers(self) -> Any:
        return (b for _, b in self.root.named_buffers())

    @contextlib.contextmanager
    def evaluating(self):
        """Run code on the values: modules and parameters are read as they are."""
        self._evaluating += 1
        try:
            yield
        finally:
            self._evaluating -= 1

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict) -> Any:
        self._param_cache = parameter_proxy_cache
        if self._evaluating:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    # -- Python asking for values -------------------------------------------------------------
    def concrete(self, proxy: Proxy, kind: str, fn: Any) -> Any:
        value = self.values[proxy.node]
        if kind and isinstance(value, Tensor) and not self._in_torchlike_nn():
            warnings.warn(_INDEX_WARNING.format(kind), TracerWarning, stacklevel=4)
        return fn(value)

    def to_bool(self, obj: Proxy) -> bool:
        value = self.values[obj.node]
        if isinstance(value, Tensor) and not self._in_torchlike_nn():
            warnings.warn(_BOOL_WARNING, TracerWarning, stacklevel=3)
        return bool(value)

    def iter(self, obj: Proxy) -> Any:
        value = self.values[obj.node]
        if isinstance(value, dict):
            return iter(list(value))
        return iter([obj[i] for i in range(len(value))])

    def keys(self, obj: Proxy) -> Any:
        return list(self.values[obj.node].keys())

    def _in_torchlike_nn(self) -> bool:
        path = self._scope[-1]
        return bool(path) and _is_torchlike_nn(self.root.get_submodule(path))

    # -- modules ------------------------------------------------------------------------------
    def call_module(self, m, forward, args, kwargs) -> Any:
        """Trace into ``m`` in its scope; if its ``forward`` cannot be recorded, the Nodes it
        made go and it is one ``call_module`` Node."""
        if self._evaluating or find_proxy(args, kwargs) is None:
            with self.evaluating():
                return forward(*args, **kwargs)
        path = self.path_of_module(m)
        self.num_calls[path] = self.num_calls.get(path, 0) + 1
        last = next(iter(reversed(self.graph.nodes)), None)
        self._scope.append(path)
        try:
            return forward(*args, **kwargs)
        except Exception as e:
            self._erase_after(last)
            if not _is_torchlike_nn(m):
                message = (
                    f"add_graph could not record the operations of {type(m).__name__}.forward "
                    f"({type(e).__name__}: {e}); it is drawn as one node"
                )
                warnings.warn(message, TracerWarning, stacklevel=3)  # the caller's line
            return self.create_proxy("call_module", path, args, kwargs)
        finally:
            self._scope.pop()

    def _erase_after(self, last: Node | None) -> None:
        for node in list(reversed(self.graph.nodes)):
            if node is last:
                break
            self.graph.erase_node(node)
            self.values.pop(node, None)
            if node.meta.get("tb_constant"):
                self._const_nodes = {k: v for k, v in self._const_nodes.items() if v[0] is not node}
        if self._param_cache:
            for name, proxy in list(self._param_cache.items()):
                if proxy.node._erased:
                    del self._param_cache[name]


# -- the GraphDef ----------------------------------------------------------------------------------
def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _leaves(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    return [value]


def _jit_type(value: Any) -> str:
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, tuple):
        return f"Tuple[{', '.join(_jit_type(v) for v in value)}]"
    if isinstance(value, list):
        return f"List[{_jit_type(value[0]) if value else 'Tensor'}]"
    if isinstance(value, dict):
        item = next(iter(value.items()), ("", None))
        return f"Dict[{_jit_type(item[0])}, {_jit_type(item[1])}]"
    return type(value).__name__


def _check_inputs(inputs: tuple[Any, ...]) -> None:
    if not all(isinstance(v, Tensor) for v in _leaves(inputs)):
        raise RuntimeError(
            f"Type '{_jit_type(inputs)}' cannot be traced. Only Tensors and (possibly nested) "
            "Lists, Dicts, and Tuples of Tensors can be traced"
        )


def _check_output(value: Any, strict: bool) -> None:
    if not all(isinstance(v, Tensor) for v in _leaves(value)):
        raise RuntimeError(
            "Only tensors, lists, tuples of tensors, or dictionary of tensors can be output from "
            "traced functions"
        )
    if strict and isinstance(value, dict):
        raise RuntimeError(_DICT_OUTPUT.format("dict"))
    if strict and isinstance(value, list):
        warnings.warn(_DICT_OUTPUT.format("list"), TracerWarning, stacklevel=4)


def _kind(node: Node, root: nn.Module) -> str:
    if node.op == "get_attr":
        return "prim::Constant" if node.meta.get("tb_constant") else "prim::GetAttr"
    if node.op == "call_method":
        return f"aten::{node.target}"
    if node.op == "call_module":
        return type(root.get_submodule(node.target)).__name__
    target = node.target
    if target is getattr:
        return "aten::size" if node.args[1] == "shape" else f"prim::{node.args[1]}"
    name = _torch_ops.torch_name(target)
    if name is not None:
        return "aten::" + name.rsplit(".", 1)[1]
    if getattr(target, "__module__", None) in ("_operator", "operator"):
        return "aten::" + _OPERATORS.get(target.__name__, target.__name__)
    module = getattr(target, "__module__", None) or ""
    qualname = getattr(target, "__qualname__", repr(target))
    if module.startswith("torchlike"):
        return f"aten::{target.__name__}"
    return f"{module}.{qualname}" if module else qualname


def _attrs(value: Any, text: str, shapes: bool = True) -> dict[str, AttrValue]:
    attr = {"attr": AttrValue(s=text.encode("utf_8"))}
    tensors = [v for v in _leaves(value) if isinstance(v, Tensor)]
    if shapes and tensors:
        protos = [TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in t.shape])
                  for t in tensors]  # fmt: skip
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=protos))
    if shapes and isinstance(value, Tensor):
        dtype = _DTYPES.get(str(value.dtype).rsplit(".", 1)[-1])
        if dtype is not None:
            attr["dtype"] = AttrValue(type=DataType.Value(dtype))
    return attr


def _text(d: dict[str, Any]) -> str:
    return str(d).replace("'", " ")  # as PyTorch writes them (quotes upset TensorBoard)


class _Builder:
    def __init__(self, root: nn.Module) -> None:
        self.root = root
        self.nodes: list[NodeDef] = []
        self.numbers = itertools.count(1)
        self._scopes: dict[str, str] = {}
        self._names: set[str] = set()

    def scope(self, path: str) -> str:
        """``Net/Sequential[head]/Linear[1]`` for the module ``head.1``."""
        if path not in self._scopes:
            parts = [type(self.root).__name__]
            atoms = path.split(".") if path else []
            for i, atom in enumerate(atoms):
                module = self.root.get_submodule(".".join(atoms[: i + 1]))
                parts.append(f"{type(module).__name__}[{atom}]")
            self._scopes[path] = "/".join(parts)
        return self._scopes[path]

    def add(self, name: str, op: str, inputs: list[str], value: Any, text: str = "") -> str:
        if name in self._names:  # two reads of same-named attributes in one scope
            name = next(
                f"{name}.{i}" for i in itertools.count(1) if f"{name}.{i}" not in self._names
            )
        self._names.add(name)
        self.nodes.append(NodeDef(name=name, op=op, input=inputs, attr=_attrs(value, text)))
        return name

    def argument(self, arg: Any, scope: str, names: dict[Node, str]) -> list[str]:
        """The input names for one argument: a Node's name, a constant, or a list."""
        if isinstance(arg, Node):
            return [names[arg]]
        if isinstance(arg, (tuple, list)) and any(isinstance(a, Node) for a in _leaves(arg)):
            inputs = [n for a in arg for n in self.argument(a, scope, names)]
            op = "prim::TupleConstruct" if isinstance(arg, tuple) else "prim::ListConstruct"
            return [self.add(f"{scope}/{next(self.numbers)}", op, inputs, None, "{}")]
        if isinstance(arg, dict) and any(isinstance(a, Node) for a in _leaves(arg)):
            inputs = [n for a in arg.values() for n in self.argument(a, scope, names)]
            return [self.add(f"{scope}/{next(self.numbers)}", "prim::DictConstruct", inputs,
                             None, "{}")]  # fmt: skip
        value = list(arg) if isinstance(arg, (tuple, list)) else arg
        name = f"{scope}/{next(self.numbers)}"
        return [self.add(name, "prim::Constant", [], arg, _text({"value": value}))]


def _explicit(node: Node) -> list[Any]:
    """The keyword arguments of a call that are not its function's defaults (a functional's
    ``inplace=False`` is no input of the op)."""
    try:
        params = inspect.signature(node.target).parameters if node.op == "call_function" else {}
    except (TypeError, ValueError):
        params = {}
    out = []
    for key, value in node.kwargs.items():
        default = params[key].default if key in params else inspect.Parameter.empty
        if isinstance(value, Node) or not _same(value, default):
            out.append(value)
    return out


def _same(value: Any, default: Any) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # values without a plain ==
        return False


def _dead(node: Node) -> bool:
    if node.users or node.op in ("placeholder", "output"):
        return False
    if node.op == "call_method":
        return not (node.target.endswith("_") and not node.target.startswith("_"))
    if node.op == "call_function":
        name = _torch_ops.torch_name(node.target) or ""
        return not name.endswith("_")
    return True


def _graph_def(root: nn.Module, graph: fx.Graph, values: dict[Node, Any]) -> list[NodeDef]:
    for node in list(reversed(graph.nodes)):  # what no output needs goes, as in jit graphs
        if _dead(node):
            graph.erase_node(node)
    build = _Builder(root)
    names: dict[Node, str] = {}
    for node in graph.nodes:
        scope = build.scope(node.meta.get("tb_scope", ""))
        value = values.get(node)
        if node.op == "placeholder":
            if node.users:
                names[node] = build.add(f"input/{node.target}", "IO Node", [], value)
            continue
        if node.op == "output":
            (inputs,) = [build.argument(a, scope, names) for a in node.args]
            result = node.args[0]
            value = values.get(result) if isinstance(result, Node) else None
            build.add("output/output.1", "IO Node", inputs, value)
            continue
        if node.op == "get_attr":
            if node.meta.get("tb_constant"):
                text = _text({"value": repr(value)})
                names[node] = build.add(f"{scope}/{node.name}", "prim::Constant", [], value, text)
            else:
                text = _text({"name": node.target.rsplit(".", 1)[-1]})
                name = f"{scope}/{node.target.rsplit('.', 1)[-1]}"
                names[node] = build.add(name, "prim::GetAttr", [], value, text)
            continue
        arguments = (*node.args, *_explicit(node))
        inputs = [n for a in arguments for n in build.argument(a, scope, names)]
        names[node] = build.add(f"{scope}/{node.name}", _kind(node, root), inputs, value, "{}")
    return build.nodes


def _fallback(root: nn.Module, inputs: tuple[Any, ...], output: Any) -> list[NodeDef]:
    """The model as one node, from its inputs to its output."""
    build = _Builder(root)
    try:
        params = list(inspect.signature(root.forward).parameters)
    except (TypeError, ValueError):
        params = []
    names = []
    for i, value in enumerate(inputs):
        name = params[i] if i < len(params) and not params[i].startswith("*") else f"input_{i}"
        names.append(build.add(f"input/{name}", "IO Node", [], value))
    scope = build.scope("")
    op = build.add(f"{scope}/forward", type(root).__name__, names, output, "{}")
    build.add("output/output.1", "IO Node", [op], output)
    return build.nodes


@contextlib.contextmanager
def _eval_mode(model: nn.Module):
    training = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(training)


def _as_tuple(args: Any) -> tuple[Any, ...]:
    """``input_to_model`` as ``jit.trace`` takes it: a tensor (or dict) is the one argument,
    any other iterable the arguments."""
    if args is None:
        raise RuntimeError("example_kwarg_inputs should be a dict")
    if isinstance(args, (Tensor, dict)):
        return (args,)
    return args if isinstance(args, tuple) else tuple(args)


def graph(
    model: nn.Module, args: Any, verbose: bool = False, use_strict_trace: bool = True
) -> tuple[GraphDef, RunMetadata]:
    """``model``'s ``GraphDef`` on the inputs ``args`` and the (CPU) step stats, as PyTorch's
    ``torch.utils.tensorboard._pytorch_graph.graph`` returns them."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"add_graph expects a torch.nn.Module, got {type(model).__name__}")
    try:
        inputs = _as_tuple(args)
        _check_inputs(inputs)
    except RuntimeError as e:
        print(e)
        print("Error occurs, No graph saved")
        raise
    with _eval_mode(model), no_grad():
        tracer = _GraphTracer(inputs)
        try:
            fx_graph = tracer.trace(model)
            if tracer._inputs:
                raise TypeError("more inputs than forward takes")
            (out,) = tracer.graph.find_nodes(op="output")
            output = map_arg(out.args[0], tracer.values.__getitem__)
            tracer._param_cache = None  # no Proxy may outlive the trace (symbolic mode ends)
        except Exception as e:
            fx_graph = None
            tracer._param_cache = None  # no Proxy may outlive the trace (symbolic mode ends)
            output = model(*inputs)  # the model's own error, as PyTorch raises it
            message = (
                f"add_graph could not record the operations of {type(model).__name__}.forward "
                f"({type(e).__name__}: {e}); it is drawn as one node"
            )
            if not _is_torchlike_nn(model):  # (torchlike.nn's layers: as in call_module)
                warnings.warn(message, TracerWarning, stacklevel=3)
        try:
            _check_output(output, use_strict_trace)
        except RuntimeError as e:
            print(e)
            print("Error occurs, No graph saved")
            raise
        if fx_graph is None:
            nodes = _fallback(model, inputs, output)
        else:
            nodes = _graph_def(model, fx_graph, tracer.values)
    if verbose:
        print(fx_graph if fx_graph is not None else nodes)
    # PyTorch states the graph ran on the CPU, whatever the device (TensorBoard shows it only).
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stats
