"""`python -m orsync` is the same as the `orsync` command."""

from orsync.cli import main

main()
