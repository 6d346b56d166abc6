"""``torchlike.fx``: PyTorch's ``torch.fx`` -- symbolic tracing into a ``Graph`` of ``Node``s,
``GraphModule`` (a module running generated code), ``Interpreter``/``Transformer`` and
``replace_pattern``.

How tracing sees torchlike's functions: PyTorch routes ``torch.relu(proxy)`` through
``__torch_function__``; torchlike has no such protocol, so while Proxies exist the public
functions of ``torch``, ``torch.nn.functional``, ``torch.special`` and ``torch.linalg`` are
proxy-aware wrappers on their modules (and in the globals of the code a ``Tracer`` traces), and
the originals return when the last Proxy is gone (``proxy.symbolic_mode``). Eager code pays
nothing outside tracing. A function taken out of its module beforehand and called from code
that is not being traced (``from torch import cat`` in a helper module, then ``cat([proxy])``
from a graph built by hand) does not see Proxies: wrap it with ``torch.fx.wrap`` or call it as
``torch.cat``.
"""

from . import graph, graph_module, immutable_collections, node, proxy, subgraph_rewriter
from ._symbolic_trace import Tracer, _assert, symbolic_trace, wrap  # noqa: F401  (_assert: torch._assert)
from .graph import Graph
from .graph_module import GraphModule
from .interpreter import Interpreter, Transformer
from .node import Node, map_arg
from .proxy import Proxy
from .subgraph_rewriter import replace_pattern

__all__ = [
    "Graph",
    "GraphModule",
    "Interpreter",
    "Node",
    "Proxy",
    "Tracer",
    "Transformer",
    "graph",
    "graph_module",
    "immutable_collections",
    "map_arg",
    "node",
    "proxy",
    "replace_pattern",
    "subgraph_rewriter",
    "symbolic_trace",
    "wrap",
]
