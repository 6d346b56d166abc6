"""The op registry: one ``OpInfo`` row per op, checked against PyTorch by ``test_ops.py``.

Each row names the op, the callable on each side (``torchlike`` and ``torch``), a sample
generator and flags; the generic tests run every row (see ``test_ops.py``, and ``test_out.py``
for ``out=``). A sample is ``(args, kwargs)`` built from NumPy arrays (which become a tensor in
each library), Python numbers, and the markers of :mod:`.core` (a dtype, a raw NumPy array).
Reference values always come from running PyTorch on the same sample, never from numbers written
here.

The rows live in one module per family, as PyTorch's documentation groups its ops:

* :mod:`.pointwise`: arithmetic and operators, comparisons and logic, unary and binary math,
  type promotion;
* :mod:`.reductions`: reductions, scans, sorting, searching and order statistics;
* :mod:`.shape`: views, reshapes, joining, splitting, repeating;
* :mod:`.indexing`: ``__getitem__``/``__setitem__``, gather/scatter, index and masked ops;
* :mod:`.creation`: factories, ``*_like``, ranges, ``from_numpy``;
* :mod:`.linalg`: products and ``torch.linalg``;
* :mod:`.tensor_api`: Python-valued methods and the in-place methods that are ops of their own.

:mod:`.core` holds the row type, dtypes, tolerances and the shared sample generators;
:mod:`.harness` converts samples and compares results (``assert_same``, ``expect_same_error``).
The ``torch.nn.functional`` rows (``Case``, run by ``test_functional.py``) are in
:mod:`.functional`; the smaller ``torch.*`` tables (``nn.functional`` ops under ``torch.*`` names,
in-place forms, scatter variants) in :mod:`.torch_functions`, run by ``test_torch_functions.py``.

Adding an op means adding a row to its family: give it samples covering 0-d, empty,
broadcasting and negative dims where they apply, the dtypes PyTorch's CPU build supports for it,
and error samples (inputs PyTorch rejects) when there are interesting ones.
"""

from __future__ import annotations

from . import creation, indexing, linalg, pointwise, reductions, shape, tensor_api
from .core import (
    ALL,
    FD_ATOL,
    FD_EPS,
    FD_RTOL,
    FLOAT_INT,
    FLOATS,
    INTS,
    TOL,
    Dt,
    NumPy,
    OpInfo,
    Sample,
    call,
    make,
)
from .harness import assert_same, build, convert, expect_same_error, is_float, numpy_of
from .pointwise import ELEMENTWISE_BINARY

OPS: list[OpInfo] = [
    *pointwise.OPS,
    *reductions.OPS,
    *shape.OPS,
    *indexing.OPS,
    *creation.OPS,
    *linalg.OPS,
    *tensor_api.OPS,
]
OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate row names"

__all__ = [
    "ALL",
    "ELEMENTWISE_BINARY",
    "FD_ATOL",
    "FD_EPS",
    "FD_RTOL",
    "FLOATS",
    "FLOAT_INT",
    "INTS",
    "OPS",
    "OPS_BY_NAME",
    "TOL",
    "Dt",
    "NumPy",
    "OpInfo",
    "Sample",
    "assert_same",
    "build",
    "call",
    "convert",
    "expect_same_error",
    "is_float",
    "make",
    "numpy_of",
]
