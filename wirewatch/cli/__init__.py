"""The `wirewatch` command line."""
