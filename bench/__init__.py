"""Benchmarks of the course's reference code (`make bench`, or `python -m bench --help`).

Each `bench/bench_<name>.py` module has `run(quick=False) -> list[dict]`; a row has the keys
name, ours_s, peer, peer_s, ratio (ours_s / peer_s), target, ok (bool) and note.
`python -m bench` runs them all, prints one table and writes `bench/RESULTS.md`.
"""
