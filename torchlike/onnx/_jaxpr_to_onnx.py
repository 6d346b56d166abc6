"""A jaxpr -> ONNX converter for the primitives torchlike's layers lower to.

The model is traced twice with :func:`jax.make_jaxpr`, at the example batch size and at one more,
and the two programs are walked side by side: a dimension that differs between them is the
dynamic axis, ``k * batch``, and every shape an equation carries (reshape targets, broadcasts,
slices) is then built at run time from the input's ``Shape``. Parameters become initializers
named by their ``state_dict`` keys. ``scan`` (recurrent layers) is unrolled over its static
length; ``jit`` and ``custom_jvp``/``custom_vjp`` calls are inlined. A primitive without a rule
raises an error that names it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import onnx
from jax.extend import core as jcore
from onnx import TensorProto, helper, numpy_helper

INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Dyn:
    """A dynamic dimension: ``k`` times the batch size."""

    k: int


def _dims(shape1, shape2, b1: int, b2: int) -> tuple:
    out = []
    for d1, d2 in zip(shape1, shape2):
        if d1 == d2:
            out.append(int(d1))
        elif d1 % b1 == 0 and d1 // b1 * b2 == d2:
            out.append(Dyn(d1 // b1))
        else:
            raise NotImplementedError(
                f"torchlike.onnx.export: a dimension changes from {d1} to {d2} when the batch "
                f"changes from {b1} to {b2}; only multiples of the dynamic axis are supported"
            )
    return tuple(out)


class Converter:
    """Builds the ONNX graph while walking two traces of one program."""

    def __init__(self, opset: int, b1: int, b2: int, const_names: dict[int, str]) -> None:
        self.opset, self.b1, self.b2 = opset, b1, b2
        self.nodes: list = []
        self.initializers: list = []
        self.const_names = const_names
        self.cache: dict = {}
        self.count = 0
        self.batch: str | None = None  # int64 [1] tensor holding the dynamic size at run time
        self.dims: dict[str, tuple] = {}

    # -- graph building ------------------------------------------------------------------------

    def fresh(self, hint: str = "t") -> str:
        self.count += 1
        return f"{hint}_{self.count}"

    def node(self, op: str, inputs: list[str], n_out: int = 1, **attrs) -> list[str]:
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, **attrs))
        return outs

    def one(self, op: str, *inputs: str, **attrs) -> str:
        return self.node(op, list(inputs), **attrs)[0]

    def const(self, value, dtype=None, name: str | None = None) -> str:
        arr = np.asarray(value, dtype=dtype)
        if name is None:
            key = (arr.dtype.str, arr.shape, arr.tobytes())
            if key in self.cache:
                return self.cache[key]
            name = self.fresh("const")
            self.cache[key] = name
        self.initializers.append(numpy_helper.from_array(arr, name))
        return name

    def shape_tensor(self, dims: tuple) -> str:
        """An int64 1-D tensor of ``dims``; dynamic entries come from the input's shape."""
        if not any(isinstance(d, Dyn) for d in dims):
            return self.const(np.array(dims, np.int64))
        parts = []
        for d in dims:
            if isinstance(d, Dyn):
                parts.append(
                    self.batch
                    if d.k == 1
                    else self.one("Mul", self.batch, self.const([d.k], np.int64))
                )
            else:
                parts.append(self.const([d], np.int64))
        return self.one("Concat", *parts, axis=0)

    # -- walking -------------------------------------------------------------------------------

    def read(self, env: dict, atom) -> str:
        if isinstance(atom, jcore.Literal):
            return self.const(np.asarray(atom.val, dtype=atom.aval.dtype))
        return env[atom]

    def run(self, jaxpr1, jaxpr2, consts1, inputs: list[str]) -> list[str]:
        """Convert ``jaxpr1`` (its twin ``jaxpr2`` at the other batch size) applied to
        ``inputs``; returns the output names."""
        env: dict = {}
        for var, value in zip(jaxpr1.constvars, consts1):
            env[var] = self.const(np.asarray(value), name=self.const_names.get(id(value)))
        for var, name in zip(jaxpr1.invars, inputs):
            env[var] = name
        if [e.primitive for e in jaxpr1.eqns] != [e.primitive for e in jaxpr2.eqns]:
            raise NotImplementedError(
                "torchlike.onnx.export: the model runs different operations at batch sizes "
                f"{self.b1} and {self.b2}, so its batch axis cannot be exported as dynamic"
            )
        for e1, e2 in zip(jaxpr1.eqns, jaxpr2.eqns):
            args = [self.read(env, a) for a in e1.invars]
            rule = RULES.get(e1.primitive.name)
            if rule is None:
                raise NotImplementedError(
                    f"torchlike.onnx.export: the JAX primitive '{e1.primitive.name}' has no ONNX "
                    "translation yet"
                )
            outs = rule(self, e1, e2, args)
            for v1, v2, name in zip(e1.outvars, e2.outvars, outs):
                self.dims[name] = _dims(v1.aval.shape, v2.aval.shape, self.b1, self.b2)
                env[v1] = name
        return [self.read(env, a) for a in jaxpr1.outvars]

    def in_dims(self, e1, e2, i: int) -> tuple:
        return _dims(e1.invars[i].aval.shape, e2.invars[i].aval.shape, self.b1, self.b2)

    def out_dims(self, e1, e2, i: int = 0) -> tuple:
        return _dims(e1.outvars[i].aval.shape, e2.outvars[i].aval.shape, self.b1, self.b2)


# -- rules ---------------------------------------------------------------------------------------


def _elementwise(op: str):
    return lambda c, e1, e2, a: [c.one(op, *a)]


def _rsqrt(c, e1, e2, a):
    return [c.one("Reciprocal", c.one("Sqrt", a[0]))]


def _square(c, e1, e2, a):
    return [c.one("Mul", a[0], a[0])]


def _integer_pow(c, e1, e2, a):
    dtype = e1.invars[0].aval.dtype
    return [c.one("Pow", a[0], c.const(np.asarray(e1.params["y"], dtype)))]


def _ne(c, e1, e2, a):
    return [c.one("Not", c.one("Equal", *a))]


def _convert(c, e1, e2, a):
    to = helper.np_dtype_to_tensor_dtype(np.dtype(e1.params["new_dtype"]))
    return [c.one("Cast", a[0], to=to)]


def _select_n(c, e1, e2, a):
    if len(a) != 3:
        raise NotImplementedError("torchlike.onnx.export: select_n with more than two cases")
    pred = a[0]
    if e1.invars[0].aval.dtype != np.bool_:
        pred = c.one("Cast", pred, to=TensorProto.BOOL)
    return [c.one("Where", pred, a[2], a[1])]


def _clamp(c, e1, e2, a):
    lo, x, hi = a
    return [c.one("Max", c.one("Min", x, hi), lo)]


def _dot_general(c, e1, e2, a):
    (lc, rc), (lb, rb) = e1.params["dimension_numbers"]
    nl, nr = e1.invars[0].aval.ndim, e1.invars[1].aval.ndim
    letters = iter(string.ascii_letters)
    lhs = [next(letters) for _ in range(nl)]
    rhs = [None] * nr
    for i, j in zip(lb, rb):
        rhs[j] = lhs[i]
    for i, j in zip(lc, rc):
        rhs[j] = lhs[i]
    rhs = [s or next(letters) for s in rhs]
    out = [lhs[i] for i in lb]
    out += [s for i, s in enumerate(lhs) if i not in lb and i not in lc]
    out += [s for j, s in enumerate(rhs) if j not in rb and j not in rc]
    equation = f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"
    result = c.one("Einsum", a[0], a[1], equation=equation)
    want = e1.outvars[0].aval.dtype
    if want != e1.invars[0].aval.dtype:
        result = c.one("Cast", result, to=helper.np_dtype_to_tensor_dtype(np.dtype(want)))
    return [result]


def _transpose(c, e1, e2, a):
    return [c.one("Transpose", a[0], perm=list(e1.params["permutation"]))]


def _reshape(c, e1, e2, a):
    if e1.params.get("dimensions") is not None:
        raise NotImplementedError("torchlike.onnx.export: reshape with dimensions")
    return [c.one("Reshape", a[0], c.shape_tensor(c.out_dims(e1, e2)))]


def _broadcast_in_dim(c, e1, e2, a):
    in_dims, out_dims = c.in_dims(e1, e2, 0), c.out_dims(e1, e2)
    if in_dims == out_dims:
        return [a[0]]
    staged = [1] * len(out_dims)
    for i, d in zip(e1.params["broadcast_dimensions"], in_dims):
        staged[i] = d
    x = a[0]
    if tuple(staged) != in_dims:
        x = c.one("Reshape", x, c.shape_tensor(tuple(staged)))
    return [c.one("Expand", x, c.shape_tensor(out_dims))]


def _squeeze(c, e1, e2, a):
    return [c.one("Squeeze", a[0], c.const(list(e1.params["dimensions"]), np.int64))]


def _expand_dims(c, e1, e2, a):
    return [c.one("Unsqueeze", a[0], c.const(list(e1.params["dimensions"]), np.int64))]


def _concatenate(c, e1, e2, a):
    return [c.one("Concat", *a, axis=int(e1.params["dimension"]))]


def _stack(c, e1, e2, a):
    axis = c.const([int(e1.params["axis"])], np.int64)
    return [c.one("Concat", *[c.one("Unsqueeze", x, axis) for x in a], axis=int(e1.params["axis"]))]


def _split(c, e1, e2, a):
    sizes = list(e1.params["sizes"])
    if any(s1 != s2 for s1, s2 in zip(sizes, e2.params["sizes"])):
        raise NotImplementedError("torchlike.onnx.export: split along the dynamic axis")
    return c.node(
        "Split", [a[0], c.const(sizes, np.int64)], len(sizes), axis=int(e1.params["axis"])
    )


def _slice(c, e1, e2, a):
    if e1.params["strides"] is not None and any(s != 1 for s in e1.params["strides"]):
        steps = list(e1.params["strides"])
    else:
        steps = None
    in_dims = c.in_dims(e1, e2, 0)
    starts, ends = list(e1.params["start_indices"]), list(e1.params["limit_indices"])
    for i, d in enumerate(in_dims):
        if isinstance(d, Dyn):
            if starts[i] != 0 or ends[i] != e1.invars[0].aval.shape[i]:
                raise NotImplementedError(
                    "torchlike.onnx.export: a partial slice of the dynamic axis"
                )
            ends[i] = INT64_MAX
    inputs = [a[0], c.const(starts, np.int64), c.const(ends, np.int64)]
    if steps:
        inputs += [c.const(list(range(len(starts))), np.int64), c.const(steps, np.int64)]
    return [c.one("Slice", *inputs)]


def _dynamic_slice(c, e1, e2, a):
    x, idx = a[0], a[1:]
    in_dims = c.in_dims(e1, e2, 0)
    sizes = e1.params["slice_sizes"]
    starts, ends = [], []
    for i, (d, size) in enumerate(zip(in_dims, sizes)):
        if isinstance(d, Dyn):
            if size != e1.invars[0].aval.shape[i]:
                raise NotImplementedError(
                    "torchlike.onnx.export: a partial slice of the dynamic axis"
                )
            starts.append(c.const([0], np.int64))
            ends.append(c.const([INT64_MAX], np.int64))
            continue
        start = c.one("Cast", idx[i], to=TensorProto.INT64)
        start = c.one("Min", c.one("Max", start, c.const(0, np.int64)), c.const(d - size, np.int64))
        start = c.one("Reshape", start, c.const([1], np.int64))
        starts.append(start)
        ends.append(c.one("Add", start, c.const([size], np.int64)))
    return [c.one("Slice", x, c.one("Concat", *starts, axis=0), c.one("Concat", *ends, axis=0))]


def _reduce(op: str, via_int: bool = False):
    def rule(c, e1, e2, a):
        axes = list(e1.params["axes"])
        x = a[0]
        if via_int:
            x = c.one("Cast", x, to=TensorProto.INT32)
        if op == "ReduceSum" or c.opset >= 18:
            out = c.one(op, x, c.const(axes, np.int64), keepdims=0)
        else:
            out = c.one(op, x, axes=axes, keepdims=0)
        return [c.one("Cast", out, to=TensorProto.BOOL) if via_int else out]

    return rule


def _argmax(op: str):
    def rule(c, e1, e2, a):
        (axis,) = e1.params["axes"]
        out = c.one(op, a[0], axis=int(axis), keepdims=0)
        to = helper.np_dtype_to_tensor_dtype(np.dtype(e1.params["index_dtype"]))
        return [c.one("Cast", out, to=to)]

    return rule


def _window(e1):
    p = e1.params
    n = len(p["window_dimensions"])
    if tuple(p["window_dimensions"][:2]) != (1, 1) or tuple(p["window_strides"][:2]) != (1, 1):
        raise NotImplementedError("torchlike.onnx.export: pooling over batch or channel axes")
    if any(b != 1 for b in p["base_dilation"]):
        raise NotImplementedError("torchlike.onnx.export: pooling with base dilation")
    pads = [lo for lo, _ in p["padding"][2:]] + [hi for _, hi in p["padding"][2:]]
    attrs = {
        "kernel_shape": list(p["window_dimensions"][2:]),
        "strides": list(p["window_strides"][2:]),
        "pads": pads,
    }
    if any(d != 1 for d in p["window_dilation"][2:]):
        attrs["dilations"] = list(p["window_dilation"][2:])
    return attrs, n


def _max_pool(c, e1, e2, a):
    attrs, _ = _window(e1)
    return [c.one("MaxPool", a[0], **attrs)]


def _sum_pool(c, e1, e2, a):
    attrs, _ = _window(e1)
    mean = c.one("AveragePool", a[0], count_include_pad=1, **attrs)
    size = int(np.prod(attrs["kernel_shape"]))
    return [c.one("Mul", mean, c.const(np.asarray(size, e1.invars[0].aval.dtype)))]


def _conv(c, e1, e2, a):
    p = e1.params
    dn = p["dimension_numbers"]
    n = e1.invars[0].aval.ndim
    if (
        tuple(dn.lhs_spec) != tuple(range(n))
        or tuple(dn.rhs_spec) != tuple(range(n))
        or tuple(dn.out_spec) != tuple(range(n))
    ):
        raise NotImplementedError("torchlike.onnx.export: convolution layouts other than NCHW/OIHW")
    if any(d != 1 for d in p["lhs_dilation"]) or p["batch_group_count"] != 1:
        raise NotImplementedError("torchlike.onnx.export: transposed convolutions")
    pads = [lo for lo, _ in p["padding"]] + [hi for _, hi in p["padding"]]
    if any(q < 0 for q in pads):
        raise NotImplementedError("torchlike.onnx.export: negative convolution padding")
    return [
        c.one(
            "Conv",
            a[0],
            a[1],
            strides=list(p["window_strides"]),
            pads=pads,
            dilations=list(p["rhs_dilation"]),
            group=int(p["feature_group_count"]),
        )
    ]


def _pad(c, e1, e2, a):
    cfg = e1.params["padding_config"]
    if any(i != 0 for _, _, i in cfg) or any(lo < 0 or hi < 0 for lo, hi, _ in cfg):
        raise NotImplementedError("torchlike.onnx.export: interior or negative padding")
    pads = [lo for lo, _, _ in cfg] + [hi for _, hi, _ in cfg]
    return [c.one("Pad", a[0], c.const(pads, np.int64), a[1])]


def _iota(c, e1, e2, a):
    p = e1.params
    if p["shape"] != e2.params["shape"]:
        raise NotImplementedError("torchlike.onnx.export: iota along the dynamic axis")
    shape, dim = p["shape"], p["dimension"]
    values = np.arange(shape[dim], dtype=p["dtype"]).reshape(
        [-1 if i == dim else 1 for i in range(len(shape))]
    )
    return [c.const(np.broadcast_to(values, shape).copy())]


def _identity(c, e1, e2, a):
    return [a[0]]


def _inline(key: str):
    def rule(c, e1, e2, a):
        sub1, sub2 = e1.params[key], e2.params[key]
        consts = getattr(sub1, "consts", [])
        return c.run(getattr(sub1, "jaxpr", sub1), getattr(sub2, "jaxpr", sub2), consts, a)

    return rule


def _scan(c, e1, e2, a):
    p = e1.params
    nc, ncarry, length = p["num_consts"], p["num_carry"], p["length"]
    body1, body2 = p["jaxpr"], e2.params["jaxpr"]
    consts, carry, xs = a[:nc], a[nc : nc + ncarry], a[nc + ncarry :]
    ys_steps: list[list[str]] = []
    order = range(length - 1, -1, -1) if p["reverse"] else range(length)
    for t in order:
        index = c.const(np.asarray(t, np.int64))
        x_t = [c.one("Gather", x, index, axis=0) for x in xs]
        outs = c.run(body1.jaxpr, body2.jaxpr, body1.consts, consts + carry + x_t)
        carry = outs[:ncarry]
        ys_steps.append(outs[ncarry:])
    if p["reverse"]:
        ys_steps.reverse()
    zero = c.const([0], np.int64)
    ys = []
    for k in range(len(e1.outvars) - ncarry):
        steps = [c.one("Unsqueeze", step[k], zero) for step in ys_steps]
        ys.append(c.one("Concat", *steps, axis=0) if len(steps) > 1 else steps[0])
    return carry + ys


RULES = {
    "add": _elementwise("Add"),
    "add_any": _elementwise("Add"),
    "sub": _elementwise("Sub"),
    "mul": _elementwise("Mul"),
    "div": _elementwise("Div"),
    "max": _elementwise("Max"),
    "min": _elementwise("Min"),
    "pow": _elementwise("Pow"),
    "neg": _elementwise("Neg"),
    "exp": _elementwise("Exp"),
    "log": _elementwise("Log"),
    "tanh": _elementwise("Tanh"),
    "logistic": _elementwise("Sigmoid"),
    "sqrt": _elementwise("Sqrt"),
    "abs": _elementwise("Abs"),
    "sign": _elementwise("Sign"),
    "erf": _elementwise("Erf"),
    "floor": _elementwise("Floor"),
    "ceil": _elementwise("Ceil"),
    "sin": _elementwise("Sin"),
    "cos": _elementwise("Cos"),
    "eq": _elementwise("Equal"),
    "gt": _elementwise("Greater"),
    "ge": _elementwise("GreaterOrEqual"),
    "lt": _elementwise("Less"),
    "le": _elementwise("LessOrEqual"),
    "and": _elementwise("And"),
    "or": _elementwise("Or"),
    "not": _elementwise("Not"),
    "ne": _ne,
    "rsqrt": _rsqrt,
    "square": _square,
    "integer_pow": _integer_pow,
    "convert_element_type": _convert,
    "select_n": _select_n,
    "clamp": _clamp,
    "dot_general": _dot_general,
    "transpose": _transpose,
    "reshape": _reshape,
    "broadcast_in_dim": _broadcast_in_dim,
    "squeeze": _squeeze,
    "expand_dims": _expand_dims,
    "concatenate": _concatenate,
    "stack": _stack,
    "split": _split,
    "slice": _slice,
    "dynamic_slice": _dynamic_slice,
    "reduce_sum": _reduce("ReduceSum"),
    "reduce_max": _reduce("ReduceMax"),
    "reduce_min": _reduce("ReduceMin"),
    "reduce_and": _reduce("ReduceMin", via_int=True),
    "reduce_or": _reduce("ReduceMax", via_int=True),
    "argmax": _argmax("ArgMax"),
    "argmin": _argmax("ArgMin"),
    "reduce_window_max": _max_pool,
    "reduce_window_sum": _sum_pool,
    "conv_general_dilated": _conv,
    "pad": _pad,
    "iota": _iota,
    "stop_gradient": _identity,
    "copy": _identity,
    "copy_p": _identity,
    "reduce_precision": _identity,
    "optimization_barrier": lambda c, e1, e2, a: list(a),
    "jit": _inline("jaxpr"),
    "pjit": _inline("jaxpr"),
    "closed_call": _inline("call_jaxpr"),
    "custom_jvp_call": _inline("call_jaxpr"),
    "custom_vjp_call": _inline("call_jaxpr"),
    "custom_vjp_call_jaxpr": _inline("fun_jaxpr"),
    "scan": _scan,
}


def build_model(
    closed1,
    closed2,
    b1: int,
    b2: int,
    input_names: list[str],
    output_names: list[str],
    dynamic_inputs: dict[str, dict[int, str]],
    output_axes: dict[str, dict[int, str]],
    const_names: dict[int, str],
    opset: int,
) -> onnx.ModelProto:
    """The ONNX model of ``closed1`` (traced at batch ``b1``; ``closed2`` at ``b2``)."""
    conv = Converter(opset, b1, b2, const_names)
    graph_inputs = []
    for var, name in zip(closed1.jaxpr.invars, input_names):
        axes = dynamic_inputs.get(name, {})
        shape = [axes.get(i, d) for i, d in enumerate(var.aval.shape)]
        dtype = helper.np_dtype_to_tensor_dtype(np.dtype(var.aval.dtype))
        graph_inputs.append(helper.make_tensor_value_info(name, dtype, shape))
        if axes and conv.batch is None:
            axis = next(iter(axes))
            shape_of = conv.one("Shape", name)
            conv.batch = conv.one(
                "Slice", shape_of, conv.const([axis], np.int64), conv.const([axis + 1], np.int64)
            )
    outs = conv.run(closed1.jaxpr, closed2.jaxpr, closed1.consts, list(input_names))
    symbol = next((n for axes in dynamic_inputs.values() for n in axes.values()), "batch")
    graph_outputs = []
    for var1, var2, src, name in zip(
        closed1.jaxpr.outvars, closed2.jaxpr.outvars, outs, output_names
    ):
        conv.nodes.append(helper.make_node("Identity", [src], [name]))
        dims = _dims(var1.aval.shape, var2.aval.shape, b1, b2)
        shape = [
            (symbol if d.k == 1 else f"{symbol}*{d.k}") if isinstance(d, Dyn) else d for d in dims
        ]
        for axis, axis_name in output_axes.get(name, {}).items():
            shape[axis] = axis_name
        dtype = helper.np_dtype_to_tensor_dtype(np.dtype(var1.aval.dtype))
        graph_outputs.append(helper.make_tensor_value_info(name, dtype, shape))
    graph = helper.make_graph(
        conv.nodes, "torchlike", graph_inputs, graph_outputs, conv.initializers
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="torchlike"
    )
    model.ir_version = min(model.ir_version, 10)
    onnx.checker.check_model(model)
    return model
