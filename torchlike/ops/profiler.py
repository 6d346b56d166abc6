"""``torch.ops.profiler``: the ops ``record_function`` runs (see ``torch.autograd.profiler``)."""

from ..autograd.profiler import _record_function_enter, _record_function_exit

__all__ = ["_record_function_enter", "_record_function_exit"]
