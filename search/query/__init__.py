"""The wirewatch query language: one parser, one AST, one compiler per place a query runs."""

from search.query.ast import Node
from search.query.parser import QueryError, parse

__all__ = ["Node", "QueryError", "parse"]
