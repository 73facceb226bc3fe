"""The ``search`` command line: each command a thin shell over the library
function of the same name (index_paths, Searcher.search, get, similar,
stats, analyze, delete; synonym_set; and index.userdict's add_word,
import_words, remove_words, apply, status for ``search dict``).  Modules are
imported inside the commands so that a cold ``search query`` loads only what
it needs.
"""

from __future__ import annotations

import json
import re
import sys
from functools import wraps
from html import unescape

import click

from index import config
from index.textclean import for_terminal
from index.readers import FORMATS  # light: the readers import their parsers on first use

index_option = click.option(
    "--index",
    "index_dir",
    envvar="SEARCH_INDEX",
    default=None,
    metavar="DIR",
    help="Index folder (default: $SEARCH_INDEX, else ./.search-index).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def backend_options(fn):
    """--backend and --url: the embedded index (default) or an OpenSearch
    cluster (search.backends); with the cluster, --index names its index."""
    fn = click.option("--url", envvar="SEARCH_OPENSEARCH_URL", default=None, metavar="URL",
                      help="The OpenSearch cluster of --backend opensearch (default: $SEARCH_OPENSEARCH_URL).")(fn)
    return click.option("--backend", envvar="SEARCH_BACKEND", default=None,
                        type=click.Choice(["whoosh", "opensearch"]),
                        help="Where the index lives: the embedded folder (whoosh, the default) or an "
                             "OpenSearch cluster (default: $SEARCH_BACKEND).")(fn)


aliases_option = click.option(
    "--aliases",
    "aliases_file",
    envvar="SEARCH_ENTITY_ALIASES",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="An entity alias table added to the default one (default: $SEARCH_ENTITY_ALIASES).",
)
synonyms_option = click.option(
    "--synonyms",
    "synonyms_file",
    envvar="SEARCH_SYNONYMS",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Synonym sets added to the defaults, one set per line (default: $SEARCH_SYNONYMS).",
)


# Our own highlighting on a terminal; everything else printed is sanitised.
_MARK_ON, _MARK_OFF = "\x1b[1;31m", "\x1b[0m"
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def _echo(text="", err=False, marked=False):
    """Print a line with terminal control sequences and other control
    characters removed (article text may carry escape sequences that would
    set the window title, clear the screen or forge lines), and any lone
    surrogate (bytes that were not UTF-8) shown as an escape.  ``marked``:
    the text holds our own highlight codes (_marked), already sanitised."""
    if not marked:
        text = for_terminal(str(text))
    click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"), err=err)


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _print_json(obj):
    # json.dumps escapes C0 controls but not DEL, C1 (CSI is U+009B) or the
    # line separators: as \\uXXXX they are the same JSON and harmless to print.
    text = json.dumps(obj, ensure_ascii=False, default=_json_default)
    _echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text), marked=True)


def friendly_errors(fn):
    """Known failures become one line on stderr and exit code 2, not a traceback."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        from index.storage import IndexLocked, IndexUnusable
        from index.userdict import UserDictError
        from index.writer import IndexingFailed
        from search.alerts import AlertError
        from search.backends import BackendError
        from search.query import QuerySyntaxError
        from search.searcher import ArticleNotFound, BadRequest

        try:
            return fn(*args, **kwargs)
        except (IndexUnusable, IndexLocked, QuerySyntaxError, BadRequest, ArticleNotFound, UserDictError,
                IndexingFailed, BackendError, AlertError) as exc:
            _echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


def _synonyms(path):
    """The default synonym sets plus those of ``path``, each broken line
    reported on stderr (the rest still loads)."""
    from search.synonyms import load_synonyms

    synonyms = load_synonyms(path or ())
    for problem in synonyms.problems:
        _echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)
    return synonyms


def _aliases(path):
    """The default entity alias table plus ``path``'s, each broken line
    reported on stderr (the rest still loads)."""
    from index.entities.canonical import load_aliases

    aliases = load_aliases([path] if path else [])
    for problem in aliases.problems:
        _echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)
    return aliases


def _marked(html_text: str) -> str:
    """Terminal form of a highlighted snippet: <mark> becomes bold red; the
    text itself is sanitised (for_terminal) before the codes go in."""
    pieces = re.split(r"(</?mark>)", html_text)
    return "".join(_MARK_ON if p == "<mark>" else _MARK_OFF if p == "</mark>" else for_terminal(unescape(p))
                   for p in pieces)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="japanese-news-search")
def main():
    """Japanese news search: index articles, then search them."""


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Force the input format (default: detected per file).")
@click.option("--procs", type=int, default=None, help="Worker processes (default: 2 on 2+ cores).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help=f"Articles per commit (default {config.DEFAULT_BATCH_SIZE:,}).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help=f"How long to wait while another run holds the index (default {config.LOCK_TIMEOUT_SECONDS:g}).")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr when each batch is committed and when the merge runs.")
@backend_options
@json_option
@friendly_errors
def index_cmd(paths, index_dir, rebuild, fmt, procs, batch_size, lock_timeout, verbose, backend, url, as_json):
    """Add new, update changed and skip unchanged articles under PATHS."""
    from index.writer import index_paths

    def report(problem):
        _echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)

    summary = index_paths(
        paths,
        index_dir,
        rebuild=rebuild,
        format=fmt,
        procs=procs,
        batch_size=batch_size,
        lock_timeout=lock_timeout,
        on_problem=report,
        progress=sys.stderr.isatty(),
        on_stage=(lambda message: _echo(message, err=True)) if verbose else None,
        backend=backend,
        url=url,
    )
    if as_json:
        _print_json(summary.to_dict())
    else:
        _echo(summary.line())
    sys.exit(1 if summary.failed else 0)


@main.command("query")
@click.argument("query", nargs=-1)
@index_option
@click.option("--limit", default=10, show_default=True, help="Hits per page.")
@click.option("--page", default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--since", help="Only articles from this date on (2012, 2012-09, 2012-09-04, 平成24年9月).")
@click.option("--until", help="Only articles up to this date (inclusive).")
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--category", multiple=True, help="Only articles in this category (repeatable).")
@click.option("--person", multiple=True)
@click.option("--place", multiple=True)
@click.option("--org", multiple=True)
@click.option("--no-recency", is_flag=True, help="Rank by relevance alone.")
@click.option("--no-collapse", is_flag=True, help="Show near-copies of one story as hits of their own.")
@click.option("--explain", is_flag=True, help="Show which form of each word every hit matched.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "jsonl"]), default="text",
              show_default=True,
              help="csv, json or jsonl: the first --limit hits (up to 1,000) as a file with its provenance "
                   "(the query, filters, time, totals, index versions); csv is UTF-8 with a BOM for Excel.")
@synonyms_option
@aliases_option
@backend_options
@json_option
@friendly_errors
def query_cmd(query, index_dir, limit, page, sort, since, until, tag, category, person, place, org, no_recency,
              no_collapse, explain, fmt, synonyms_file, aliases_file, backend, url, as_json):
    """Search the index. QUERY uses the syntax in the README."""
    from search.searcher import Searcher

    text = " ".join(query)
    filters = {
        "date_from": since,
        "date_to": until,
        "tags": list(tag),
        "category": list(category),
        "person": list(person),
        "place": list(place),
        "org": list(org),
    }
    with Searcher(index_dir, synonyms=_synonyms(synonyms_file), aliases=_aliases(aliases_file),
                  backend=backend, url=url) as searcher:
        if fmt != "text":
            from search.export_results import export

            data = export(searcher, text, filters, fmt=fmt, sort=sort, limit=limit, recency=not no_recency,
                          collapse=not no_collapse)
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        result = searcher.search(
            text, filters=filters, sort=sort, page=page, per_page=limit, facets=False, recency=not no_recency,
            explain=explain, collapse=not no_collapse,
        )
    if as_json:  # one object per hit; a relaxed hit names its "missing" words
        for hit in result.hits:
            _print_json(hit)
        return
    if not result.hits:
        _echo(f"「{text}」に一致する記事はありません ({result.took_ms:.0f} ms)")
        _print_alternatives(result.alternatives or {})
        return
    if result.relaxed:
        _echo("「" + "」または「".join(result.relaxed) + "」を含まない結果 (すべての語を含む記事はありません)")
    if result.timed_out:
        _echo("検索に時間がかかりすぎたため、途中までの結果です", err=True)
    grouped = (f" (類似記事をまとめて; 記事数 {result.total_articles})"
               if result.collapsed and result.total_articles != result.total else "")
    _echo(f"{result.total} 件中 {result.first}–{result.last} 件{grouped} ({result.took_ms:.0f} ms)\n")
    for rank, hit in enumerate(result.hits, start=result.first):
        meta = " · ".join(x for x in (hit["date_ja"], hit["category"] or "", " ".join(hit["tags"])) if x)
        _echo(f"{rank:>3}. {_marked(hit['title_html'])}", marked=True)
        _echo(f"     {meta}  [{hit['id']}]")
        if hit.get("missing"):
            _echo(f"     「{'」「'.join(hit['missing'])}」を含まない")
        for found in hit.get("explain") or []:
            how = f"{found['tier']}: {found['article']}" if found["tier"] else "なし"
            _echo(f"     {found['word']} → {how}")
        if hit.get("duplicates"):
            _echo(f"     類似記事 {len(hit['duplicates'])} 件: {' '.join(hit['duplicates'])}")
        _echo(f"     {_marked(hit['snippet'])}\n", marked=True)


def _print_alternatives(alternatives):
    for item in alternatives.get("did_you_mean") or []:
        _echo(f"  もしかして: {item['query']} ({item['total']} 件)")
    for item in alternatives.get("fewer_terms") or []:
        _echo(f"  「{item['dropped']}」を除くと: {item['query']} ({item['total']} 件)")
    if alternatives.get("without_filters"):
        _echo(f"  絞り込みなしでは {alternatives['without_filters']} 件")


@main.command("show")
@click.argument("article_id")
@index_option
@backend_options
@json_option
@friendly_errors
def show_cmd(article_id, index_dir, backend, url, as_json):
    """Print one article."""
    from search.searcher import Searcher

    with Searcher(index_dir, backend=backend, url=url) as searcher:
        article = searcher.get(article_id)
    if as_json:
        _print_json(article)
        return
    _echo(article["title"])
    _echo(" · ".join(x for x in (article["date_ja"], article["category"] or "", article["url"] or "") if x))
    for kind in ("person", "place", "org"):
        if article[kind]:
            _echo(f"{kind}: {', '.join(article[kind])}")
    for copy in article.get("copies") or []:
        _echo(f"類似記事: {copy['date_ja'] or '日付なし'} {copy['title']}  [{copy['id']}]")
    _echo("")
    _echo(article["body"])


@main.command("similar")
@click.argument("article_id")
@index_option
@click.option("--limit", default=10, show_default=True)
@backend_options
@json_option
@friendly_errors
def similar_cmd(article_id, index_dir, limit, backend, url, as_json):
    """Articles related to ARTICLE_ID."""
    from search.searcher import Searcher

    with Searcher(index_dir, backend=backend, url=url) as searcher:
        hits = searcher.similar(article_id, limit=limit)
    for hit in hits:
        if as_json:
            _print_json(hit)
        else:
            _echo(f"{hit['score']:8.2f}  {hit['date_ja']:<12} {hit['title']}  [{hit['id']}]")


@main.command("analyze")
@click.argument("text")
@json_option
def analyze_cmd(text, as_json):
    """Tokens and entities of TEXT; with '-', one text per stdin line, one JSON object per line."""
    from search.analyzer import analyze

    limit = config.MAX_CLI_ANALYZE_CHARS
    if text == "-":
        refused = 0
        for lineno, line in _stdin_lines(limit):
            if line is None:  # over the limit: an error object keeps output lines in step with input
                refused += 1
                message = f"line {lineno}: longer than {limit:,} characters (MAX_CLI_ANALYZE_CHARS); skipped"
                _echo(f"error: {message}", err=True)
                _print_json({"line": lineno, "error": message})
            else:
                _print_json(analyze(line))
        sys.exit(1 if refused else 0)
    if len(text) > limit:
        _echo(f"error: the text is {len(text):,} characters long; the limit is {limit:,} "
              f"(MAX_CLI_ANALYZE_CHARS); pass it one line at a time with `search analyze -`", err=True)
        sys.exit(2)
    result = analyze(text)
    if as_json:
        _print_json(result)
        return
    for t in result["tokens"]:
        mark = " " if t["indexed"] else "-"
        _echo(f"{mark} {t['surface']}\t{t['normalized']}\t{t['reading']}\t{'-'.join(t['pos'])}\t{t['start']}-{t['end']}")
    for e in result["entities"]:
        _echo(f"entity {e['type']}: {e['text']} ({e['start']}-{e['end']})")


# A line with no end within this many chunks of the limit is not text.
_MAX_SKIPPED_CHUNKS = 64


def _stdin_lines(limit_chars):
    """(line number, text) of standard input, reading at most about
    ``limit_chars`` characters at a time: a longer line gives (n, None) and
    is skipped without being held in memory; a stream without line ends
    (/dev/zero) stops the reading."""
    stream = sys.stdin.buffer
    limit = limit_chars * 4 + 2  # UTF-8 takes at most 4 bytes a character, plus CR LF
    lineno = 0
    while True:
        raw = stream.readline(limit)
        if not raw:
            return
        lineno += 1
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if len(text) <= limit_chars and (raw.endswith(b"\n") or len(raw) < limit):
            yield lineno, text
            continue
        yield lineno, None
        for _ in range(_MAX_SKIPPED_CHUNKS):
            if raw.endswith(b"\n"):
                break
            raw = stream.readline(limit)
            if not raw:
                return
        else:
            _echo(f"error: line {lineno} has no end within {_MAX_SKIPPED_CHUNKS * limit // 2**20} MB; stopped reading",
                  err=True)
            return


@main.command("stats")
@index_option
@backend_options
@json_option
@friendly_errors
def stats_cmd(index_dir, backend, url, as_json):
    """What the index holds."""
    from search.searcher import Searcher

    with Searcher(index_dir, backend=backend, url=url) as searcher:
        stats = searcher.stats()
    if as_json:
        _print_json(stats)
        return
    _echo(f"index      {stats['index']}")
    _echo(f"documents  {stats['documents']}")
    _echo(f"terms      {stats['terms']}")
    _echo(f"size       {stats['size_bytes'] / 1e6:.1f} MB in {stats['segments']} segment(s)")
    _echo(f"dates      {stats['date_from']} – {stats['date_to']}")
    _echo(f"versions   {', '.join(f'{k}={v}' for k, v in stats['versions'].items())}")
    for key in ("categories", "tags", "person", "place", "org"):
        values = ", ".join(f"{f['value']} ({f['count']})" for f in stats[key])
        _echo(f"{key:<10} {values}")


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's development server with its debugger (loopback only).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Server processes (default: one per core); 1 serves from this process with waitress.")
@synonyms_option
@aliases_option
@backend_options
@friendly_errors
def serve_cmd(index_dir, host, port, debug, workers, synonyms_file, aliases_file, backend, url):
    """Serve the web page and the JSON API over the index."""
    from webui.server import serve

    if synonyms_file:
        _synonyms(synonyms_file)  # report its broken lines now; the server re-reads it when it changes
    if aliases_file:
        _aliases(aliases_file)
    serve(index_dir, host=host, port=port, debug=debug, synonyms=synonyms_file, aliases=aliases_file,
          workers=workers, backend=backend, url=url)


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_option
@backend_options
@friendly_errors
def delete_cmd(ids, index_dir, backend, url):
    """Delete articles by id."""
    from index.writer import delete

    deleted = delete(ids, index_dir, backend=backend, url=url)
    _echo(f"deleted {deleted}")
    if deleted < len(ids):
        _echo(f"error: {len(ids) - deleted} of the ids were not in the index", err=True)
        sys.exit(1)


@main.command("export")
@click.argument("out", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@index_option
@backend_options
@friendly_errors
def export_cmd(out, index_dir, backend, url):
    """Write every stored article to OUT (default: standard output) as JSON
    Lines that `search index` reads back into the same index."""
    from index.export import export

    try:
        count = export(index_dir, out, backend=backend, url=url)
    except BrokenPipeError:  # `search export | head`: the reader has seen enough
        import os

        # Python would report the pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        _echo(f"error: cannot write {out}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    _echo(f"exported {count} articles" + ("" if out == "-" else f" to {out}"), err=True)


@main.command("migrate")
@index_option
@click.option("--to", "to_url", required=True, metavar="URL", help="The OpenSearch cluster to copy the index into.")
@click.option("--to-index", default=None, metavar="NAME", help="The cluster's index (default: news).")
@click.option("--procs", type=int, default=None, help="Analysis worker processes (default: 2 on 2+ cores).")
@json_option
@friendly_errors
def migrate_cmd(index_dir, to_url, to_index, procs, as_json):
    """Copy the embedded index into an OpenSearch cluster, from its stored
    articles (the corpus is not read again); a re-run adds what is new."""
    from index.writer import migrate

    summary = migrate(index_dir, to_url=to_url, to_index=to_index, procs=procs, progress=sys.stderr.isatty())
    if as_json:
        _print_json(summary.to_dict())
    else:
        _echo(summary.line())
    sys.exit(1 if summary.failed else 0)


# ---------------------------------------------------------------------------
# Vocabulary: synonyms and the user dictionary


@main.command("synonyms")
@click.argument("term")
@synonyms_option
@json_option
def synonyms_cmd(term, synonyms_file, as_json):
    """The synonym set TERM belongs to (searched together at query time)."""
    from search.synonyms import synonym_set

    found = synonym_set(term, _synonyms(synonyms_file))
    if as_json:
        _print_json(found or {"term": term, "forms": [], "origins": []})
    elif found:
        _echo(", ".join(found["forms"]))
        for origin in found["origins"]:
            _echo(f"  from {origin}")
    else:
        _echo(f"「{term}」はどの同義語セットにもありません (no synonym set holds {term!r})")
    sys.exit(0 if found else 1)


@main.command("aliases")
@click.argument("name")
@click.option("--type", "typ", type=click.Choice(["person", "place", "org"]), default=None,
              help="Only sets of this entity type.")
@click.option("--aliases", "aliases_file", envvar="SEARCH_ENTITY_ALIASES", default=None,
              type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="An alias table added to the default one (default: $SEARCH_ENTITY_ALIASES).")
@json_option
def aliases_cmd(name, typ, aliases_file, as_json):
    """The entity alias set NAME belongs to: the canonical name facets show and
    every form a filter finds (applied when the index is read: no reindex)."""
    from index.entities.canonical import alias_sets

    found = alias_sets(name, typ, _aliases(aliases_file))
    if as_json:
        _print_json(found)
    elif found:
        for s in found:
            _echo(f"{s['type']}: {', '.join(s['forms'])}")
            for origin in s["origins"]:
                _echo(f"  from {origin}")
    else:
        _echo(f"「{name}」はどの別名セットにもありません (no alias set holds {name!r})")
    sys.exit(0 if found else 1)


@main.group("dict")
def dict_group():
    """The index's user dictionary: words Sudachi does not know yet."""


def _dict_report(change, as_json):
    for problem in change.problems:
        _echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True)
    if as_json:
        _print_json(change.to_dict())
    else:
        _echo(change.line())
    sys.exit(1 if change.failed else 0)


@dict_group.command("add")
@click.argument("surface")
@index_option
@click.option("--reading", help="Its reading in katakana (or hiragana).")
@click.option("--pos", default="noun", show_default=True,
              type=click.Choice(["noun", "proper", "person", "surname", "given", "place", "org"]),
              help="Kind of word; person, place and org also make it an entity of that type.")
@click.option("--normalized", help="The form it is searched by (default: as written).")
@json_option
@friendly_errors
def dict_add_cmd(surface, index_dir, reading, pos, normalized, as_json):
    """Add SURFACE (or change it) and re-analyse the articles that contain it."""
    from index.userdict import add_word

    _dict_report(add_word(surface, index_dir, reading=reading, pos=pos, normalized=normalized,
                          progress=sys.stderr.isatty()), as_json)


@dict_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@index_option
@json_option
@friendly_errors
def dict_import_cmd(csv_file, index_dir, as_json):
    """Add the words of CSV_FILE (surface,reading,pos,normalized; one word a line)."""
    from index.userdict import import_words

    _dict_report(import_words(csv_file, index_dir, progress=sys.stderr.isatty()), as_json)


@dict_group.command("remove")
@click.argument("surfaces", nargs=-1, required=True)
@index_option
@json_option
@friendly_errors
def dict_remove_cmd(surfaces, index_dir, as_json):
    """Take words out and re-analyse the articles that contain them."""
    from index.userdict import remove_words

    _dict_report(remove_words(surfaces, index_dir, progress=sys.stderr.isatty()), as_json)


@dict_group.command("apply")
@index_option
@json_option
@friendly_errors
def dict_apply_cmd(index_dir, as_json):
    """Re-analyse the articles an interrupted change has not reached yet."""
    from index.userdict import apply

    _dict_report(apply(index_dir, progress=sys.stderr.isatty()), as_json)


@dict_group.command("status")
@index_option
@json_option
@friendly_errors
def dict_status_cmd(index_dir, as_json):
    """The words, and how many articles each change concerns and has reached."""
    from index.userdict import status

    st = status(index_dir)
    if as_json:
        _print_json(st.to_dict())
        return
    words = ", ".join(f"{w.surface} ({w.pos})" for w in st.words) or "none"
    _echo(f"user dictionary version {st.version}: {len(st.words)} word(s): {words}")
    for change in st.changes:
        left = f"{change['pending']} still to re-analyse" if change["pending"] else "all re-analysed"
        _echo(f"  version {change['version']} ({', '.join(change['surfaces'])}): "
                   f"{change['affected']} article(s) contain it, {left}")
    _echo("done" if st.done else f"pending: {st.pending} article(s); run `search dict apply`")


def _register_cluster_commands():
    from search.cluster_cli import cluster  # click only: cheap to import

    main.add_command(cluster)


_register_cluster_commands()


def _register_alert_commands():
    # search.alert_cli uses this module's options and printing: imported
    # once they exist.
    from search.alert_cli import alert

    main.add_command(alert)


_register_alert_commands()

if __name__ == "__main__":
    main()
