"""PyTorch-identical ``repr(tensor)`` text, computed from plain numpy values.

This module reimplements the layout rules of PyTorch 2.13's ``torch/_tensor_str.py``:
a shared element width per tensor, integer mode (``1.``), fixed (``1.5000``) or scientific
(``1.0000e+10``) notation, summarisation with ``...`` past ``threshold`` elements, wrapping at
``linewidth`` columns, and the ``dtype=`` / ``size=`` / caller suffixes after the values.
It imports numpy only, so it can be tested against real torch without jax.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {  # (precision, threshold, edgeitems, linewidth)
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set print options like ``torch.set_printoptions``.

    ``profile`` ('default', 'short' or 'full'; others are ignored) is applied first, then any
    explicit option. As in torch, ``sci_mode`` is always assigned, so omitting it resets it
    to ``None`` (automatic choice).
    """
    if profile in _PROFILES:
        (
            PRINT_OPTS.precision,
            PRINT_OPTS.threshold,
            PRINT_OPTS.edgeitems,
            PRINT_OPTS.linewidth,
        ) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


class _Formatter:
    """Chooses one notation and one width for all (summarised) values of a real tensor."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not floating:
            self.max_width = max([1, *(len(f"{v}") for v in flat.tolist())])
            return
        nonzero = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if nonzero.size == 0:
            return  # only zeros, nan and inf: int mode, width 1
        lo, hi = float(np.abs(nonzero).min()), float(np.abs(nonzero).max())
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in nonzero.tolist()]
        elif self.int_mode:  # one more column for the trailing "."
            widths = [len(f"{v:.0f}") + 1 for v in nonzero.tolist()]
        else:
            widths = [len(f"{v:.{p}f}") for v in nonzero.tolist()]
        self.max_width = max(self.max_width, *widths)

    def format(self, value: float | int | bool) -> str:
        """One element (a Python scalar), right-aligned to the common width."""
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.max_width)


_Formatters = tuple[_Formatter, "_Formatter | None"]


def _element_str(value: Any, fmt: _Formatters) -> str:
    """Format a real element, or a complex one as ``re+imj`` with one formatter per part."""
    real_fmt, imag_fmt = fmt
    if imag_fmt is None:
        return real_fmt.format(value)
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatters) -> str:
    """A 1-d row: as many elements per line as fit in ``linewidth - indent`` columns."""
    element_length = fmt[0].max_width + 2
    if fmt[1] is not None:
        element_length += fmt[1].max_width + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        head = [_element_str(v, fmt) for v in values[:edge].tolist()]
        tail = [_element_str(v, fmt) for v in values[-edge:].tolist()]
        data = [*head, " ...", *tail]
    else:
        data = [_element_str(v, fmt) for v in values.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatters) -> str:
    """Any rank: rows of rank >= 2 are separated by ``ndim - 1`` newlines."""
    if values.ndim == 0:
        return _element_str(values.item(), fmt)
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, fmt)
    n, edge = values.shape[0], PRINT_OPTS.edgeitems
    if summarize and n > 2 * edge:
        head = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(edge)]
        tail = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
        slices = [*head, "...", *tail]
    else:
        slices = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(values: np.ndarray) -> np.ndarray:
    """The values a summarised print shows (flattened), which alone decide the formatting."""
    edge = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values.reshape(-1)
    if values.ndim == 1:  # values[-0:] is everything: torch's quirk for edgeitems=0, kept
        big = values.shape[0] > 2 * edge
        return np.concatenate((values[:edge], values[-edge:])) if big else values
    if not edge:
        return values.reshape(-1)[:0]
    n = values.shape[0]
    rows = [*range(edge), *range(n - edge, n)] if n > 2 * edge else range(n)
    return np.concatenate([_summarized(values[i]) for i in rows])


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, key=value`` items, each moved to a new line if it would pass linewidth."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1  # torch's count, off-by-two included
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def format_tensor(
    values: np.ndarray,
    dtype_name: str,
    *,
    default_float: str = "float32",
    suffixes: list[str] | None = None,
) -> str:
    """``repr`` of a dense tensor exactly as PyTorch prints it.

    ``values`` holds the tensor's values (bfloat16 as float32); ``dtype_name`` is the torch
    dtype without ``torch.``; ``default_float`` is ``torch.get_default_dtype()``'s name.
    ``suffixes`` are preformatted ``key=value`` items: ``device=...`` ones go first, as in torch,
    the rest (``grad_fn=<...>``, ``requires_grad=True``) after ``size=`` and ``dtype=``.
    """
    values = np.asarray(values)
    prefix = "tensor("
    indent = len(prefix)
    extra = list(suffixes or [])
    tail = [s for s in extra if not s.startswith("device=")]
    items = [s for s in extra if s.startswith("device=")]
    if values.size == 0:
        if values.ndim != 1:
            items.append(f"size={tuple(values.shape)}")
        if dtype_name != default_float:  # no values to tell ints from floats
            items.append(f"dtype=torch.{dtype_name}")
        return _add_suffixes(prefix + "[]", items + tail, indent)
    if not PRINT_OPTS.edgeitems:
        items.append(f"size={tuple(values.shape)}")
    default_complex = "complex128" if default_float == "float64" else "complex64"
    if dtype_name not in (default_float, default_complex, "int64", "bool"):
        items.append(f"dtype=torch.{dtype_name}")

    summarize = values.size > PRINT_OPTS.threshold
    shown = _summarized if summarize else np.asarray
    if dtype_name.startswith("complex"):
        fmt = (_Formatter(shown(values.real), True), _Formatter(shown(values.imag), True))
    else:
        floating = dtype_name.startswith(("float", "bfloat"))
        fmt = (_Formatter(shown(values), floating), None)
    body = _nested_str(values, indent, summarize, fmt)
    return _add_suffixes(prefix + body, items + tail, indent)
