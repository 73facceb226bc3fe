"""``search alert``: saved searches, and what is new for them since the last look.

Each command is a thin shell over the function of the same name in
search.alerts (add, list_alerts, remove, check).  Made for cron after
``search index``::

    search index ~/news/feeds && search alert check --json >> ~/news/alerts.jsonl

Imported by search.cli (it uses that module's options and printing), which
registers the group.
"""

from __future__ import annotations

import sys

import click

from search.cli import _echo, _print_json, friendly_errors, index_option, json_option


@click.group("alert")
def alert():
    """Saved searches: add, list, remove, and check for newly indexed articles."""


@alert.command("add")
@click.argument("name")
@click.argument("query", nargs=-1)
@index_option
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--category", multiple=True, help="Only articles in this category (repeatable).")
@click.option("--person", multiple=True)
@click.option("--place", multiple=True)
@click.option("--org", multiple=True)
@click.option("--since", help="Only articles dated from this date on.")
@click.option("--until", help="Only articles dated up to this date (inclusive).")
@click.option("--replace", "replace_existing", is_flag=True, help="Replace a saved search of the same name.")
@json_option
@friendly_errors
def add_cmd(name, query, index_dir, tag, category, person, place, org, since, until, replace_existing, as_json):
    """Save QUERY (and filters) as NAME; its first check reports every match."""
    from search.alerts import add

    filters = {"tags": list(tag), "category": list(category), "person": list(person), "place": list(place),
               "org": list(org), "date_from": since, "date_to": until}
    saved = add(index_dir, name, " ".join(query), filters, replace_existing=replace_existing)
    if as_json:
        _print_json(saved.to_dict())
    else:
        _echo(f"saved 「{saved.name}」: {saved.query or '(no query)'} {_filters_text(saved.filters)}".rstrip())


@alert.command("list")
@index_option
@json_option
@friendly_errors
def list_cmd(index_dir, as_json):
    """The saved searches, with when each was last checked."""
    from search.alerts import list_alerts

    alerts = list_alerts(index_dir)
    if as_json:
        for saved in alerts:
            _print_json(saved.to_dict())
        return
    if not alerts:
        _echo("no saved searches; add one with `search alert add NAME QUERY`")
    for saved in alerts:
        checked = f"last checked {saved.last_checked} ({saved.last_new} new)" if saved.last_checked else "never checked"
        _echo(" ".join(x for x in (f"{saved.name}:", saved.query or "(no query)", _filters_text(saved.filters), f"· {checked}") if x))


@alert.command("remove")
@click.argument("names", nargs=-1, required=True)
@index_option
@friendly_errors
def remove_cmd(names, index_dir):
    """Delete saved searches."""
    from search.alerts import remove

    for name in names:
        remove(index_dir, name)
        _echo(f"removed 「{name}」")


@alert.command("check")
@click.argument("names", nargs=-1)
@index_option
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="New hits listed per saved search (all are counted).")
@click.option("--dry-run", is_flag=True, help="Show the new hits without recording the check.")
@json_option
@friendly_errors
def check_cmd(names, index_dir, limit, dry_run, as_json):
    """Articles added to the index since each saved search (all, or NAMES)
    was last checked; then record the check.  Exit code 0 with or without
    new hits."""
    from search.alerts import check
    from search.searcher import Searcher

    with Searcher(index_dir) as searcher:
        results = check(searcher, names=list(names), dry_run=dry_run, limit=limit)
    for saved, hits in results:
        if hits.error:
            _echo(f"warning: saved search 「{saved.name}」 did not run: {hits.error}", err=True)
        if hits.timed_out:
            _echo(f"warning: saved search 「{saved.name}」 was cut short by the time limit; "
                  "it will be checked again next time", err=True)
        if as_json:
            for hit in hits:
                _print_json({"alert": saved.name, **hit})
            continue
        _echo(f"「{saved.name}」: {hits.total} new" + (f" (showing {len(hits)})" if len(hits) < hits.total else ""))
        for hit in hits:
            _echo(f"  {hit['date_ja'] or '日付なし':<12} {hit['title']}  [{hit['id']}]")
    if not results and not as_json:
        _echo("no saved searches; add one with `search alert add NAME QUERY`", err=True)
    sys.stdout.flush()


def _filters_text(filters: dict) -> str:
    return " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in filters.items())


__all__ = ["alert"]
