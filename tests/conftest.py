"""Shared fixtures: real Sudachi, real Whoosh indexes in temporary folders,
and the livedoor corpus read in place from ../shared (never copied here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "corpus"
LIVEDOOR = Path(os.environ.get("SEARCH_LIVEDOOR") or REPO.parent / "shared" / "corpus" / "livedoor")
LIVEDOOR_TGZ = LIVEDOOR / "ldcc-20140209.tar.gz" if LIVEDOOR.is_dir() else LIVEDOOR


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SEARCH_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow full-corpus test; run with SEARCH_SLOW_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def livedoor_tgz():
    if not LIVEDOOR_TGZ.exists():
        pytest.skip(f"livedoor corpus not found at {LIVEDOOR_TGZ} (set SEARCH_LIVEDOOR)")
    return LIVEDOOR_TGZ


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """An index of the bundled sample article."""
    from search import index_paths

    path = tmp_path_factory.mktemp("sample-index")
    summary = index_paths([SAMPLE_DIR], path)
    assert summary.added == 1 and summary.failed == 0
    return path


@pytest.fixture(scope="session")
def sample_searcher(sample_index):
    from search import Searcher

    with Searcher(sample_index) as s:
        yield s
