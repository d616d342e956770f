"""The sequence-flow graph of one process level: its loops, and the longest way through it.

A loop is allowed when every way round it passes a node where a person acts (a user or manual
task): each round then waits for someone's decision, so the engine can never spin on its own.
That is the rework loop ("退回修改": a review sends the work back to the edit step). A loop that
no person decides would run without bound inside one engine run, and is refused. The longest path
counts each allowed loop once (one round); the runtime bounds the rounds (runtime.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Set


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's components, iteratively (a long chain must not exhaust the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def loops(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The components that hold a cycle (more than one node, or a node flowing to itself)."""
    return [c for c in strongly_connected(edges) if len(c) > 1 or c[0] in set(edges[c[0]])]


def undecided_loop(
    component: list[str], edges: Mapping[str, Iterable[str]], human: Set[str]
) -> str | None:
    """A node on a way round ``component`` that passes no human node, or None when every way
    round waits for a person."""
    inside = set(component) - set(human)
    automatic = {node: [c for c in edges[node] if c in inside] for node in inside}
    for rest in loops(automatic):
        return sorted(rest)[0]
    return None


def longest_path(edges: Mapping[str, Iterable[str]], weights: Mapping[str, int]) -> int:
    """The heaviest way through the graph, each loop counted as one round of its nodes."""
    components = strongly_connected(edges)
    owner = {node: i for i, component in enumerate(components) for node in component}
    weight = [sum(weights[n] for n in component) for component in components]
    after: list[set[int]] = [set() for _ in components]
    for node, children in edges.items():
        for child in children:
            if owner[child] != owner[node]:
                after[owner[node]].add(owner[child])
    # Tarjan's algorithm emits components in reverse topological order: successors first.
    best: list[int] = []
    for i, component_weight in enumerate(weight):
        best.append(component_weight + max((best[j] for j in after[i]), default=0))
    return max(best, default=0)
