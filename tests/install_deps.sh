#!/usr/bin/env bash
# What the test suite needs besides Python packages, installed when missing
# (the README's test command and .ci/run both call this):
#   - Debian's headless Chromium and its driver, for tests/test_web_browser.py;
#   - a Japanese font (fonts-noto-cjk), so the saved screenshots show text;
#   - a JDK 17+ and Maven, for the OpenSearch nodes of tests/test_cluster.py
#     and tests/test_opensearch_backend.py (built from opensearch/ on first
#     use; opensearch/install.sh builds ahead, as .ci/run does).
# On a machine that has them it does nothing.  It needs root (or sudo) only
# when something is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -n "$(fc-list :lang=ja 2>/dev/null)" ] || need+=(fonts-noto-cjk)
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
java_version="$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)"
[ "${java_version:-0}" -ge 17 ] 2>/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "installing ${need[*]} (Debian packages) for the tests" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "error: ${need[*]} missing and not root: install them (without Chromium: SEARCH_SKIP_BROWSER=1; without a JDK and Maven the OpenSearch tests skip)" >&2
        exit 1
    fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
