"""``torch.ops``: PyTorch's operator namespaces. torchlike provides ``torch.ops.profiler``
(``_record_function_enter``/``_record_function_exit``, the ops behind ``record_function``);
other namespaces (``torch.ops.aten``, custom ops) are not provided."""

from . import profiler

__all__ = ["profiler"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"torch.ops.{name} is not provided by torchlike (it has torch.ops.profiler only); "
        "call the public torch functions instead"
    )
