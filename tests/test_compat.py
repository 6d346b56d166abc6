"""Process-wide switches and small utilities that PyTorch programs use in their first lines."""

from __future__ import annotations

import pytest
import torch

import torchlike as tl

FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    ours, theirs = tl.finfo(getattr(tl, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    ours, theirs = tl.iinfo(getattr(tl, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_finfo_of_an_integer_dtype_is_a_type_error():
    for lib in (tl, torch):
        with pytest.raises(TypeError):
            lib.finfo(lib.int64)
    assert tl.finfo().eps == torch.finfo().eps  # the default dtype


CLOSE = {
    "equal": lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0])),
    "within_default_float32": lambda lib: (lib.tensor([1.0]), lib.tensor([1.0 + 1e-6])),
    "outside_default_float32": lambda lib: (lib.tensor([1.0]), lib.tensor([1.001])),
    "float64_tighter": lambda lib: (
        lib.tensor([1.0], dtype=lib.float64),
        lib.tensor([1.0 + 1e-6], dtype=lib.float64),
    ),
    "dtype_differs": lambda lib: (lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64)),
    "shape_differs": lambda lib: (lib.ones(2), lib.ones(3)),
    "nan": lambda lib: (lib.tensor([float("nan")]), lib.tensor([float("nan")])),
    "ints_exact": lambda lib: (lib.tensor([1, 2]), lib.tensor([1, 3])),
    "sequences": lambda lib: ([lib.ones(2), lib.zeros(1)], [lib.ones(2), lib.zeros(1)]),
    "dicts": lambda lib: ({"a": lib.ones(2)}, {"a": lib.ones(2) * 2}),
}


@pytest.mark.parametrize("case", list(CLOSE))
def test_assert_close_agrees_with_torch(case):
    def outcome(lib):
        try:
            lib.testing.assert_close(*CLOSE[case](lib))
            return "close"
        except AssertionError:
            return "AssertionError"

    assert outcome(tl) == outcome(torch)


def test_assert_close_tolerances_and_message():
    tl.testing.assert_close(tl.tensor([1.0]), tl.tensor([1.1]), rtol=0.2, atol=0.0)
    with pytest.raises(AssertionError, match="Tensor-likes are not close!"):
        tl.testing.assert_close(tl.tensor([1.0, 5.0]), tl.tensor([1.0, 6.0]))
    with pytest.raises(ValueError):
        tl.testing.assert_close(tl.ones(1), tl.ones(1), rtol=0.1)


def test_matmul_precision_switches():
    assert tl.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        tl.backends.cuda.matmul.allow_tf32 = True
        assert tl.get_float32_matmul_precision() == "high"
        tl.set_float32_matmul_precision("medium")
        assert tl.backends.cuda.matmul.allow_tf32
    finally:
        tl.set_float32_matmul_precision("highest")
    assert not tl.backends.cuda.matmul.allow_tf32
    with pytest.raises(RuntimeError):
        tl.set_float32_matmul_precision("fastest")


def test_backend_flags_are_settable():
    tl.backends.cudnn.benchmark = True
    tl.backends.cudnn.deterministic = True
    assert tl.backends.cudnn.benchmark and tl.backends.cudnn.deterministic
    tl.backends.cudnn.benchmark = tl.backends.cudnn.deterministic = False
    assert tl.backends.mps.is_available() is False
    tl.use_deterministic_algorithms(True)
    assert tl.are_deterministic_algorithms_enabled()
    tl.use_deterministic_algorithms(False)
    tl.set_num_threads(2)
    assert tl.get_num_threads() == 2


def test_mps_device_names_but_cannot_hold_tensors():
    assert str(tl.device("mps")) == str(torch.device("mps")) == "mps"
    with pytest.raises(RuntimeError, match="mps"):
        tl.ones(2).to("mps")


def test_legacy_type_conversions():
    x = tl.tensor([1.5, 2.5])
    for lib, t in ((tl, x), (torch, torch.tensor([1.5, 2.5]))):
        assert t.type(lib.LongTensor).dtype == lib.int64
        assert t.type("torch.DoubleTensor").dtype == lib.float64
        assert t.type() == "torch.FloatTensor"
    assert x.pin_memory() is x and not x.is_pinned()


def test_jit_script_and_trace_are_identity():
    model = tl.nn.Linear(2, 2)
    assert tl.jit.script(model) is model
    assert tl.jit.trace(model, tl.ones(1, 2)) is model
    with pytest.raises(NotImplementedError, match="torchlike.save"):
        tl.jit.save(model, "m.pt")


def test_rng_state_is_a_byte_tensor_that_restores_the_stream():
    tl.manual_seed(3)
    state = tl.get_rng_state()
    assert state.dtype == tl.uint8 and state.dim() == 1
    repr(state)  # printable, as torch's ByteTensor state is
    first = tl.rand(3)
    tl.set_rng_state(state)
    assert (tl.rand(3) == first).all().item()
    with pytest.raises(RuntimeError, match="wrong size"):
        tl.set_rng_state(state[:3])
