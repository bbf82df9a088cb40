"""Load and query-count benchmarks (not part of the product: see bench/README.md)."""
