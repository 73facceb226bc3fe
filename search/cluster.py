"""A real OpenSearch cluster on this machine, for development and tests.

``start(dir, nodes=3)`` starts ``nodes`` OpenSearch nodes (3 by default), each its own JVM
process, all on 127.0.0.1 with free HTTP and transport ports, their data,
logs and configuration under ``dir``; it waits until the cluster is green
(yellow or better for one node) and returns an info dict whose ``url`` is a
node's address.  ``status(dir)`` lists the nodes (process id, ports, whether
each is the cluster manager, health as each node sees it); ``stop(dir)``
stops them (SIGTERM, then SIGKILL after a timeout) and keeps the data.
``start`` on a folder that already holds a cluster starts the nodes that are
not running (a node killed with ``kill -9`` comes back with its data, on its
old ports when they are free) and waits for green again; ``restart_node`` does
it for one node, ``kill_node`` kills one for a fault test.

The nodes run ``jns.opensearch.NodeMain`` from ``opensearch/`` in this
repository: the OpenSearch server and the modules this project uses, taken
from Maven Central as jars, plus the ``preanalyzed`` analysis plugin (see
``search/backends/opensearch/stream.py``).  It is built on first use with
``mvn -q -o package`` (``opensearch/install.sh`` fetches what that needs);
the build lands in ``opensearch/target/``.  No distribution is unpacked and
no security plugin is loaded: nothing listens beyond loopback.

Layout of ``dir``::

    cluster.json            names, ports, pids (this module's state)
    node-1/config/          opensearch.yml, log4j2.properties (written here)
    node-1/data/            the node's indices
    node-1/logs/            node-1.log (OpenSearch), stdout.log (the JVM)

Environment: ``JAVA_HOME`` (else ``java`` on PATH; Java 17 or newer),
``SEARCH_CLUSTER_HEAP`` (default 512m per node), ``MVN`` (default ``mvn``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

OPENSEARCH_DIR = Path(__file__).resolve().parent.parent / "opensearch"
TARGET_DIR = OPENSEARCH_DIR / "target"
JAR = TARGET_DIR / "jns-opensearch.jar"
CLASSPATH_FILE = TARGET_DIR / "classpath.txt"
MAIN_CLASS = "jns.opensearch.NodeMain"
STATE_FILE = "cluster.json"
HOST = "127.0.0.1"
DEFAULT_HEAP = "512m"

__all__ = [
    "ClusterError",
    "build",
    "health",
    "info",
    "kill_node",
    "restart_node",
    "start",
    "status",
    "stop",
]


class ClusterError(RuntimeError):
    """The cluster could not be built, started, reached or stopped."""


# ---------------------------------------------------------------------------
# Java and the build


def java_binary() -> str:
    """The ``java`` to run nodes with: $JAVA_HOME/bin/java, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise ClusterError("java not found: install a JDK 17 or newer (opensearch/install.sh) or set JAVA_HOME")
    return found


def missing_tools() -> list[str]:
    """What is missing to build and run a node (empty when all is there):
    a test skips with this message."""
    missing = []
    try:
        java_binary()
    except ClusterError:
        missing.append("java (JDK 17+)")
    if not _built() and not shutil.which(os.environ.get("MVN", "mvn")):
        missing.append("mvn (Maven)")
    return missing


def _sources() -> list[Path]:
    files = [OPENSEARCH_DIR / "pom.xml"]
    files += sorted((OPENSEARCH_DIR / "src").rglob("*"))
    return [f for f in files if f.is_file()]


def _built() -> bool:
    if not JAR.exists() or not CLASSPATH_FILE.exists():
        return False
    built_at = JAR.stat().st_mtime
    if any(f.stat().st_mtime > built_at for f in _sources()):
        return False
    return all(Path(p).exists() for p in CLASSPATH_FILE.read_text().strip().split(os.pathsep) if p)


def build(force: bool = False, archive: bool = True) -> str:
    """Build ``opensearch/`` when it is not built or its sources changed, and
    return the Java classpath of a node.  Maven runs offline first (``-o``:
    everything is in ~/.m2 after install.sh) and online only if that fails.
    With ``archive``, also record the nodes' class-data-sharing archive when
    it is missing or older than the build (one node started for a moment)."""
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    with _locked(TARGET_DIR / ".build.lock"):
        if force or not _built():
            mvn = shutil.which(os.environ.get("MVN", "mvn"))
            if not mvn:
                raise ClusterError("mvn not found: run opensearch/install.sh (Maven and a JDK 17+)")
            base = [mvn, "-q", "-B", "-f", str(OPENSEARCH_DIR / "pom.xml"), "package"]
            done = subprocess.run([base[0], "-o", *base[1:]], capture_output=True, text=True)
            if done.returncode != 0:
                done = subprocess.run(base, capture_output=True, text=True)
            if done.returncode != 0:
                raise ClusterError(f"building opensearch/ failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
            os.utime(JAR)  # newer than every source, even when Maven kept an old jar
        classpath = os.pathsep.join([str(JAR), CLASSPATH_FILE.read_text().strip()])
        jsa = _archive(classpath)
        if archive and (not jsa.exists() or jsa.stat().st_mtime < JAR.stat().st_mtime):
            _make_archive(classpath, jsa)
        return classpath


def _archive(classpath: str) -> Path:
    """The class-data-sharing archive for this java and classpath."""
    java = os.path.realpath(java_binary())
    # An archive is only valid for the exact JVM build that wrote it (an
    # updated JDK package at the same path ignores it, and nodes start slowly
    # without saying why): the JDK's release file, or the binary's time, is
    # part of the key, so an upgrade makes a new archive.
    release = Path(java).parent.parent / "release"
    try:
        build_id = release.read_text(errors="replace")
    except OSError:
        build_id = str(os.stat(java).st_mtime_ns)
    key = hashlib.sha1(f"{java}\0{build_id}\0{classpath}".encode()).hexdigest()[:12]
    return TARGET_DIR / f"node-{key}.jsa"


def _make_archive(classpath: str, archive: Path) -> None:
    """Record the classes a node loads (start, create an index, index, search,
    highlight) into a CDS archive: a node that maps it starts in about a third
    of the time.  Best effort: without an archive nodes start all the same."""
    for old in TARGET_DIR.glob("node-*.jsa*"):
        old.unlink()
    work = TARGET_DIR / "cds-run"
    shutil.rmtree(work, ignore_errors=True)
    http, transport = _free_ports(2, set())
    node = {"name": "cds", "home": str(work / "cds"), "http_port": http, "transport_port": transport, "pid": None}
    state = {"cluster_name": "jns-cds", "heap": DEFAULT_HEAP, "painless": True, "nodes": [node]}
    partial = archive.with_suffix(".jsa.tmp")
    _spawn(state, node, classpath, [f"-XX:ArchiveClassesAtExit={partial}"], archive=False)
    try:
        _wait(work, state, "yellow", time.monotonic() + 180)
        _warm_up(_url(node))
    except (ClusterError, OSError):
        pass
    finally:
        if _alive(node):
            os.kill(node["pid"], signal.SIGTERM)
            if not _wait_gone(node, 60):
                os.kill(node["pid"], signal.SIGKILL)
                _wait_gone(node, 10)
        shutil.rmtree(work, ignore_errors=True)
    if partial.exists() and partial.stat().st_size > 0:
        partial.replace(archive)


def _warm_up(url: str) -> None:
    from search.backends.opensearch import stream

    def call(method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    text = "東京都庁で会見"
    value = stream.encode_field(text, [stream.Token("東京都庁", 0, 4), stream.Token("会見", 5, 7, 2)])
    call("PUT", "/warm", {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                          "mappings": {"properties": {"body": stream.field_mapping(), "date": {"type": "date"}}}})
    call("PUT", "/warm/_doc/1?refresh=true", {"body": value, "date": "2024-01-01"})
    call("POST", "/warm/_search", {"query": {"match_phrase": {"body": {"query": value, "analyzer": "preanalyzed"}}},
                                   "highlight": {"fields": {"body": {}}},
                                   "aggs": {"d": {"date_histogram": {"field": "date", "calendar_interval": "month"}}}})
    call("DELETE", "/warm")


# ---------------------------------------------------------------------------
# State, processes and ports


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(dir: Path) -> dict | None:
    try:
        return json.loads((dir / STATE_FILE).read_text())
    except FileNotFoundError:
        return None


def _save(dir: Path, state: dict) -> None:
    tmp = dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(dir / STATE_FILE)


# Popen objects of the nodes this process started, so that a killed node is
# reaped (not left a zombie that still looks alive) and never garbage-collected
# while running.
_children: dict[int, subprocess.Popen] = {}


def _alive(node: dict) -> bool:
    """True when the node's JVM runs (not a zombie, not a reused pid)."""
    pid = node.get("pid")
    if not pid:
        return False
    child = _children.get(pid)
    if child is not None:
        if child.poll() is not None:
            _children.pop(pid, None)
            return False
        # This process's own child, not reaped: its pid cannot be reused,
        # so its command line need not be read.  Read, it once did not match
        # a node that was running (a CI run on a loaded machine: "node-3
        # exited while starting", and then stop() left node-3 behind).
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return MAIN_CLASS.encode() in cmdline and node["home"].encode() in cmdline


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_ports(count: int, taken: set[int]) -> list[int]:
    """``count`` distinct ports that are free on 127.0.0.1 now (the kernel's
    choice), none of them in ``taken``."""
    ports: list[int] = []
    sockets = []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
            port = s.getsockname()[1]
            if port not in taken:
                ports.append(port)
    finally:
        for s in sockets:
            s.close()
    return ports


PAINLESS_PLUGINS = ",".join([
    "org.opensearch.transport.Netty4Plugin",
    "org.opensearch.analysis.common.CommonAnalysisPlugin",
    "org.opensearch.index.mapper.MapperExtrasPlugin",
    "org.opensearch.index.reindex.ReindexPlugin",
    "org.opensearch.painless.PainlessPlugin",
    "jns.opensearch.PreAnalyzedPlugin",
])


def _jvm_options(home: Path, heap: str) -> list[str]:
    return [
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:MaxDirectMemorySize=256m",
        # Two cores, several nodes: the serial collector and C1 alone start
        # fastest and leave the cores to the nodes' work.
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Xss1m",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:-OmitStackTraceInFastThrow",
        "-Xshare:auto",
        f"-Djava.io.tmpdir={home / 'tmp'}",
        "-Dfile.encoding=UTF-8",
        "-Djava.net.preferIPv4Stack=true",
        "-Djava.locale.providers=SPI,COMPAT",
        "-Djna.nosys=true",
        "-Dio.netty.noUnsafe=true",
        "-Dio.netty.noKeySetOptimization=true",
        "-Dio.netty.recycler.maxCapacityPerThread=0",
        "-Dio.netty.allocator.numDirectArenas=0",
        "-Dlog4j.shutdownHookEnabled=false",
        "-Dlog4j2.disable.jmx=true",
    ]


def _yaml(settings: dict) -> str:
    # JSON scalars and lists are YAML flow values.
    return "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in settings.items())


def _write_config(state: dict, node: dict) -> None:
    home = Path(node["home"])
    for sub in ("config", "data", "logs", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    names = [n["name"] for n in state["nodes"]]
    settings = {
        "cluster.name": state["cluster_name"],
        "node.name": node["name"],
        "node.roles": ["cluster_manager", "data", "ingest"],
        "path.data": str(home / "data"),
        "path.logs": str(home / "logs"),
        # Loopback only: HTTP and transport bind and publish 127.0.0.1.
        "network.host": HOST,
        "http.port": node["http_port"],
        "transport.port": node["transport_port"],
        # A shared disk that is fuller than 85% must not turn the cluster red.
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    if len(names) == 1:
        settings["discovery.type"] = "single-node"
    else:
        settings["discovery.seed_hosts"] = [f"{HOST}:{n['transport_port']}" for n in state["nodes"]]
        # Read only when the cluster forms for the first time.
        settings["cluster.initial_cluster_manager_nodes"] = names
    (home / "config" / "opensearch.yml").write_text(_yaml(settings), encoding="utf-8")
    shutil.copyfile(OPENSEARCH_DIR / "config" / "log4j2.properties", home / "config" / "log4j2.properties")


def _spawn(state: dict, node: dict, classpath: str, extra: list[str] = (), archive: bool = True) -> None:
    home = Path(node["home"])
    _write_config(state, node)
    options = _jvm_options(home, state["heap"]) + list(state.get("jvm_options", ())) + list(extra)
    if state.get("painless"):
        options.append(f"-Djns.plugins={PAINLESS_PLUGINS}")
    if archive and _archive(classpath).exists():
        options.append(f"-XX:SharedArchiveFile={_archive(classpath)}")
    log = open(home / "logs" / "stdout.log", "ab")
    try:
        proc = subprocess.Popen(
            [java_binary(), *options, "-cp", classpath, MAIN_CLASS, str(home)],
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C at the terminal does not reach the nodes
        )
    finally:
        log.close()
    _children[proc.pid] = proc
    node["pid"] = proc.pid
    node["started"] = time.time()


def _log_tail(node: dict, lines: int = 15) -> str:
    out = []
    for name in (f"{node['name']}.log", "stdout.log"):
        path = Path(node["home"]) / "logs" / name
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path}\n" + "\n".join(text))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# HTTP


def _get(url: str, timeout: float = 5.0):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:  # 408 from a health wait still carries the health
        body = exc.read().decode("utf-8", "replace")
        try:
            return json.loads(body)
        except ValueError:
            raise ClusterError(f"{url}: HTTP {exc.code}: {body[:200]}") from None


def _url(node: dict) -> str:
    return f"http://{HOST}:{node['http_port']}"


# ---------------------------------------------------------------------------
# The library functions


def _resolve(dir) -> Path:
    return Path(dir).expanduser().resolve()


def start(
    dir,
    nodes: int | None = None,
    *,
    heap: str | None = None,
    timeout: float = 240.0,
    cluster_name: str | None = None,
    painless: bool | None = None,
    jvm_options: list[str] | None = None,
) -> dict:
    """Start a cluster of ``nodes`` nodes under ``dir``, or the nodes of the
    cluster already there that are not running, and wait until it is green
    (yellow or better for one node).

    Returns ``{"url", "urls", "cluster_name", "dir", "health", "started",
    "seconds", "nodes"}``: ``url`` is a running node's address, ``started``
    the names of the nodes this call started, ``seconds`` the wall time until
    the health was reached, ``nodes`` as :func:`status` lists them.  Raises
    :class:`ClusterError` (with the tail of the nodes' logs) when the cluster
    does not get there within ``timeout`` seconds; the nodes are left running
    for a look (``stop`` ends them).  ``nodes`` defaults to 3 for a new
    cluster and to the cluster's own number for one already in ``dir`` (a
    different number is an error).  ``heap`` is each node's Java heap (default
    ``$SEARCH_CLUSTER_HEAP`` or 512m); ``painless=True`` loads the Painless
    scripting module (off by default: nothing this project sends needs a
    script, a node without it cannot run one, and it starts faster).
    ``jvm_options`` (default ``$SEARCH_CLUSTER_JVM_OPTS``, split on spaces)
    come after this module's own and override them: a benchmark gives
    ``-XX:TieredStopAtLevel=4`` for the full JIT (the nodes start with C1
    alone, which starts fastest but runs slower).  All three are kept with
    the cluster and apply again when its nodes restart.
    """
    began = time.monotonic()
    dir = _resolve(dir)
    dir.mkdir(parents=True, exist_ok=True)
    classpath = build()
    with _locked(dir / ".lock"):
        state = _load(dir)
        if state is None:
            count = 3 if nodes is None else int(nodes)
            if count < 1:
                raise ClusterError("a cluster needs at least one node")
            ports = _free_ports(2 * count, set())
            state = {
                "cluster_name": cluster_name or f"jns-dev-{secrets.token_hex(3)}",
                "heap": heap or os.environ.get("SEARCH_CLUSTER_HEAP", DEFAULT_HEAP),
                "painless": bool(painless),
                "jvm_options": list(jvm_options if jvm_options is not None else os.environ.get("SEARCH_CLUSTER_JVM_OPTS", "").split()),
                "nodes": [
                    {
                        "name": f"node-{i + 1}",
                        "home": str(dir / f"node-{i + 1}"),
                        "http_port": ports[2 * i],
                        "transport_port": ports[2 * i + 1],
                        "pid": None,
                    }
                    for i in range(count)
                ],
            }
        elif nodes is not None and int(nodes) != len(state["nodes"]):
            raise ClusterError(
                f"{dir} holds a cluster of {len(state['nodes'])} nodes, not {nodes}: "
                "stop it and use another folder, or start it without --nodes"
            )
        else:
            # Settings given again apply to the nodes started now.
            if heap:
                state["heap"] = heap
            if painless is not None:
                state["painless"] = bool(painless)
            if jvm_options is not None:
                state["jvm_options"] = list(jvm_options)
        started = []
        down = [n for n in state["nodes"] if not _alive(n)]
        taken = {p for n in state["nodes"] if _alive(n) for p in (n["http_port"], n["transport_port"])}
        for node in down:
            # The old ports when they are still free, else new ones.
            for key in ("http_port", "transport_port"):
                if node[key] in taken or not _port_free(node[key]):
                    node[key] = _free_ports(1, taken)[0]
                taken.add(node[key])
        for node in down:
            _spawn(state, node, classpath)
            started.append(node["name"])
        _save(dir, state)
    wanted = "yellow" if len(state["nodes"]) == 1 else "green"
    _wait(dir, state, wanted, began + timeout, [n for n in state["nodes"] if n["name"] in started])
    info = _info(dir)
    info["started"] = started
    info["seconds"] = round(time.monotonic() - began, 2)
    return info


def restart_node(dir, name: str, *, timeout: float = 240.0) -> dict:
    """Start node ``name`` of the cluster in ``dir`` if it is not running
    (with its data), and wait until the cluster is green again."""
    dir = _resolve(dir)
    state = _load(dir)
    if state is None or name not in [n["name"] for n in state["nodes"]]:
        raise ClusterError(f"no node {name!r} in {dir}")
    # start() restarts every missing node; with one named, the others must run.
    others_down = [n["name"] for n in state["nodes"] if n["name"] != name and not _alive(n)]
    if others_down:
        raise ClusterError(f"other nodes are down too ({', '.join(others_down)}): use start()")
    return start(dir, None, timeout=timeout)


def kill_node(dir, name: str, sig: int = signal.SIGKILL) -> int:
    """Send ``sig`` (default SIGKILL) to node ``name``'s JVM alone, wait until
    it is gone, and return its pid: a crash for fault tests."""
    dir = _resolve(dir)
    state = _load(dir) or {"nodes": []}
    node = next((n for n in state["nodes"] if n["name"] == name), None)
    if node is None or not _alive(node):
        raise ClusterError(f"node {name!r} of {dir} is not running")
    pid = node["pid"]
    os.kill(pid, sig)
    _wait_gone(node, 60.0)
    return pid


def _wait_gone(node: dict, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(node):
            return True
        time.sleep(0.1)
    return False


def _joined(node: dict, count: int) -> bool:
    """True when ``node`` answers and its own cluster state has ``count``
    nodes: a node just (re)started has joined (the others' answers alone do
    not tell, as they may not have noticed yet that its old process died)."""
    try:
        return _get(f"{_url(node)}/_cluster/health?local=true", timeout=3).get("number_of_nodes") == count
    except (OSError, ClusterError, ValueError):
        return False


def _wait(dir: Path, state: dict, wanted: str, deadline: float, fresh: list | None = None) -> None:
    """Until ``deadline``: every node in ``fresh`` has joined, and the
    cluster of all the nodes is ``wanted`` (or better)."""
    count = len(state["nodes"])
    last = None
    while time.monotonic() < deadline:
        dead = [n for n in state["nodes"] if not _alive(n) and n.get("pid")]
        if dead:
            tails = "\n".join(_log_tail(n) for n in dead)
            raise ClusterError(f"node(s) {', '.join(n['name'] for n in dead)} exited while starting:\n{tails}")
        if all(_joined(n, count) for n in fresh or ()):
            for node in state["nodes"]:
                left = max(1, min(10, int(deadline - time.monotonic())))
                try:
                    last = _get(
                        f"{_url(node)}/_cluster/health?wait_for_status={wanted}"
                        f"&wait_for_nodes={count}&timeout={left}s",
                        timeout=left + 5,
                    )
                except (OSError, ClusterError, ValueError):
                    continue
                if not last.get("timed_out") and last.get("number_of_nodes") == count:
                    return
                break
        time.sleep(0.3)
    tails = "\n".join(_log_tail(n) for n in state["nodes"])
    raise ClusterError(f"the cluster in {dir} is not {wanted} in time (last health: {last}):\n{tails}")


def status(dir) -> list[dict]:
    """The nodes of the cluster in ``dir``, each ``{"name", "pid" (None when
    not running), "alive", "http_port", "transport_port", "url",
    "cluster_manager" (this node is the elected manager, in its own view),
    "health" (the cluster's status as this node sees it, None when it does
    not answer), "nodes_seen"}``.  An empty list when ``dir`` has no cluster."""
    dir = _resolve(dir)
    state = _load(dir)
    if state is None:
        return []
    rows = []
    for node in state["nodes"]:
        alive = _alive(node)
        row = {
            "name": node["name"],
            "pid": node["pid"] if alive else None,
            "alive": alive,
            "http_port": node["http_port"],
            "transport_port": node["transport_port"],
            "url": _url(node),
            "cluster_manager": False,
            "health": None,
            "nodes_seen": None,
        }
        if alive:
            try:
                local = _get(f"{_url(node)}/_cluster/health?local=true", timeout=3)
                row["health"] = local.get("status")
                row["nodes_seen"] = local.get("number_of_nodes")
                manager = _get(f"{_url(node)}/_cat/cluster_manager?format=json&local=true", timeout=3)
                row["cluster_manager"] = bool(manager) and manager[0].get("node") == node["name"]
            except (OSError, ClusterError, ValueError):
                pass
        rows.append(row)
    return rows


def health(dir) -> str | None:
    """The cluster's health (green, yellow, red) from the elected manager
    via any running node; None when no node answers."""
    for row in status(dir):
        if row["alive"]:
            try:
                return _get(f"{row['url']}/_cluster/health?timeout=3s", timeout=6).get("status")
            except (OSError, ClusterError, ValueError):
                continue
    return None


def _info(dir: Path) -> dict:
    state = _load(dir) or {"cluster_name": None, "nodes": []}
    rows = status(dir)
    urls = [r["url"] for r in rows if r["alive"]]
    manager = [r["url"] for r in rows if r["cluster_manager"]]
    return {
        "url": (manager or urls or [None])[0],
        "urls": urls,
        "cluster_name": state["cluster_name"],
        "dir": str(dir),
        "health": health(dir),
        "nodes": rows,
    }


def info(dir) -> dict:
    """The cluster's URL(s), name, health and nodes, without starting anything."""
    return _info(_resolve(dir))


def stop(dir, *, timeout: float = 60.0) -> list[str]:
    """Stop every node of the cluster in ``dir`` (SIGTERM, a clean close;
    SIGKILL for a node still there after ``timeout`` seconds) and return the
    names of those that were running.  The data stays in ``dir``."""
    dir = _resolve(dir)
    if not dir.exists():
        return []
    with _locked(dir / ".lock"):
        state = _load(dir)
        if state is None:
            return []
        running = [n for n in state["nodes"] if _alive(n)]
        for node in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(node["pid"], signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for node in running:
            if not _wait_gone(node, max(0.0, deadline - time.monotonic())):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(node["pid"], signal.SIGKILL)
                _wait_gone(node, 10.0)
        for node in state["nodes"]:
            if not _alive(node):
                _children.pop(node.get("pid") or 0, None)
                node["pid"] = None
        _save(dir, state)
    return [n["name"] for n in running]
