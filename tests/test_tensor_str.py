"""torchlike._tensor_str.format_tensor must print exactly what torch 2.13 prints."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchlike import _tensor_str
from torchlike._tensor_str import format_tensor, set_printoptions

nan, inf = math.nan, math.inf


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed)).to(dtype)


def _randint(lo: int, hi: int, *shape: int, seed: int = 0, dtype=torch.int64) -> torch.Tensor:
    return torch.randint(lo, hi, shape, generator=_gen(seed), dtype=dtype)


def _grad_tensors() -> list[torch.Tensor]:
    leaf = torch.tensor([1.5, -2.0, 3.25], requires_grad=True)
    wide = _randn(4, 7, seed=7).mul(1000).requires_grad_()
    long_row = (torch.arange(1.0, 7.0) * -1000.123).requires_grad_()  # suffix wraps
    return [
        leaf,
        leaf * 2,
        leaf.sum(),
        wide,
        wide + 1,
        torch.zeros(0, 2, requires_grad=True),
        long_row,
        long_row.double() * 2,  # dtype and grad_fn both follow the values
        _randn(2, 3, 4, seed=27).requires_grad_().exp(),
    ]


def _cases() -> list[tuple[str, torch.Tensor]]:
    f = torch.tensor
    cases = {
        # 0-d
        "scalar_float": f(3.5),
        "scalar_int_valued": f(2.0),
        "scalar_int": f(7),
        "scalar_bool": f(True),
        "scalar_neg_zero": f(-0.0),
        "scalar_nan": f(nan),
        "scalar_big": f(1e10),
        "scalar_small": f(1e-5),
        "scalar_f64": f(0.1, dtype=torch.float64),
        "scalar_i32": f(-5, dtype=torch.int32),
        "scalar_complex": f(1 - 2j),
        # 1-d floats
        "ints_as_floats": f([1.0, 2.0]),
        "fixed": f([1.0, 2.5, -3.125]),
        "sci_ratio": f([1.0, 2000.0]),
        "sci_big": f([1e10, 1.0]),
        "sci_big_frac": f([1.5e10, 1.25]),
        "sci_small": f([1e-5, 0.5]),
        "boundary_1e8": f([1e8, 2e8]),
        "boundary_ratio": f([1.0, 1000.0]),
        "boundary_1e-4": f([1e-4, 2e-4]),
        "nonfinite": f([nan, inf, -inf, 1.5]),
        "nonfinite_int_mode": f([nan, inf, -inf, 2.0]),
        "only_nonfinite": f([nan, inf, -inf]),
        "nonfinite_sci": f([nan, 1e-8, -inf]),
        "zeros": torch.zeros(4),
        "neg_zeros": f([-0.0, 0.0, 1.0]),
        "neg_zero_fixed": f([-0.0, 0.5]),
        "neg_zero_sci": f([-0.0, 1e-6]),
        "rounding": f([0.00005, 0.99995, 1.23456789]),
        "mixed_sign_width": f([-123.456, 0.001, 7.0]),
        "randn_20": _randn(20, seed=1),
        "randn_f64": _randn(9, seed=2, dtype=torch.float64),
        "randn_f16": _randn(9, seed=3, dtype=torch.float16),
        "randn_bf16": _randn(9, seed=4, dtype=torch.bfloat16),
        "f16_big": f([65504.0, 0.001], dtype=torch.float16),
        "bf16_big": f([3e38, -1.0, 0.0078125], dtype=torch.bfloat16),
        "f64_precise": f([1 / 3, 2 / 3, 1e-300], dtype=torch.float64),
        "f64_huge_ratio": f([1e308, 5e-324], dtype=torch.float64),
        "wrap_1d": torch.linspace(-1, 1, 37),
        "wrap_1d_ints": torch.arange(60.0),
        "wrap_dtype_suffix": torch.linspace(-1000.5, 1000, 7, dtype=torch.float64),
        # integers and bools
        "ints": f([1, -20, 300]),
        "int32": f([1, 2, 3], dtype=torch.int32),
        "int16": f([-32768, 32767], dtype=torch.int16),
        "int8": f([-128, 0, 127], dtype=torch.int8),
        "uint8": f([0, 255], dtype=torch.uint8),
        "bools": f([True, False, True]),
        "bool_2d": _randn(3, 4, seed=5) > 0,
        "long_ints": torch.arange(100),
        "big_int64": f([2**62, -(2**62)]),
        "randint_2d": _randint(-1000, 1000, 6, 9, seed=6),
        # 2-d and more
        "mat": _randn(3, 4, seed=8),
        "mat_wide": _randn(3, 15, seed=9),
        "mat_sci": _randn(4, 5, seed=10) * 1e6,
        "mat_f64": _randn(3, 3, seed=11, dtype=torch.float64),
        "row": _randn(1, 5, seed=12),
        "col": _randn(5, 1, seed=13),
        "cube": _randn(2, 3, 4, seed=14),
        "rank4": _randn(2, 2, 2, 3, seed=15),
        "rank5_ints": torch.arange(32).reshape(2, 2, 2, 2, 2),
        "eye": torch.eye(3),
        "complex": f([1 + 2j, -0.5 - 1j, nan + 0j]),
        "complex_sci": f([[1e10 + 1j, 0.0 - 1e-8j]]),
        "complex_neg_zero": f([1.5 - 0.0j, 0.0 + 0.0j]),
        "complex_wide": torch.complex(_randn(12, seed=16), _randn(12, seed=17)),
        # empty
        "empty_1d": f([]),
        "empty_2d": torch.zeros(0, 3),
        "empty_3d": torch.zeros(2, 0, 4),
        "empty_int32": f([], dtype=torch.int32),
        "empty_int64": torch.zeros(0, dtype=torch.int64),
        "empty_bool": torch.zeros(3, 0, dtype=torch.bool),
        "empty_f64": torch.zeros(0, dtype=torch.float64),
        "empty_bf16": torch.zeros(0, 5, dtype=torch.bfloat16),
        "empty_complex": torch.zeros(0, dtype=torch.complex64),
        # summarised (numel > 1000)
        "big_1d": torch.arange(2000.0),
        "big_1d_randn": _randn(1001, seed=18),
        "big_1d_int32": torch.arange(5000, dtype=torch.int32),
        "big_2d": _randn(40, 40, seed=19),
        "big_2d_short_rows": _randn(500, 3, seed=20),
        "big_2d_short_cols": _randn(3, 500, seed=21),
        "big_3d": _randn(11, 12, 13, seed=22),
        "big_sci_hidden": torch.cat([torch.ones(10), torch.full((1000,), 1e9), torch.ones(10)]),
        "big_bool": torch.ones(2000, dtype=torch.bool),
        "big_f16": _randn(1200, seed=23, dtype=torch.float16),
        "big_bf16": _randn(30, 50, seed=24, dtype=torch.bfloat16),
        "big_complex": torch.complex(_randn(1100, seed=25), _randn(1100, seed=26)),
    }
    items = list(cases.items())
    items += [(f"grad_{i}", t) for i, t in enumerate(_grad_tensors())]
    return items


CASES = _cases()


def _suffixes(t: torch.Tensor) -> list[str]:
    if t.grad_fn is not None:
        return [f"grad_fn=<{type(t.grad_fn).__name__}>"]
    return ["requires_grad=True"] if t.requires_grad else []


def _check(t: torch.Tensor, default_float: str = "float32") -> None:
    suffixes = _suffixes(t)
    t_plain = t.detach()
    values = t_plain.float().numpy() if t.dtype == torch.bfloat16 else t_plain.numpy()
    name = str(t.dtype).removeprefix("torch.")
    got = format_tensor(values, name, default_float=default_float, suffixes=suffixes)
    assert got == repr(t), f"\n--- ours ---\n{got}\n--- torch ---\n{repr(t)}"
    assert got == str(t)


@pytest.fixture(autouse=True)
def _restore_options():
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name,t", CASES, ids=[name for name, _ in CASES])
def test_matches_torch(name: str, t: torch.Tensor) -> None:
    _check(t)


@pytest.mark.parametrize("name,t", CASES, ids=[name for name, _ in CASES])
def test_matches_torch_with_default_float64(name: str, t: torch.Tensor) -> None:
    torch.set_default_dtype(torch.float64)
    _check(t, default_float="float64")


OPTIONS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0},
    {"linewidth": 40},
    {"linewidth": 200},
    {"linewidth": 5},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 6},
]


@pytest.mark.parametrize("options", OPTIONS, ids=[repr(o) for o in OPTIONS])
def test_printoptions_match_torch(options: dict) -> None:
    torch.set_printoptions(**options)
    set_printoptions(**options)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    for _, t in CASES:
        _check(t)


def test_sci_mode_is_reset_when_omitted() -> None:
    set_printoptions(sci_mode=True)
    set_printoptions(precision=4)
    assert _tensor_str.PRINT_OPTS.sci_mode is None


def test_device_suffix_goes_before_dtype() -> None:
    # torch places device= before size=/dtype= (only checkable by hand on a CPU-only torch).
    out = format_tensor(
        torch.tensor([1, 2], dtype=torch.int32).numpy(),
        "int32",
        suffixes=["requires_grad=True", "device='cuda:0'"],
    )
    assert out == "tensor([1, 2], device='cuda:0', dtype=torch.int32, requires_grad=True)"


_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64]
_SPECIAL = st.sampled_from([0.0, -0.0, nan, inf, -inf, 1e-9, 1e9, 123456.0, 0.5, -7.0])


@settings(max_examples=300, deadline=None)
@given(
    shape=st.lists(st.integers(0, 5), max_size=4),
    dtype=st.sampled_from(_DTYPES),
    seed=st.integers(0, 2**31 - 1),
    scale=st.sampled_from([1e-6, 1e-3, 1.0, 1e3, 1e9]),
    specials=st.lists(_SPECIAL, max_size=3),
    threshold=st.sampled_from([1000, 10]),
)
def test_random_tensors_match_torch(shape, dtype, seed, scale, specials, threshold) -> None:
    torch.set_printoptions(threshold=threshold)
    set_printoptions(threshold=threshold)
    values = torch.randn(shape, generator=_gen(seed), dtype=torch.float64) * scale
    flat = values.view(-1)
    for i, special in enumerate(specials[: flat.numel()]):
        flat[i] = special
    if not dtype.is_floating_point:
        values = values.nan_to_num(0.0, 0.0, 0.0).clamp(-1e9, 1e9).round()
    _check(values.to(dtype))
