"""Autograd against PyTorch: flags, ``grad_fn`` names, ``backward`` and its errors, accumulation,
grad modes, ``detach``/``.data``, ``torch.autograd.grad``, control flow, in-place ops and views.

Most tests are a scenario written once against a library argument (``lib`` is ``torch`` or
``torchlike``) and run on both; ``same(scenario)`` compares what the two runs return.
"""

from __future__ import annotations

import pytest
import torch
from op_table import assert_same, expect_same_error

import torchlike as tl


def same(scenario) -> None:
    assert_same(scenario(tl), scenario(torch))


def leaf(lib, values=(1.0, -2.0, 3.0), **kwargs):
    return lib.tensor(list(values), requires_grad=True, **kwargs)


def matrix(lib, requires_grad=True):
    return lib.tensor(
        [[1.0, -2.0, 3.0, 0.5], [0.25, 2.0, -1.5, 4.0], [-3.0, 1.0, 0.75, -0.5]],
        requires_grad=requires_grad,
    )


# -- flags -------------------------------------------------------------------------------------


def test_requires_grad_and_is_leaf():
    def scenario(lib):
        a = lib.tensor([1.0, 2.0])
        b = a * 2
        flags = [a.requires_grad, a.is_leaf, a.grad_fn is None, b.requires_grad, b.is_leaf]
        r = a.requires_grad_()
        c = a * 2
        flags += [r is a, a.requires_grad, a.is_leaf, c.requires_grad, c.is_leaf]
        flags += [c.grad_fn is not None, c.detach().is_leaf, a.requires_grad_(False) is a]
        flags += [a.requires_grad, lib.zeros(2, requires_grad=True).requires_grad]
        flags += [lib.ones(2, requires_grad=True).is_leaf, (a + leaf(lib, [1.0, 2])).is_leaf]
        return flags

    same(scenario)


def test_requires_grad_errors():
    expect_same_error(
        lambda: torch.tensor([1, 2]).requires_grad_(), lambda: tl.tensor([1, 2]).requires_grad_()
    )
    expect_same_error(
        lambda: torch.tensor([1], requires_grad=True), lambda: tl.tensor([1], requires_grad=True)
    )
    expect_same_error(
        lambda: (leaf(torch) * 2).requires_grad_(False),
        lambda: (leaf(tl) * 2).requires_grad_(False),
    )


# -- grad_fn names ------------------------------------------------------------------------------

# The name of the grad_fn of each expression's result: x is a (3, 4) leaf, y another one.
GRAD_FN = {
    "add": lambda lib, x, y: x + y,
    "add_scalar": lambda lib, x, y: 2 + x,
    "sub": lambda lib, x, y: x - y,
    "mul": lambda lib, x, y: x * y,
    "mul_scalar": lambda lib, x, y: x * 2,
    "div": lambda lib, x, y: x / y,
    "neg": lambda lib, x, y: -x,
    "pow_scalar": lambda lib, x, y: x**2,
    "exp": lambda lib, x, y: x.exp(),
    "log": lambda lib, x, y: x.abs().log(),
    "sqrt": lambda lib, x, y: x.abs().sqrt(),
    "abs": lambda lib, x, y: x.abs(),
    "sin": lambda lib, x, y: x.sin(),
    "tanh": lambda lib, x, y: x.tanh(),
    "sigmoid": lambda lib, x, y: x.sigmoid(),
    "relu": lambda lib, x, y: x.relu(),
    "sum": lambda lib, x, y: x.sum(),
    "mean": lambda lib, x, y: x.mean(),
    "prod": lambda lib, x, y: x.prod(),
    "std": lambda lib, x, y: x.std(),
    "var": lambda lib, x, y: x.var(),
    "norm": lambda lib, x, y: x.norm(),
    "max_dim": lambda lib, x, y: x.max(0)[0],
    "amax": lambda lib, x, y: x.amax(0),
    "mm": lambda lib, x, y: x.mm(y.t()),
    "matmul_2d": lambda lib, x, y: x @ y.t(),
    "matmul_1d": lambda lib, x, y: x[0] @ y[0],
    "matmul_mv": lambda lib, x, y: x @ y[0],
    "bmm": lambda lib, x, y: x.unsqueeze(0).bmm(y.t().unsqueeze(0)),
    "view": lambda lib, x, y: x.view(-1),
    "reshape": lambda lib, x, y: x.reshape(4, 3),
    "flatten": lambda lib, x, y: x.flatten(),
    "t": lambda lib, x, y: x.t(),
    "T": lambda lib, x, y: x.T,
    "transpose": lambda lib, x, y: x.transpose(0, 1),
    "permute": lambda lib, x, y: x.permute(1, 0),
    "unsqueeze": lambda lib, x, y: x.unsqueeze(0),
    "squeeze": lambda lib, x, y: x.unsqueeze(0).squeeze(),
    "expand": lambda lib, x, y: x[:1].expand(3, 4),
    "repeat": lambda lib, x, y: x.repeat(2, 1),
    "cat": lambda lib, x, y: lib.cat([x, y]),
    "stack": lambda lib, x, y: lib.stack([x, y]),
    "select": lambda lib, x, y: x[0],
    "slice": lambda lib, x, y: x[1:],
    "slice_then_select": lambda lib, x, y: x[1:, 0],
    "unsqueeze_index": lambda lib, x, y: x[:, None],
    "index": lambda lib, x, y: x[[0, 2]],
    "mask": lambda lib, x, y: x[x > 0],
    "split": lambda lib, x, y: x.split(1)[0],
    "chunk": lambda lib, x, y: x.chunk(3)[2],
    "unbind": lambda lib, x, y: x.unbind()[0],
    "clone": lambda lib, x, y: x.clone(),
    "to_double": lambda lib, x, y: x.double(),
    "where": lambda lib, x, y: lib.where(x > 0, x, y),
    "softmax": lambda lib, x, y: x.softmax(1),
    "log_softmax": lambda lib, x, y: x.log_softmax(1),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "masked_fill": lambda lib, x, y: x.masked_fill(x > 0, 0.0),
    "add_": lambda lib, x, y: x.clone().add_(y),
    "mul_": lambda lib, x, y: x.clone().mul_(2),
    "zero_": lambda lib, x, y: x.clone().zero_(),
}

# PyTorch numbers the overloads of one op (SumBackward1 is sum(dim)) and names a few nodes in
# C++ terms; each entry here needs that naming.
GRAD_FN_OVERLOADS = {
    "sum_dim": lambda lib, x, y: x.sum(0),
    "mean_dim": lambda lib, x, y: x.mean(1),
    "max_all": lambda lib, x, y: x.max(),
    "min_all": lambda lib, x, y: x.min(),
    "squeeze_dim": lambda lib, x, y: x.unsqueeze(0).squeeze(0),
    "pow_tensor": lambda lib, x, y: x**y,
    "rpow": lambda lib, x, y: 2**x,
    "rsub": lambda lib, x, y: 2 - x,
    "clamp": lambda lib, x, y: x.clamp(-1, 1),
    "fill_": lambda lib, x, y: x.clone().fill_(1),
    "setitem": lambda lib, x, y: _setitem(x),
    "copy_": lambda lib, x, y: x.clone().copy_(y),
}


def _setitem(x):
    y = x * 1
    y[0] = 0
    return y


def grad_fn_name(lib, expr) -> str:
    x, y = matrix(lib), matrix(lib) * 0.5 + 1
    return expr(lib, x, y.detach().requires_grad_()).grad_fn.name()


@pytest.mark.parametrize("name", GRAD_FN)
def test_grad_fn_name(name):
    expr = GRAD_FN[name]
    assert grad_fn_name(tl, expr) == grad_fn_name(torch, expr)


def test_grad_fn_names_of_overloads():
    wrong = {
        name: (grad_fn_name(tl, expr), grad_fn_name(torch, expr))
        for name, expr in GRAD_FN_OVERLOADS.items()
        if grad_fn_name(tl, expr) != grad_fn_name(torch, expr)
    }
    assert not wrong, f"(ours, PyTorch's): {wrong}"


def test_next_functions_lead_to_accumulate_grad():
    def scenario(lib):
        x, w = leaf(lib), leaf(lib, [0.5, 1.0, 2.0])
        y = (x * w).sum()
        ((mul, _),) = y.grad_fn.next_functions
        return [mul.name()] + [f.name() for f, _ in mul.next_functions]

    same(scenario)


def test_grad_fn_lists_every_input_and_calls_like_torch():
    """Inputs that need no gradient (a constant tensor, a Python number) are None in
    ``next_functions`` and in what ``grad_fn(*grads)`` returns."""

    def scenario(lib):
        x, w = leaf(lib, [1.0, 2.0]), lib.tensor([0.5, -1.0])
        out = []
        for y in (w * x, x * 2.0, x * x):
            names = [None if f is None else f.name() for f, _ in y.grad_fn.next_functions]
            grads = y.grad_fn(lib.ones(2))
            out.append((names, [None if g is None else g.tolist() for g in grads]))
        return out

    same(scenario)


# -- backward ----------------------------------------------------------------------------------


def test_backward_with_gradient():
    def scenario(lib):
        x = leaf(lib)
        y = x * x
        y.backward(gradient=lib.tensor([1.0, 0.5, -2.0]))
        z = leaf(lib) * 3
        z.backward(lib.tensor([2.0, 2.0, 2.0]))  # positional
        return x.grad, z.grad_fn is not None

    same(scenario)


def test_backward_of_a_leaf_and_of_a_0d_tensor():
    def scenario(lib):
        x = leaf(lib, [2.0])
        x.backward()  # d x / d x
        s = lib.tensor(3.0, requires_grad=True)
        (s * s).backward()
        return x.grad, s.grad

    same(scenario)


def test_non_scalar_backward_needs_a_gradient():
    e = expect_same_error(lambda: (leaf(torch) * 2).backward(), lambda: (leaf(tl) * 2).backward())
    assert "grad can be implicitly created only for scalar outputs" in str(e)


def test_backward_on_a_tensor_without_grad_raises():
    e = expect_same_error(
        lambda: torch.tensor([1.0]).sum().backward(), lambda: tl.tensor([1.0]).sum().backward()
    )
    assert "does not require grad" in str(e)


def test_backward_gradient_of_the_wrong_shape_raises():
    expect_same_error(
        lambda: (leaf(torch) * 2).backward(torch.ones(2)),
        lambda: (leaf(tl) * 2).backward(tl.ones(2)),
    )


def test_second_backward_through_a_freed_graph_raises():
    def twice(lib):
        y = (leaf(lib) * leaf(lib)).sum()  # MulBackward0 saves its inputs
        y.backward()
        y.backward()

    e = expect_same_error(lambda: twice(torch), lambda: twice(tl))
    assert str(e).startswith("Trying to backward through the graph a second time")


def test_retain_graph_allows_a_second_backward():
    def scenario(lib):
        x = leaf(lib)
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        return first, x.grad

    same(scenario)


def test_grad_accumulates_and_can_be_zeroed():
    def scenario(lib):
        x = leaf(lib)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        accumulated = x.grad.clone()
        r = x.grad.zero_()
        zeroed = x.grad.clone()
        x.grad = None
        (x * 2).sum().backward()
        return accumulated, zeroed, x.grad, r is x.grad or "different object"

    ours, theirs = scenario(tl), scenario(torch)
    assert_same(ours[:3], theirs[:3])


def test_grad_of_a_diamond_graph_and_a_reused_input():
    def scenario(lib):
        x = leaf(lib)
        y = x * 2
        z = y * y + y.sin() - x
        z.sum().backward()
        return (x.grad,)

    same(scenario)


def test_gradients_flow_only_to_used_outputs():
    def scenario(lib):
        x = matrix(lib)
        a, b, c = x.split(1)
        (a * 2 + c).sum().backward()
        values, indices = x.max(1)
        return x.grad, indices

    same(scenario)


def test_backward_with_inputs_accumulates_only_there():
    def scenario(lib):
        x, w = leaf(lib), leaf(lib, [0.5, 1.0, 2.0])
        (x * w).sum().backward(inputs=[w])
        return w.grad, x.grad is None

    same(scenario)


# -- grad modes --------------------------------------------------------------------------------


def test_no_grad_enable_grad_set_grad_enabled_as_contexts():
    def scenario(lib):
        x = leaf(lib)
        out = []
        with lib.no_grad():
            out.append((x * 2).requires_grad)
            out.append(lib.is_grad_enabled())
            with lib.enable_grad():
                out.append((x * 2).requires_grad)
            out.append((x * 2).requires_grad)
        with lib.set_grad_enabled(False):
            out.append((x * 2).requires_grad)
        out.append((x * 2).requires_grad)
        lib.set_grad_enabled(False)  # used as a function: takes effect at once
        out.append((x * 2).requires_grad)
        lib.set_grad_enabled(True)
        with lib.inference_mode():
            out.append((x * 2).requires_grad)
        out.append(lib.is_grad_enabled())
        return out

    same(scenario)


def test_grad_modes_as_decorators():
    def scenario(lib):
        x = leaf(lib)

        @lib.no_grad()
        def off(t):
            return t * 2

        @lib.enable_grad()
        def on(t):
            return t * 2

        @lib.set_grad_enabled(False)
        def set_off(t):
            return t * 2

        with lib.no_grad():
            inner_on = on(x).requires_grad
        return [off(x).requires_grad, inner_on, set_off(x).requires_grad, lib.is_grad_enabled()]

    same(scenario)


def test_no_grad_as_a_bare_decorator():
    def scenario(lib):
        @lib.no_grad
        def off(t):
            return t * 2

        return off(leaf(lib)).requires_grad

    same(scenario)


def test_no_grad_restores_the_mode_after_an_exception():
    def scenario(lib):
        with pytest.raises(ValueError), lib.no_grad():
            raise ValueError
        return lib.is_grad_enabled()

    same(scenario)


# -- detach, .data -----------------------------------------------------------------------------


def test_detach():
    def scenario(lib):
        x = leaf(lib)
        y = x * 2
        d = y.detach()
        flags = [d.requires_grad, d.is_leaf, d.grad_fn is None]
        d.mul_(10)  # shares y's values (PyTorch: storage), no history
        (x * 3).sum().backward()
        return flags, d, y.detach(), x.grad

    same(scenario)


def test_data_writes_are_not_tracked():
    def scenario(lib):
        x = leaf(lib)
        y = x * 1
        y.data.zero_()
        (y * 2).sum().backward()  # d(2y)/dx = 2, whatever y's values
        w = leaf(lib, [1.0, 1.0, 1.0])
        for _ in range(2):  # SGD the old way
            (w * w).sum().backward()
            w.data -= 0.1 * w.grad.data
            w.grad.zero_()
        return x.grad, y.detach(), w.detach(), w.is_leaf, w.requires_grad

    same(scenario)


# -- torch.autograd.grad -------------------------------------------------------------------------


def test_autograd_grad():
    def scenario(lib):
        x, w = leaf(lib), leaf(lib, [0.5, 1.0, 2.0])
        h = x * w
        y = (h * h).sum()
        gx, gw, gh = lib.autograd.grad(y, [x, w, h], retain_graph=True)
        (gsingle,) = lib.autograd.grad(h, x, grad_outputs=lib.ones(3))
        return gx, gw, gh, gsingle, x.grad is None, w.grad is None

    same(scenario)


def test_autograd_grad_allow_unused():
    def scenario(lib):
        x, unused = leaf(lib), leaf(lib)
        y = (x * x).sum()
        gx, gu = lib.autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
        (gm,) = lib.autograd.grad(y, [unused], materialize_grads=True)
        return gx, gu is None, gm

    same(scenario)
    expect_same_error(
        lambda: torch.autograd.grad((leaf(torch) * 2).sum(), [leaf(torch)]),
        lambda: tl.autograd.grad((leaf(tl) * 2).sum(), [leaf(tl)]),
    )


# -- control flow, in-place ops, views ----------------------------------------------------------


def test_gradients_through_python_control_flow():
    def scenario(lib):
        x = leaf(lib, [0.5, -1.0, 2.0])
        y = x
        for i in range(4):
            if i % 2 == 0:
                y = y * x
            else:
                y = y + i
            if y.sum().item() > 100:  # an if on a value, eagerly
                break
        while y.abs().max() < 50:
            y = y * 2
        y.sum().backward()
        return x.grad, y.detach()

    same(scenario)


def test_inplace_ops_on_non_leaves():
    def scenario(lib):
        x = leaf(lib)
        y = x * 2
        y.add_(1)
        y.mul_(x)
        y.sub_(x, alpha=0.5)
        y.div_(3)
        y.clamp_(-1, 4)
        y.exp_()
        z = x.clone()
        z += 1
        z *= x
        z -= 2
        (y.sum() + z.sum()).backward()
        return x.grad, y.detach(), y.grad_fn is not None, y.is_leaf

    same(scenario)


def test_write_through_a_view_is_differentiable():
    def scenario(lib):
        x = leaf(lib, [1.0, 2.0, 3.0, 4.0])
        y = x * 1
        y[0] = 0  # the example
        y.sum().backward()
        g1 = x.grad.clone()
        x.grad = None
        m = x * 1
        row = m.view(2, 2)[1]
        row.mul_(x[:2])  # in-place through a view, with a tracked operand
        m.view(-1)[0] = 5.0
        (m * m).sum().backward()
        return g1, x.grad, m.detach()

    same(scenario)


def test_setitem_of_a_tracked_value_into_a_constant():
    def scenario(lib):
        v = leaf(lib, [2.0, 3.0])
        buf = lib.zeros(2, 3)
        buf[:, 1] = v * v
        buf[0, lib.tensor([True, False, True])] = v.sum()
        (buf * lib.arange(6.0).view(2, 3)).sum().backward()
        return v.grad, buf.detach(), buf.requires_grad

    same(scenario)


def test_inplace_on_a_leaf_requiring_grad_raises():
    for op in (
        lambda x: x.add_(1),
        lambda x: x.zero_(),
        lambda x: x.copy_(x.detach()),
        lambda x: x.__setitem__(0, 1.0),
        lambda x: x[0].mul_(2),  # a view of the leaf
        lambda x: x.view(3).clamp_(0, 1),
    ):
        e = expect_same_error(lambda op=op: op(leaf(torch)), lambda op=op: op(leaf(tl)))
        assert "leaf Variable that requires grad" in str(e)


def test_inplace_on_a_leaf_under_no_grad_is_allowed():
    def scenario(lib):
        x = leaf(lib)
        with lib.no_grad():
            x.add_(1)
            x[0] = 7.0
            x.mul_(2)
        (x * x).sum().backward()
        return x.detach(), x.grad, x.is_leaf, x.requires_grad

    same(scenario)


# -- PyTorch's choices at non-differentiable points ----------------------------------------------


def test_max_with_dim_sends_the_gradient_to_the_returned_index_on_ties():
    def scenario(lib):
        x = lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0], [0.5, 0.5, 0.5]], requires_grad=True)
        values, indices = x.max(1)
        lo, lo_indices = x.min(0)
        (values.sum() + 2 * lo.sum()).backward()
        return x.grad, indices, lo_indices

    same(scenario)


def test_full_max_and_amax_split_the_gradient_among_ties():
    def scenario(lib):
        x = lib.tensor([[1.0, 3.0, 3.0], [2.0, 3.0, 1.0]], requires_grad=True)
        (x.max() + x.amax(1).sum() + 2 * x.min()).backward()
        return (x.grad,)

    same(scenario)


def test_gradients_at_kinks_follow_pytorch():
    def scenario(lib):
        x = leaf(lib, [-1.0, 0.0, 1.0, 2.0])
        y = leaf(lib, [0.0, 0.0, 3.0, 2.0])
        out = (
            x.relu().sum()
            + x.abs().sum() * 2
            + x.clamp(0, 1).sum() * 3
            + lib.maximum(x, y).sum() * 4
            + lib.minimum(x, y).sum() * 5
            + x.sign().sum()
            + lib.where(x > 0, x, y).sum() * 6
        )
        out.backward()
        return x.grad, y.grad

    same(scenario)


def test_relu_gradient_at_zero_is_zero():
    def scenario(lib):
        x = leaf(lib, [0.0, 0.0])
        x.relu().sum().backward()
        return (x.grad,)

    same(scenario)


# -- retain_grad --------------------------------------------------------------------------------


def test_retain_grad_on_a_non_leaf():
    def scenario(lib):
        x = leaf(lib)
        y = x * 2
        y.retain_grad()
        z = y * y
        z.sum().backward()
        return y.grad, y.retains_grad, x.grad, x.retains_grad, z.retains_grad

    same(scenario)


_REBINDS = {  # in-place writes that give a retained tensor a new history
    "relu_": lambda y: y.relu_(),
    "mul_": lambda y: y.mul_(3),
    "through a view": lambda y: y[1:].mul_(2),
    "unsqueeze_ (a view op: keeps it)": lambda y: y.unsqueeze_(0),
    "overwritten under no_grad": None,
}


@pytest.mark.parametrize("write", list(_REBINDS))
def test_retain_grad_follows_the_latest_version(write):
    # PyTorch: .grad of a retained tensor is the gradient of its newest version; a hook
    # registered before the write still sees the old version's gradient.
    def scenario(lib):
        x = leaf(lib)
        y = x * 2
        y.retain_grad()
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()))
        if _REBINDS[write] is None:
            with lib.no_grad():
                y.mul_(5)
        else:
            _REBINDS[write](y)
        (y * lib.arange(y.numel()).reshape(y.shape)).sum().backward()
        return y.grad, x.grad, y.retains_grad, *seen

    same(scenario)


def test_reading_grad_of_a_non_leaf_warns():
    for lib in (torch, tl):
        y = leaf(lib) * 2
        y.sum().backward()
        with pytest.warns(UserWarning, match="not a leaf Tensor"):
            assert y.grad is None
