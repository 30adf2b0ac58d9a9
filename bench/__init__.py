"""Hand-run benchmarks (see bench/README.md). Never collected by pytest or CI."""
