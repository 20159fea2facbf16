"""`python -m wirewatch` is the `wirewatch` command."""

from wirewatch.cli.main import main

main()
