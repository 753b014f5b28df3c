"""``tradewind dags list`` and ``tradewind dags show``: what DAG files define.

Both read DAGs through the parse worker (a child process, see
:mod:`tradewind.runtime.parse_worker`), so inspecting a folder never runs user code in the
CLI process, and they show the same ``DagSpec`` the scheduler will see.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.main import EXIT_BAD_INPUT
from tradewind.cli.output import output_option, yaml_dumper
from tradewind.errors import TradewindError

if TYPE_CHECKING:
    from rich.text import Text
    from rich.tree import Tree

    from tradewind.contracts.dagspec import DagSpec
    from tradewind.runtime.loader import ParseResult

__all__ = ["dag_to_dot", "dag_tree", "register"]

#: Exit status of ``dags list`` when some file failed to import (its good DAGs still listed).
EXIT_IMPORT_ERRORS = 1

_timeout_option = click.option(
    "--timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds each DAG file may take to import.",
)


class _BadInput(click.ClickException):
    """One ``Error: ...`` line on stderr and exit status 2, as for any bad input."""

    exit_code = EXIT_BAD_INPUT


def register(group: click.Group) -> None:
    """Add ``list`` and ``show`` to the ``dags`` command group."""
    group.add_command(list_dags)
    group.add_command(show_dag)


# -- dags list -------------------------------------------------------------------------------


@click.command("list")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@output_option
@_timeout_option
@click.pass_context
def list_dags(ctx: click.Context, path: Path | None, output: str, timeout: float) -> None:
    """List the DAGs that PATH (a DAG file or folder) defines, and its import errors.

    Without PATH, list the DAGs in the metadata database (paused or not, schedule, next
    run) and the import errors the DAG processor recorded. Exits with status 1 when a file
    failed to import; its error is listed with the DAGs.
    """
    if path is None:
        from tradewind.cli.run_commands import list_dags_in_database

        list_dags_in_database(ctx, output)
        return
    yaml_dump = yaml_dumper() if output == "yaml" else None  # fail before parsing
    result = _parse(path, timeout)
    if output == "table":
        _print_table(path, result)
    else:
        data = _list_data(result)
        click.echo(yaml_dump(data) if yaml_dump else json.dumps(data, indent=2), nl=False)
        if yaml_dump is None:
            click.echo()
    if result.errors:
        ctx.exit(EXIT_IMPORT_ERRORS)


def _parse(path: Path, timeout: float) -> ParseResult:
    from tradewind.runtime.loader import parse_dag_files

    try:
        return parse_dag_files(path, timeout=timeout)
    except TradewindError as error:
        raise _BadInput(str(error)) from None


def _list_data(result: ParseResult) -> dict[str, Any]:
    return {
        "dags": [
            {
                "dag_id": spec.dag_id,
                "schedule": spec.schedule_summary,
                "tasks": len(spec.tasks),
                "file": spec.fileloc,
                "tags": list(spec.tags),
            }
            for spec in sorted(result.specs, key=lambda s: s.dag_id)
        ],
        "import_errors": [
            {
                "file": error.filename,
                "line": error.lineno,
                "message": error.message,
                "traceback": error.traceback,
            }
            for error in result.errors
        ],
    }


def _shown_path(filename: str, base: Path) -> str:
    """``filename`` relative to the listed folder: the part of the path a reader needs."""
    try:
        return Path(filename).relative_to(base).as_posix()
    except ValueError:
        return filename


def _print_table(path: Path, result: ParseResult) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tradewind.runtime.loader import dag_folder

    base = dag_folder(path)
    console = Console(highlight=False)
    if result.specs:
        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column("dag_id", no_wrap=True)
        table.add_column("schedule")
        table.add_column("tasks", justify="right")
        table.add_column("file", overflow="fold")
        table.add_column("tags")
        for spec in sorted(result.specs, key=lambda s: s.dag_id):
            table.add_row(
                Text(spec.dag_id, style="bold"),
                Text(spec.schedule_summary),
                str(len(spec.tasks)),
                Text(_shown_path(spec.fileloc, base)),
                Text(", ".join(spec.tags)),
            )
        console.print(table)
    else:
        console.print(f"No DAGs found in {path}.")
    if result.errors:
        console.print()
        console.print(Text(f"Import errors ({len(result.errors)}):", style="bold red"))
        for error in result.errors:
            where = _shown_path(error.filename, base)
            if error.lineno is not None:
                where += f":{error.lineno}"
            first_line = error.message.splitlines()[0] if error.message else ""
            console.print(Text.assemble((where, "red"), "  ", first_line))


# -- dags show -------------------------------------------------------------------------------


@click.command("show")
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("dag_id")
@click.option("--dot", is_flag=True, help="Print Graphviz DOT text instead of a tree.")
@_timeout_option
def show_dag(path: Path, dag_id: str, dot: bool, timeout: float) -> None:
    """Show the tasks of DAG_ID, defined in PATH (a DAG file or folder), as a tree.

    With --dot, print the graph as Graphviz DOT (`... --dot | dot -Tsvg > dag.svg`).
    """
    from tradewind.runtime.loader import get_dag_spec

    try:
        spec = get_dag_spec(path, dag_id, timeout=timeout)
    except TradewindError as error:
        raise _BadInput(str(error)) from None
    if dot:
        click.echo(dag_to_dot(spec), nl=False)
        return
    from rich.console import Console

    console = Console(highlight=False)
    console.print(dag_tree(spec, ascii_only=console.options.ascii_only))


class _Graph:
    """A DAG's tasks and task groups as nested containers of nodes (tasks or groups).

    Inside one container (the DAG, or a group), a node is a direct child: a task, or a
    subgroup standing for every task inside it. An edge between two tasks becomes an edge
    between the nodes holding them in the innermost container holding both.
    """

    def __init__(self, spec: DagSpec) -> None:
        self.spec = spec
        self.labels = {
            (up, down): str(info["label"]) for up, down, info in spec.edge_info if "label" in info
        }

    def _groups_of(self, task_id: str) -> list[str]:
        """The groups around a task, outermost first."""
        chain: list[str] = []
        group_id = self.spec.tasks[task_id].task_group
        while group_id is not None and group_id in self.spec.task_groups:
            chain.insert(0, group_id)
            group_id = self.spec.task_groups[group_id].parent
        return chain

    def node_of(self, task_id: str, container: str | None) -> str | None:
        """The child of ``container`` that holds ``task_id``; None if it is outside."""
        chain = [None, *self._groups_of(task_id)]
        if container not in chain:
            return None
        depth = chain.index(container) + 1
        return chain[depth] if depth < len(chain) else task_id

    def nodes(self, container: str | None) -> list[str]:
        found = (self.node_of(task_id, container) for task_id in self.spec.tasks)
        return list(dict.fromkeys(node for node in found if node is not None))

    def edges(self, container: str | None) -> dict[str, dict[str, list[str]]]:
        """node → {downstream node → edge labels} inside ``container``."""
        edges: dict[str, dict[str, list[str]]] = {}
        for task_id, task in self.spec.tasks.items():
            up = self.node_of(task_id, container)
            for down_id in task.downstream:
                down = self.node_of(down_id, container)
                if up is None or down is None or up == down:
                    continue
                labels = edges.setdefault(up, {}).setdefault(down, [])
                label = self.labels.get((task_id, down_id))
                if label is not None and label not in labels:
                    labels.append(label)
        return edges

    def is_group(self, node: str) -> bool:
        return node in self.spec.task_groups

    def is_mapped(self, node: str) -> bool:
        if self.is_group(node):
            return self.spec.task_groups[node].map_length is not None
        return self.spec.tasks[node].map_length is not None

    def kind(self, node: str) -> str:
        return "TaskGroup" if self.is_group(node) else self.spec.tasks[node].operator


def dag_tree(spec: DagSpec, *, ascii_only: bool = False) -> Tree:
    """The DAG as a tree: roots first, each node's downstream nodes indented under it.

    A task group shows its own tasks inside it, then (marked with an arrow) what follows the
    group. A node reached a second time is shown once more, without its subtree.
    """
    from rich.text import Text
    from rich.tree import Tree

    header = Text.assemble(
        ("DAG ", "dim"),
        (spec.dag_id, "bold"),
        ("  schedule: ", "dim"),
        spec.schedule_summary,
        ("  tasks: ", "dim"),
        str(len(spec.tasks)),
    )
    tree = Tree(header)
    _add_container(tree, _Graph(spec), None, set(), "->" if ascii_only else "→")
    return tree


def _node_text(graph: _Graph, node: str, labels: list[str] | None, arrow: str) -> Text:
    from rich.text import Text

    text = Text()
    if labels is not None:  # reached through an edge, not the first node of its container
        if labels:
            text.append(" / ".join(f'"{label}"' for label in labels) + " ", style="cyan")
        text.append(arrow + " ", style="dim")
    text.append(node, style="bold")
    text.append("  " + graph.kind(node), style="dim")
    if graph.is_mapped(node):
        text.append("  [mapped]", style="yellow")
    return text


def _add_container(
    branch: Tree, graph: _Graph, container: str | None, shown: set[str], arrow: str
) -> None:
    edges = graph.edges(container)
    reached = {down for downs in edges.values() for down in downs}
    roots = [node for node in graph.nodes(container) if node not in reached]
    # Depth first with an explicit stack: a chain of a thousand tasks must not overflow.
    stack: list[tuple[Tree, str, list[str] | None]] = [(branch, r, None) for r in roots[::-1]]
    while stack:
        parent, node, labels = stack.pop()
        text = _node_text(graph, node, labels, arrow)
        if node in shown:
            parent.add(text.append("  (shown above)", style="dim"))
            continue
        shown.add(node)
        child = parent.add(text)
        if graph.is_group(node):
            _add_container(child, graph, node, shown, arrow)
        for down, down_labels in reversed(edges.get(node, {}).items()):
            stack.append((child, down, down_labels))


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_color(color: str) -> str:
    """Graphviz wants #rrggbb; operators often say #rgb."""
    if len(color) == 4 and color.startswith("#"):
        return "#" + "".join(c * 2 for c in color[1:])
    return color


def dag_to_dot(spec: DagSpec) -> str:
    """The DAG as Graphviz DOT text: task groups as clusters, edge labels on edges."""
    graph = _Graph(spec)
    lines = [
        f"digraph {_quote(spec.dag_id)} {{",
        f"  graph [label={_quote(spec.dag_id)}, labelloc=t, rankdir=LR];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    _dot_container(lines, graph, None, "  ")
    for task_id, task in spec.tasks.items():
        for down in task.downstream:
            label = graph.labels.get((task_id, down))
            attributes = f" [label={_quote(label)}]" if label is not None else ""
            lines.append(f"  {_quote(task_id)} -> {_quote(down)}{attributes};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_container(lines: list[str], graph: _Graph, container: str | None, pad: str) -> None:
    spec = graph.spec
    for node in graph.nodes(container):
        mapped = " [mapped]" if graph.is_mapped(node) else ""
        if graph.is_group(node):
            group = spec.task_groups[node]
            lines.append(f"{pad}subgraph {_quote('cluster_' + node)} {{")
            lines.append(f"{pad}  label={_quote(node + mapped)};")
            lines.append(f'{pad}  style="rounded"; color={_quote(_dot_color(group.ui_color))};')
            _dot_container(lines, graph, node, pad + "  ")
            lines.append(f"{pad}}}")
            continue
        task = spec.tasks[node]
        short = node.removeprefix(f"{container}.") if container else node
        label = f"{short}{mapped}\n{task.operator}"
        color = _quote(_dot_color(task.ui_color))
        lines.append(f"{pad}{_quote(node)} [label={_quote(label)}, fillcolor={color}];")
