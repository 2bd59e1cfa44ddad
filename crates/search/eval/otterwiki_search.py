#!/usr/bin/env python3
"""Time An Otter Wiki's own search over a wiki repository, for the search benchmark.

Usage: otterwiki_search.py WORKTREE QUERIES_FILE

WORKTREE is a git working tree of the wiki (Otterwiki reads files from a
checkout); QUERIES_FILE has one query per line. Runs otterwiki.wiki.Search
(the code behind Otterwiki's /-/search page) for every query inside the app,
and prints one JSON line: {"queries": n, "p50_ms": .., "p99_ms": .., "matches": ..}.
"""

import json
import os
import sys
import tempfile
import time


def main() -> None:
    worktree, queries_file = sys.argv[1], sys.argv[2]
    queries = [q.strip() for q in open(queries_file, encoding="utf-8") if q.strip()]
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as cfg:
        cfg.write(f"REPOSITORY = {worktree!r}\nSECRET_KEY = 'bench-only-not-secret'\n")
    os.environ["OTTERWIKI_SETTINGS"] = cfg.name
    import logging

    logging.disable(logging.WARNING)
    from otterwiki.server import app
    from otterwiki.wiki import Search

    times = []
    matches = 0
    with app.test_request_context("/-/search"):
        for query in queries:
            start = time.perf_counter()
            search = Search(query)
            search.compile()
            found = search.search()
            times.append(time.perf_counter() - start)
            matches += len(found)
    times.sort()
    pick = lambda p: times[round((len(times) - 1) * p)] * 1000
    print(json.dumps({"queries": len(times), "p50_ms": pick(0.5), "p99_ms": pick(0.99), "matches": matches}))


if __name__ == "__main__":
    main()
