"""The OpenSearch backend (see search.backends): mapping, sink, compiler, searcher."""
