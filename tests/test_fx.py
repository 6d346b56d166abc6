"""torchlike.fx against torch.fx: the same modules traced by both give the same graphs (ops,
names, targets), the same generated code and the same outputs; Interpreter, Transformer,
replace_pattern, custom Tracers, graph surgery and the tracing errors behave as PyTorch's."""

from __future__ import annotations

import contextlib
import copy
import io
import math
import operator
import re

import numpy as np
import pytest
import torch as ref
import torch.fx as ref_fx

import torchlike as tl
import torchlike.fx as tl_fx
from torchlike.autograd import profiler as tl_profiler

LIBS = {"torch": (ref, ref_fx), "torchlike": (tl, tl_fx)}


def _lowp_sigmoid(x):
    return x.float().sigmoid().half()


ref_fx.wrap("_lowp_sigmoid")
tl_fx.wrap("_lowp_sigmoid")


# -- the modules, written once for both libraries -----------------------------------------------
def _mlp(T):
    F = T.nn.functional

    class MLP(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = T.nn.Linear(4, 3)
            self.seq = T.nn.Sequential(T.nn.Linear(3, 3), T.nn.ReLU())

        def forward(self, x, y):
            h = self.seq(self.lin(T.cat([x, y], 1)))
            return F.relu(h) + 1.0, T.add(h, h).sum(dim=1), h.relu() * 2

    return MLP()


def _params_and_constants(T):
    class Inner(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = T.nn.Parameter(T.ones(3, 3))
            self.register_buffer("scale", T.tensor(2.0))

        def forward(self, x):
            return x @ self.weight.t() * self.scale + T.tensor([1.0, 2.0, 3.0])

    class Outer(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def forward(self, x, k=2):
            a, b = x.chunk(2, dim=1)[0], x[:, 1:]
            z = T.nn.functional.softmax(self.inner(x), dim=-1) + self.inner.weight.mean()
            return {"out": math.sqrt(2.0) * z - k, "a": a, "b": -b, "n": x.size(0)}

    return Outer()


def _function(T):
    def f(x):
        s, c = T.sin(x), x.cos()
        return T.stack([s, c]).max(), _lowp_sigmoid(x), operator.getitem(x, 0)

    return f


def _varargs(T):
    class Varargs(T.nn.Module):
        def forward(self, x, *rest, **options):
            a, b = rest
            return T.maximum(x, a) - b

    return Varargs()


CASES = {  # name: (builder, input shapes)
    "mlp": (_mlp, [(2, 2), (2, 2)]),
    "params_and_constants": (_params_and_constants, [(2, 3)]),
    "function": (_function, [(3,)]),
    "varargs": (_varargs, [(3,), (3,), (3,)]),
}


def _target_name(lib: str, target) -> str:
    if isinstance(target, str):
        return target
    return LIBS[lib][1].node._get_qualified_name(target)


def _graph_summary(lib: str, graph) -> list[tuple]:
    return [
        (n.op, n.name, _target_name(lib, n.target), [u.name for u in n.users]) for n in graph.nodes
    ]


def _copy_weights(ref_module, tl_module) -> None:
    state = {k: tl.tensor(v.numpy()) for k, v in ref_module.state_dict().items()}
    tl_module.load_state_dict(state)


def _assert_close(got, want) -> None:
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            _assert_close(got[k], want[k])
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_close(g, w)
    elif isinstance(want, ref.Tensor):
        np.testing.assert_allclose(
            got.detach().float().numpy(), want.detach().float().numpy(), rtol=1e-3, atol=1e-5
        )
    else:
        assert got == want


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return [ref.tensor(a) for a in arrays], [tl.tensor(a) for a in arrays]


def _traced_pair(name):
    build, shapes = CASES[name]
    ref_root, tl_root = build(ref), build(tl)
    if isinstance(ref_root, ref.nn.Module):
        _copy_weights(ref_root, tl_root)
    return ref_fx.symbolic_trace(ref_root), tl_fx.symbolic_trace(tl_root), shapes


@pytest.mark.parametrize("name", CASES)
def test_symbolic_trace_matches_torch(name):
    ref_gm, tl_gm, shapes = _traced_pair(name)
    assert _graph_summary("torchlike", tl_gm.graph) == _graph_summary("torch", ref_gm.graph)
    assert tl_gm.code == ref_gm.code
    assert str(tl_gm.graph) == str(ref_gm.graph)
    readable = [gm.print_readable(print_output=False) for gm in (tl_gm, ref_gm)]
    assert readable[0] == readable[1]
    assert type(tl_gm).__name__ == type(ref_gm).__name__
    assert list(tl_gm.state_dict()) == list(ref_gm.state_dict())
    ref_args, tl_args = _inputs(shapes)
    _assert_close(tl_gm(*tl_args), ref_gm(*ref_args))
    _assert_close(tl_fx.Interpreter(tl_gm).run(*tl_args), ref_gm(*ref_args))


def test_graph_module_state_copies_and_eager_functions_after_tracing():
    root = _params_and_constants(tl)
    code = {fn: fn.__code__ for fn in (tl.cat, tl.nn.functional.softmax)}
    gm = tl_fx.symbolic_trace(root)
    assert isinstance(gm, tl.nn.Module)
    assert gm.inner.weight is root.inner.weight
    assert [n for n, _ in gm.named_parameters()] == ["inner.weight"]
    twin = copy.deepcopy(gm)
    assert type(twin) is not type(gm) and twin.code == gm.code
    assert twin.inner.weight is not gm.inner.weight and twin.graph.owning_module is twin
    # outside tracing the functions run their own code (no per-call check): symbolic mode is
    # on only while a Proxy lives
    assert not tl_fx.proxy.symbolic_mode.active
    assert all(fn.__code__ is c for fn, c in code.items())
    proxy = tl_fx.Proxy(tl_fx.Graph().placeholder("x"))
    assert tl_fx.proxy.symbolic_mode.active and tl.cat.__code__ is not code[tl.cat]
    del proxy
    assert not tl_fx.proxy.symbolic_mode.active and tl.cat.__code__ is code[tl.cat]


class _Swap:
    """Interpreter/Transformer subclasses that turn torch.add into torch.mul, per library."""

    @staticmethod
    def interpreter(T, fx):
        class Swap(fx.Interpreter):
            def call_function(self, target, args, kwargs):
                if target is T.add:
                    target = T.mul
                return super().call_function(target, args, kwargs)

        return Swap

    @staticmethod
    def transformer(T, fx):
        class Swap(fx.Transformer):
            def call_function(self, target, args, kwargs):
                if target is T.add:
                    target = T.mul
                return super().call_function(target, args, kwargs)

        return Swap


def test_interpreter_and_transformer_subclasses():
    ref_gm, tl_gm, shapes = _traced_pair("mlp")
    ref_args, tl_args = _inputs(shapes)
    want = _Swap.interpreter(ref, ref_fx)(ref_gm).run(*ref_args)
    _assert_close(_Swap.interpreter(tl, tl_fx)(tl_gm).run(*tl_args), want)
    ref_new = _Swap.transformer(ref, ref_fx)(ref_gm).transform()
    tl_new = _Swap.transformer(tl, tl_fx)(tl_gm).transform()
    assert tl_new.code == ref_new.code
    _assert_close(tl_new(*tl_args), ref_new(*ref_args))


def _rewrite(T, fx):
    class M(T.nn.Module):
        def forward(self, x, w1, w2):
            m1 = T.cat([T.neg(w1), w2]).sum()
            m2 = T.cat([T.neg(w1), w2]).sum()
            return x + T.max(m1) + T.max(m2)

    def pattern(a1, a2):
        return T.cat([T.neg(a1), a2]).sum()

    def replacement(w1, w2):
        return T.stack([w1, w2])

    gm = fx.symbolic_trace(M())
    matches = fx.replace_pattern(gm, pattern, replacement)
    return gm, [(m.anchor.name, sorted(n.name for n in m.nodes_map.values())) for m in matches]


def test_replace_pattern():
    (ref_gm, ref_matches), (tl_gm, tl_matches) = _rewrite(ref, ref_fx), _rewrite(tl, tl_fx)
    assert tl_matches == ref_matches and len(tl_matches) == 2
    assert tl_gm.code == ref_gm.code
    ref_args, tl_args = _inputs([(2, 3), (2, 3), (2, 3)])
    _assert_close(tl_gm(*tl_args), ref_gm(*ref_args))


def _custom_tracers(T, fx):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = T.nn.ReLU()

        def forward(self, x):
            return self.relu(x) + x

    class LowerRelu(fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return not isinstance(m, T.nn.ReLU) and super().is_leaf_module(m, qualname)

    class Tagging(fx.Tracer):
        def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
            node = super().create_node(kind, target, args, kwargs, name, type_expr)
            node.tag = kind
            return node

    leaf = fx.Tracer().trace(M())
    lowered = LowerRelu().trace(M())
    tagged = Tagging().trace(M())
    return leaf, lowered, [n.tag for n in tagged.nodes]


def _table_cells(table: str) -> list[list[str]]:
    """The cells of a print_tabular table, cut where its dashed line has gaps."""
    lines = table.rstrip("\n").split("\n")
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    return [[line[a:b].strip() for a, b in spans[:-1]] + [line[spans[-1][0] :].strip()]
            for line in [lines[0]] + lines[2:]]  # fmt: skip


def test_custom_tracers_and_print_tabular():
    ref_graphs, tl_graphs = _custom_tracers(ref, ref_fx), _custom_tracers(tl, tl_fx)
    for ref_graph, tl_graph in zip(ref_graphs[:2], tl_graphs[:2]):
        assert _graph_summary("torchlike", tl_graph) == _graph_summary("torch", ref_graph)
        assert [dict(n.kwargs) for n in tl_graph.nodes] == [dict(n.kwargs) for n in ref_graph.nodes]
        # torch's print_tabular needs `tabulate` (not a test dependency): its cells are these
        want = [["opcode", "name", "target", "args", "kwargs"]] + [
            [n.op, n.name, str(n.target), str(n.args), str(n.kwargs)] for n in ref_graph.nodes
        ]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            tl_graph.print_tabular()
        got = _table_cells(out.getvalue())
        address = re.compile(r"<(built-in method|function) (\w+) .*>")
        assert [[address.sub(r"\2", c) for c in row] for row in got] == [
            [address.sub(r"\2", c) for c in row] for row in want
        ]
        # tabulate's simple format: a column is as wide as its widest cell, at least its header
        # plus 2 (PyTorch's printout of this graph starts "-----------  ------  --------")
        widths = [
            max([len(h) + 2] + [len(row[i]) for row in got[1:]]) for i, h in enumerate(got[0])
        ]
        assert out.getvalue().splitlines()[1] == "  ".join("-" * w for w in widths)
    assert tl_graphs[2] == ref_graphs[2]


def _surgery(T, fx):
    class M(T.nn.Module):
        def forward(self, x, y):
            return x + y, T.add(x, y), x.add(y)

    gm = fx.symbolic_trace(M())
    for n in gm.graph.nodes:
        if n.target in (operator.add, T.add, "add"):
            with gm.graph.inserting_after(n):
                new = gm.graph.call_function(T.mul, n.args, n.kwargs)
                n.replace_all_uses_with(new)
            gm.graph.erase_node(n)
    gm.recompile()
    graph = fx.Graph()  # a graph built by hand through Proxies, outside any trace
    tracer = fx.proxy.GraphAppendingTracer(graph)
    a, b = (fx.Proxy(graph.placeholder(name), tracer) for name in "ab")
    c = T.neg(T.tanh(T.cat([a, b])))
    graph.output(c.node)
    built = fx.GraphModule(T.nn.Module(), graph)
    try:
        first = next(iter(built.graph.nodes))
        built.graph.erase_node(first)
    except RuntimeError as e:
        error = str(e)
    return gm, built, error


def test_graph_surgery_and_proxies_outside_tracing():
    (ref_gm, ref_built, ref_error), (tl_gm, tl_built, tl_error) = (
        _surgery(ref, ref_fx),
        _surgery(tl, tl_fx),
    )
    assert tl_gm.code == ref_gm.code
    assert tl_built.code == ref_built.code
    assert tl_error == ref_error
    ref_args, tl_args = _inputs([(2, 2), (2, 2)])
    _assert_close(tl_gm(*tl_args), ref_gm(*ref_args))
    _assert_close(tl_built(*tl_args), ref_built(*ref_args))


def _specialised(T, fx):
    class M(T.nn.Module):
        def forward(self, x, flag, scale=2.0, opt=None):
            if flag:
                x = x * scale
            return x + 1 if opt is None else x

    gm = fx.symbolic_trace(M(), concrete_args={"flag": True, "opt": None})
    with pytest.raises(AssertionError) as info:
        gm(T.ones(2), False)
    return gm, str(info.value)


def test_concrete_args_specialise_and_check():
    (ref_gm, ref_error), (tl_gm, tl_error) = _specialised(ref, ref_fx), _specialised(tl, tl_fx)
    assert tl_gm.code == ref_gm.code
    assert tl_error == ref_error
    _assert_close(tl_gm(tl.ones(2), True, 3.0), ref_gm(ref.ones(2), True, 3.0))


def _branch(T):
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    return f


def _loop(T):
    def f(x):
        return [v for v in x]

    return f


def _length(T):
    def f(x):
        return len(x)

    return f


@pytest.mark.parametrize("build", [_branch, _loop, _length])
def test_tracing_errors_match_torch(build):
    errors = []
    for T, fx in (LIBS["torch"], LIBS["torchlike"]):
        with pytest.raises(Exception) as info:
            fx.symbolic_trace(build(T))
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[1] == errors[0]
    if build is not _length:
        assert issubclass(tl_fx.proxy.TraceError, ValueError)


def _header(table: str) -> list[str]:
    return re.split(r"\s{2,}", table.splitlines()[1].strip())


def test_profiler_records_ops_and_ranges_in_pytorch_table():
    x = tl.randn(3, 2)
    relu = tl.relu  # taken before profiling: it is timed all the same
    with tl_profiler.profile(record_shapes=True) as prof:
        with tl_profiler.record_function("foo"):
            relu(x)
    names = [e.name for e in prof.function_events]
    assert names == ["foo", "aten::relu"]
    assert prof.function_events[1].input_shapes == [[3, 2]]
    table = prof.table(sort_by="self_cpu_time_total", time_unit="ms", row_limit=1)
    assert "Input Shapes" in table and len(table.splitlines()) == 6 and "ms  " in table
    foo, relu = prof.function_events
    assert relu.cpu_parent is foo and foo.cpu_time_total >= relu.cpu_time_total > 0
    assert math.isclose(prof.self_cpu_time_total, foo.cpu_time_total, rel_tol=1e-6)
    with ref.autograd.profiler.profile(record_shapes=True) as ref_prof:
        with ref.autograd.profiler.record_function("foo"):
            ref.relu(ref.randn(3, 2))
    assert _header(str(prof)) == _header(str(ref_prof))
    assert str(prof).splitlines()[-1].startswith("Self CPU time total: ")
    assert [e.key for e in prof.key_averages()] == ["foo", "aten::relu"]


def _profiled_trace(T, fx):
    """profiling_tracer.py's pattern: record_function ranges traced as torch.ops.profiler ops."""

    class Foo(T.nn.Module):
        def forward(self, x):
            with T.profiler.record_function("foo"):
                return T.relu(x)

    class ProfilerTracer(fx.Tracer):
        def trace(self, root, concrete_args=None):
            rf = T.autograd.profiler.record_function
            enter, leave = rf.__enter__, rf.__exit__

            def fake_enter(rf_self):
                rf_self._ctx = self.create_proxy(
                    "call_function", T.ops.profiler._record_function_enter, (rf_self.name,), {}
                )
                return rf_self._ctx

            def fake_exit(rf_self, *exc):
                T.ops.profiler._record_function_exit(rf_self._ctx)

            rf.__enter__, rf.__exit__ = fake_enter, fake_exit
            try:
                return super().trace(root, concrete_args)
            finally:
                rf.__enter__, rf.__exit__ = enter, leave

    tracer = ProfilerTracer()
    graph = tracer.trace(Foo())
    return fx.GraphModule(tracer.root, graph)


def test_record_function_ranges_traced_through_torch_ops_profiler():
    ref_gm, tl_gm = _profiled_trace(ref, ref_fx), _profiled_trace(tl, tl_fx)
    assert tl_gm.code == ref_gm.code
    assert tl.profiler.record_function is tl_profiler.record_function
    x = tl.randn(5, 3)
    with tl.profiler.profile() as prof:
        tl_gm(x)
    assert [e.name for e in prof.events()] == ["foo", "aten::relu"]
    assert prof.events()[1].cpu_parent is prof.events()[0]
