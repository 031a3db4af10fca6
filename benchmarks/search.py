"""Benchmark: retrieval over 1,000,000 indexed poses, fast path against exhaustive sampled scoring.

    .venv/bin/python benchmarks/search.py [--n 1000000] [--queries 100] [--k 10] [--a 0.52 --b -0.5]

The library is synthetic but shaped like a real one (poseexplorer.search.synthetic: videos as smooth
trajectories around action clusters, stddev varying over an order of magnitude per pose and per
dimension, D = 16). Queries are library poses with their own video excluded, as the retrieval panel does.
For every query both paths run: PoseIndex.query (certified fast path) and PoseIndex.query(exhaustive=True)
(the sampled K=20 probability of every allowed pose). Printed: median/p90/max query times side by side
with the ratio, the fraction of queries whose fast top-k is identical (same poses, same order) to the
exhaustive top-k, how often the certificate held, and the process memory.
"""
from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from poseexplorer.search import PoseIndex  # noqa: E402
from poseexplorer.search.synthetic import synthetic_library  # noqa: E402


CPU_TIMES: dict[str, list[float]] = {"fast": [], "exhaustive": []}


def timed(fn, kind: str | None = None):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    if kind:
        CPU_TIMES[kind].append(time.process_time() - c0)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--exhaustive-queries", type=int, default=None,
                    help="check agreement on only the first N queries (default: all)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--a", type=float, default=0.52, help="probability slope (0.52: the method's initial value)")
    ap.add_argument("--b", type=float, default=-0.5, help="probability offset (-0.5: the initial value)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    (emb, media), t_gen = timed(lambda: synthetic_library(args.n, seed=args.seed))
    index, t_build = timed(lambda: PoseIndex(np.arange(args.n), media, emb, args.a, args.b))
    rows = np.random.default_rng(args.seed + 1).choice(args.n, args.queries, replace=False)
    index.query(emb[int(rows[0])], k=args.k)  # warm-up (BLAS, page-in)
    fast_t, exh_t, same, certified, scored = [], [], 0, 0, []
    n_exh = args.queries if args.exhaustive_queries is None else min(args.exhaustive_queries, args.queries)
    for qi, r in enumerate(rows.tolist()):
        opts = dict(k=args.k, exclude_media=[int(media[r])])
        fast, t = timed(lambda: index.query(emb[r], **opts), "fast")
        fast_t.append(t)
        certified += index.last_stats.certified
        scored.append(index.last_stats.scored)
        if qi >= n_exh:
            continue
        exact, t = timed(lambda: index.query(emb[r], exhaustive=True, **opts), "exhaustive")
        exh_t.append(t)
        same += [h.row for h in fast] == [h.row for h in exact]
    fast_t, exh_t = np.array(fast_t) * 1e3, np.array(exh_t) * 1e3
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"library: {args.n:,} poses, D=16, a={args.a}, b={args.b}; generated in {t_gen:.1f} s, "
          f"index built in {t_build:.2f} s; cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"{args.queries} queries ({n_exh} also exhaustive), top-{args.k}, own video excluded:")
    print(f"{'':22s}{'median':>10s}{'p90':>10s}{'max':>10s}")
    print(f"{'fast path (ms)':22s}{np.median(fast_t):10.1f}{np.percentile(fast_t, 90):10.1f}{fast_t.max():10.1f}")
    print(f"{'exhaustive (ms)':22s}{np.median(exh_t):10.1f}{np.percentile(exh_t, 90):10.1f}{exh_t.max():10.1f}")
    cpu_f, cpu_e = (np.median(CPU_TIMES[k]) * 1e3 for k in ("fast", "exhaustive"))
    print(f"process CPU time per query (both cores, insensitive to other load): fast {cpu_f:.1f} ms, "
          f"exhaustive {cpu_e:.1f} ms")
    print(f"speed-up (median exhaustive / median fast): {np.median(exh_t) / np.median(fast_t):.0f} x; "
          f"target median < 100 ms -> {'PASS' if np.median(fast_t) < 100 else 'FAIL'}")
    print(f"identical top-{args.k} (poses and order): {same}/{n_exh} = {100 * same / n_exh:.1f} % "
          f"(target >= 99 %) -> {'PASS' if same >= 0.99 * n_exh else 'FAIL'}")
    print(f"certificate held: {certified}/{args.queries}; poses scored exactly per query: median "
          f"{int(np.median(scored))}, max {max(scored)} of {args.n:,}")
    print(f"peak memory (max RSS): {rss:.0f} MB")


if __name__ == "__main__":
    main()
