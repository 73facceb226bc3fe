"""``search cluster``: start, stop and list a development OpenSearch cluster.

Each command is a thin shell over the function of the same name in
:mod:`search.cluster`.  ``cluster start`` prints the URL of a node (alone on
stdout, so ``URL=$(search cluster start)`` works), ``cluster status`` a table
or JSON.  Known failures print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import json
import sys
from functools import wraps

import click

dir_option = click.option(
    "--dir",
    "cluster_dir",
    envvar="SEARCH_CLUSTER_DIR",
    default=".search-cluster",
    metavar="DIR",
    help="Folder of the cluster: its nodes' data, logs and settings (default: $SEARCH_CLUSTER_DIR, else ./.search-cluster).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _cluster_errors(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from search.cluster import ClusterError

        try:
            return fn(*args, **kwargs)
        except ClusterError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group("cluster")
def cluster():
    """A real OpenSearch cluster on this machine, for development and tests:
    each node its own Java process on 127.0.0.1, data under DIR."""


@cluster.command("start")
@dir_option
@click.option("--nodes", type=click.IntRange(min=1), default=None, help="Number of nodes of a new cluster (default 3).")
@click.option("--heap", default=None, metavar="SIZE", help="Java heap per node, e.g. 512m (default: $SEARCH_CLUSTER_HEAP or 512m).")
@click.option("--painless/--no-painless", default=None, help="Load the Painless scripting module (default: no).")
@click.option("--timeout", type=float, default=240.0, show_default=True, help="Seconds to wait for green.")
@json_option
@_cluster_errors
def start_command(cluster_dir, nodes, heap, painless, timeout, as_json):
    """Start the cluster in DIR (a new one of --nodes nodes, or the nodes of
    the one there that are not running), wait until it is green (yellow for
    one node) and print the URL of a node."""
    from search.cluster import start

    info = start(cluster_dir, nodes, heap=heap, painless=painless, timeout=timeout)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    started = ", ".join(info["started"]) or "none (all were running)"
    click.echo(
        f"cluster {info['cluster_name']}: {len(info['nodes'])} node(s), {info['health']}, "
        f"started {started} in {info['seconds']:.1f} s",
        err=True,
    )
    click.echo(info["url"])


@cluster.command("stop")
@dir_option
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds before a node still running is killed.")
@_cluster_errors
def stop_command(cluster_dir, timeout):
    """Stop every node of the cluster in DIR (its data stays there)."""
    from search.cluster import stop

    stopped = stop(cluster_dir, timeout=timeout)
    click.echo(f"stopped {len(stopped)} node(s){': ' + ', '.join(stopped) if stopped else ''}")


@cluster.command("status")
@dir_option
@json_option
@_cluster_errors
def status_command(cluster_dir, as_json):
    """List the nodes of the cluster in DIR: process id, ports, cluster
    manager, health as each node sees it.  Exit code 1 when DIR holds no
    cluster."""
    from search.cluster import status

    rows = status(cluster_dir)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
    elif rows:
        click.echo(f"{'node':<8} {'pid':>7} {'http':>6} {'transport':>9} {'manager':<7} health")
        for r in rows:
            click.echo(
                f"{r['name']:<8} {r['pid'] or '-':>7} {r['http_port']:>6} {r['transport_port']:>9} "
                f"{'*' if r['cluster_manager'] else '':<7} {r['health'] or 'down'}"
            )
    if not rows:
        if not as_json:
            click.echo(f"no cluster in {cluster_dir}", err=True)
        sys.exit(1)
