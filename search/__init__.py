"""Search: the shared text analysis, the query language and the index backends."""
