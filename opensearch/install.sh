#!/usr/bin/env bash
# Install and prefetch what the development OpenSearch cluster needs
# (search/cluster.py, `search cluster start`), on a Debian machine:
#
#   1. a JDK 17+ and Maven, from Debian's packages, when they are missing;
#   2. OpenSearch's jars and the Maven plugins, from Maven Central, into
#      ~/.m2, by building opensearch/ once online (later builds run offline,
#      `mvn -o`);
#   3. the node's class-data-sharing archive in opensearch/target/ (a node
#      starts in about a third of the time with it), by starting one node
#      briefly on 127.0.0.1.
#
# Idempotent: a second run finds everything there and does nothing but check.
# Environment: PYTHON (default .venv/bin/python when it exists, else python3)
# runs step 3; SKIP_ARCHIVE=1 leaves step 3 to the first `cluster start`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"

need_apt=()
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    need_apt+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "opensearch/install.sh: installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
version="$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
if [ -z "$version" ] || [ "$version" -lt 17 ]; then
    echo "opensearch/install.sh: Java 17 or newer is needed (found: ${version:-none})" >&2
    exit 1
fi

# Build opensearch/ (offline first; online when ~/.m2 lacks something, which
# fetches it) and record the CDS archive: both only when missing or stale.
python="${PYTHON:-}"
if [ -z "$python" ]; then
    if [ -x "$repo/.venv/bin/python" ]; then python="$repo/.venv/bin/python"; else python=python3; fi
fi
archive=True
[ "${SKIP_ARCHIVE:-0}" = "1" ] && archive=False
(cd "$repo" && "$python" -c "from search import cluster; cluster.build(archive=$archive)")
echo "opensearch/install.sh: ready ($(ls "$here"/target/node-*.jsa 2>/dev/null | wc -l) CDS archive, java $version)"
