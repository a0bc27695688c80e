"""orsync benchmark harness: see bench/README.md."""
