"""pulumi-svix benchmarks: API calls per operation, the ratio to the Pulumi engine's own floor, state
size, memory and import time. Run with ``make bench`` (or ``python -m bench --quick``); how to read
the results: bench/README.md.
"""
