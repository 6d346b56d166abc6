"""``replace_pattern``: find every non-overlapping occurrence of a pattern's dataflow in a
GraphModule's graph and put a replacement's in its place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import nn
from ._symbolic_trace import symbolic_trace
from .graph import Graph
from .graph_module import GraphModule, _copy_attr
from .node import Node


class Match(NamedTuple):
    anchor: Node  # the pattern's node the match was found from (what the pattern returns)
    nodes_map: dict[Node, Node]  # pattern node -> graph node


@dataclass
class ReplacedPatterns:
    anchor: Node
    nodes_map: dict[Node, Node]
    replacements: list[Node]


@dataclass
class InternalMatch:
    anchors: list[Node]  # the pattern's returned nodes the search started from
    nodes_map: dict[Node, Node] = field(default_factory=dict)
    placeholder_nodes: list[Node] = field(default_factory=list)
    returning_nodes: list[Node] = field(default_factory=list)


class _Matcher:
    """Matches a pattern graph's dataflow (placeholders match any value; the output is not
    matched) against a graph, as PyTorch's ``SubgraphMatcher(match_output=False,
    match_placeholder=False, remove_overlapping_matches=True)``."""

    def __init__(self, pattern: Graph, ignore_literals: bool = False) -> None:
        for node in pattern.nodes:
            if node.op != "output" and not node.users:
                raise AssertionError(
                    "SubgraphMatcher cannot be initialized with an pattern with dead code"
                )
        self.pattern = pattern
        self.ignore_literals = ignore_literals
        self.placeholders = [n for n in pattern.nodes if n.op == "placeholder"]
        output = next(n for n in reversed(pattern.nodes) if n.op == "output")
        ret = output.args[0]
        self.returning = list(ret) if isinstance(ret, (list, tuple)) else [ret]
        self.anchors = [n for n in self.returning if n.op != "placeholder"]

    def _same_node(self, pn: Node, gn: Node) -> bool:
        if pn.op == "placeholder":
            return True
        if pn.op != gn.op:
            return False
        return pn.target == gn.target

    def _match_literals(self, pv: Any, gv: Any, nodes_map: dict[Node, Any]) -> bool:
        if isinstance(pv, Node):
            if pv.op != "placeholder":
                return False
            if pv in nodes_map:
                return nodes_map[pv] == gv
            nodes_map[pv] = gv
            return True
        if isinstance(gv, Node):
            return False
        return self.ignore_literals or (type(pv) is type(gv) and pv == gv)

    def _match_args(self, pargs: Any, gargs: Any, nodes_map: dict[Node, Any]) -> bool:
        if len(pargs) != len(gargs):
            return False
        for pa, ga in zip(pargs, gargs):
            if isinstance(pa, Node) and isinstance(ga, Node):
                ok = self._match_nodes(pa, ga, nodes_map)
            elif isinstance(pa, (list, tuple)) and isinstance(ga, (list, tuple)):
                ok = self._match_args(pa, ga, nodes_map)
            else:
                ok = self._match_literals(pa, ga, nodes_map)
            if not ok:
                return False
        return True

    def _match_nodes(self, pn: Node, gn: Node, nodes_map: dict[Node, Any]) -> bool:
        if pn in nodes_map:
            return nodes_map[pn] is gn
        if any(v is gn for v in nodes_map.values()) or not self._same_node(pn, gn):
            return False
        saved = dict(nodes_map)
        nodes_map[pn] = gn
        if pn.op == "placeholder":
            return True
        if set(pn.kwargs) != set(gn.kwargs) or not self._match_args(
            list(pn.args) + [pn.kwargs[k] for k in pn.kwargs],
            list(gn.args) + [gn.kwargs[k] for k in pn.kwargs],
            nodes_map,
        ):
            nodes_map.clear()
            nodes_map.update(saved)
            return False
        return True

    def _contained(self, nodes_map: dict[Node, Any]) -> bool:
        """The matched inner nodes are used only inside the match (so they can go)."""
        inner = {gn: pn for pn, gn in nodes_map.items() if pn.op != "placeholder"}
        for gn, pn in inner.items():
            if pn in self.returning:
                continue
            if any(user not in inner for user in gn.users):
                return False
        return True

    def match(self, graph: Graph) -> list[InternalMatch]:
        candidates = {a: [n for n in graph.nodes if self._same_node(a, n)] for a in self.anchors}
        matches: list[InternalMatch] = []

        def search(i: int, nodes_map: dict[Node, Any]) -> None:
            if i == len(self.anchors):
                if self._contained(nodes_map):
                    m = InternalMatch(anchors=list(self.anchors), nodes_map=dict(nodes_map))
                    m.placeholder_nodes = [nodes_map[p] for p in self.placeholders]
                    m.returning_nodes = [nodes_map[r] for r in self.returning]
                    matches.append(m)
                return
            anchor = self.anchors[i]
            for candidate in candidates[anchor]:
                trial = dict(nodes_map)
                if self._match_nodes(anchor, candidate, trial):
                    search(i + 1, trial)

        search(0, {})
        kept: list[InternalMatch] = []
        used: set[Node] = set()
        for m in matches:
            nodes = {gn for pn, gn in m.nodes_map.items() if pn.op != "placeholder"}
            if nodes & used:
                continue
            used |= nodes
            kept.append(m)
        return kept


def _to_graph(obj: Callable[..., Any] | Graph | GraphModule) -> Graph:
    if isinstance(obj, GraphModule):
        return obj.graph
    if isinstance(obj, Graph):
        return obj
    return symbolic_trace(obj).graph


def _replace(
    gm: GraphModule,
    pattern: Callable[..., Any] | Graph | GraphModule,
    replacement: Callable[..., Any] | Graph | GraphModule,
    match_filters: list[Callable[[InternalMatch, Graph, Graph], bool]] | None,
    ignore_literals: bool,
) -> list[ReplacedPatterns]:
    graph = gm.graph
    pattern_graph = _to_graph(pattern)
    matches = [
        m
        for m in _Matcher(pattern_graph, ignore_literals).match(graph)
        if all(f(m, graph, pattern_graph) for f in match_filters or [])
    ]
    replacement_graph = _to_graph(replacement)
    changed: dict[Node, Node] = {}
    results = []
    for m in matches:
        placeholders = [n for n in replacement_graph.nodes if n.op == "placeholder"]
        if len(placeholders) != len(m.placeholder_nodes):
            raise AssertionError(
                f"Placeholder count mismatch: {len(m.placeholder_nodes)} vs {len(placeholders)}"
            )
        val_map: dict[Node, Any] = {}
        for rn, gn in zip(placeholders, m.placeholder_nodes):
            val_map[rn] = changed.get(gn, gn) if isinstance(gn, Node) else gn
        users = {u for n in m.returning_nodes for u in n.users}
        insert_point = next((n for n in graph.nodes if n in users), None)
        if insert_point is None:
            after = None
            for n in reversed(graph.nodes):
                if n in m.returning_nodes:
                    insert_point = after
                    break
                after = n
        if insert_point is None:
            raise AssertionError("The insert point can't be None")
        with graph.inserting_before(insert_point):
            copied = graph.graph_copy(replacement_graph, val_map)
        if isinstance(copied, Node):
            copied = (copied,)
        for gn, new in zip(m.returning_nodes, copied):
            gn.replace_all_uses_with(new)
            changed[gn] = new
        for pn in reversed(pattern_graph.nodes):
            if pn.op not in ("placeholder", "output"):
                graph.erase_node(m.nodes_map[pn])
        replacements = [v for v in val_map.values() if v not in m.placeholder_nodes]
        results.append(ReplacedPatterns(m.anchors[0], m.nodes_map, replacements))
    gm.recompile()
    if isinstance(replacement, nn.Module):
        for node in gm.graph.nodes:
            if node.op in ("get_attr", "call_module") and not _has_attr(gm, node.target):
                _copy_attr(replacement, gm, node.target)
    return results


def _has_attr(module: Any, target: str) -> bool:
    for atom in target.split("."):
        if not hasattr(module, atom):
            return False
        module = getattr(module, atom)
    return True


def replace_pattern(
    gm: GraphModule,
    pattern: Callable[..., Any] | GraphModule,
    replacement: Callable[..., Any] | GraphModule,
) -> list[Match]:
    """Replace every non-overlapping match of ``pattern`` in ``gm.graph`` by ``replacement``
    (functions are traced; their inputs bind, in order, to the matched values), recompile
    ``gm``, and return the matches. Matching follows dataflow, not names; a match whose inner
    values are used outside it is skipped."""
    return [Match(r.anchor, r.nodes_map) for r in _replace(gm, pattern, replacement, None, False)]


def replace_pattern_with_filters(
    gm: GraphModule,
    pattern: Callable[..., Any] | Graph | GraphModule,
    replacement: Callable[..., Any] | Graph | GraphModule,
    match_filters: list[Callable[[InternalMatch, Graph, Graph], bool]] | None = None,
    ignore_literals: bool = False,
) -> list[ReplacedPatterns]:
    """``replace_pattern``, keeping only matches every filter accepts; ``ignore_literals``
    lets a pattern's constants match any constant."""
    return _replace(gm, pattern, replacement, match_filters, ignore_literals)
