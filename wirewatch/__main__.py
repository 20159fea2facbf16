"""`python -m wirewatch` is the `wirewatch` command."""

from wirewatch.cli.main import main

if __name__ == "__main__":
    main()
