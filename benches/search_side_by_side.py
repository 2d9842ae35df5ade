"""Vector search, side by side: voiceprint's in-memory store (exact scans and
HNSW) against faiss (IndexFlatIP, IndexHNSWFlat) and usearch, on the same
vectors in one run.

  benches/setup_search_peer.sh [--skip-build]      # once
  .venv-search-bench/bin/python benches/search_side_by_side.py [--quick]
      [--sizes 100000,1000000] [--dims 192,256] [--threads 1,2]
      [--datasets random,clustered] [--libraries ...] [--m 32] [--ef-construction 128]
      [--ef-search 128] [--json OUT]

Data sets (float32 unit vectors, inner product = cosine):
  random     uniform on the sphere (normalised Gaussians).
  clustered  speaker-like: n/20 centres, 20 utterances each, an utterance being
             normalise(centre + s * g / sqrt(dim)) with g standard normal and
             s = sqrt(1/0.7 - 1), so that two utterances of one centre have
             cosine ~0.7 (1 / (1 + s^2)) and of two centres ~0; rows shuffled.
Queries are 1000 fresh vectors of the same kind (for clustered: fresh
utterances of random existing centres). The ground truth is the exact top 10
of faiss IndexFlatIP. recall@10 counts a returned id as a hit when it is in
the true top 10 or its exact score ties the true 10th (within 1e-6, so exact
scans that sum in another order are not penalised for float rounding).

Each (library variant, threads) is measured in a child process of this script
that maps the vectors from a temporary .npy, sets its thread count before any
library loads (OMP_NUM_THREADS / faiss.omp_set_num_threads, usearch's threads=,
RAYON_NUM_THREADS for voiceprint) and reports:
  build s     add / upsert_vectors of all n vectors in one call;
  ms/query    median of 200 single-query calls, one at a time, after one
              untimed warm-up query;
  batch q/s   1000 queries in one call, median of --batch-repeats calls after
              a 16-query warm-up;
  memory MB   peak RSS of the child (VmHWM, reset through /proc/self/clear_refs
              once the vectors, queries and ids are resident) minus the RSS at
              that point, in 10^6 bytes: the index plus whatever the build and
              searches allocate transiently;
  held MB     the RSS right after the build minus the same baseline: what the
              index keeps (plus freed memory the allocator has not returned).
Timings are of a shared machine: rerun before quoting.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

K = 10
N_QUERIES = 1000
UTTERANCES_PER_CENTRE = 20
SAME_CENTRE_COSINE = 0.7
TIE_TOLERANCE = 1e-6
DATASETS = ("random", "clustered")

# name -> (label in the table, family)
VARIANTS = {
    "faiss-flat": ("faiss IndexFlatIP", "faiss"),
    "faiss-hnsw": ("faiss IndexHNSWFlat", "faiss"),
    "usearch": ("usearch HNSW f32", "usearch"),
    "vp-exact": ("voiceprint exact (i8 pass + f32)", "voiceprint"),
    "vp-f32": ("voiceprint exact f32 scan", "voiceprint"),
    "vp-f16": ("voiceprint exact f16 rows", "voiceprint"),
    "vp-hnsw": ("voiceprint HNSW f32", "voiceprint"),
}
VOICEPRINT_PROBE = "import voiceprint; voiceprint.Store.memory('m', 4).search_batch"


# ---------------------------------------------------------------- data sets

def normalise(x):
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def make_dataset(kind, n, dim, seed, base_path, query_path, chunk=100_000):
    """Writes n base vectors and N_QUERIES queries as .npy files, in chunks so
    a million rows never exist twice in memory."""
    rng = np.random.default_rng([seed, DATASETS.index(kind), n, dim])
    base = np.lib.format.open_memmap(base_path, mode="w+", dtype=np.float32, shape=(n, dim))
    if kind == "random":
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            base[a:b] = normalise(rng.standard_normal((b - a, dim), dtype=np.float32))
        queries = normalise(rng.standard_normal((N_QUERIES, dim), dtype=np.float32))
    elif kind == "clustered":
        n_centres = max(1, n // UTTERANCES_PER_CENTRE)
        centres = normalise(rng.standard_normal((n_centres, dim), dtype=np.float32))
        spread = np.float32(np.sqrt(1.0 / SAME_CENTRE_COSINE - 1.0) / np.sqrt(dim))
        owner = rng.permutation(np.arange(n) % n_centres)  # shuffled: enrolment order is not by speaker
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            noise = rng.standard_normal((b - a, dim), dtype=np.float32)
            base[a:b] = normalise(centres[owner[a:b]] + spread * noise)
        picked = rng.integers(0, n_centres, N_QUERIES)
        noise = rng.standard_normal((N_QUERIES, dim), dtype=np.float32)
        queries = normalise(centres[picked] + spread * noise)
    base.flush()
    del base
    np.save(query_path, queries.astype(np.float32))


def ground_truth(base_path, query_path, truth_path, threads):
    import faiss
    faiss.omp_set_num_threads(threads)
    base = np.load(base_path, mmap_mode="r")
    queries = np.load(query_path)
    index = faiss.IndexFlatIP(base.shape[1])
    for a in range(0, base.shape[0], 200_000):
        index.add(np.ascontiguousarray(base[a:a + 200_000]))
    scores, labels = [], []
    for a in range(0, len(queries), 250):
        s, i = index.search(queries[a:a + 250], K + 1)  # one extra, to see ties at the 10th
        scores.append(s)
        labels.append(i)
    np.savez(truth_path, scores=np.concatenate(scores), labels=np.concatenate(labels))


def cosine_summary(base_path, query_path, truth_path):
    """Mean cosine of the true nearest, of the true 10th and of a random row,
    so the output shows each data set is as described."""
    t = np.load(truth_path)
    base = np.load(base_path, mmap_mode="r")
    queries = np.load(query_path)
    rng = np.random.default_rng(1)
    other = base[np.sort(rng.integers(0, base.shape[0], len(queries)))]
    return float(t["scores"][:, 0].mean()), float(t["scores"][:, K - 1].mean()), \
        float(np.einsum("ij,ij->i", queries, other).mean())


# ---------------------------------------------------------------- children

def proc_status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    raise OSError(f"no {field} in /proc/self/status")


def reset_peak_rss():
    """Sets the kernel's high-water mark (VmHWM) to the current RSS, so the
    peak measured afterwards is that of the index alone and not of the setup
    (Linux >= 4.0). getrusage's ru_maxrss cannot be used: Linux carries it
    over fork and exec, so a child starts with its parent's peak, here the
    ground-truth index."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class FaissFlat:
    """Each engine's search returns its own id type (faiss and usearch integer
    labels, voiceprint str ids); recall_at_k turns them into ints after the
    clock stops."""

    def __init__(self, dim, threads, opts):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.index = faiss.IndexFlatIP(dim)

    def build(self, ids, vectors):
        self.index.add(vectors)

    def search(self, q):
        return self.index.search(q[None, :], K)[1][0]

    def search_batch(self, qs):
        return self.index.search(qs, K)[1]


class FaissHnsw(FaissFlat):
    def __init__(self, dim, threads, opts):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.index = faiss.IndexHNSWFlat(dim, opts["m"], faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = opts["ef_construction"]
        self.index.hnsw.efSearch = opts["ef_search"]


class Usearch:
    def __init__(self, dim, threads, opts):
        from usearch.index import Index
        self.threads = threads
        self.index = Index(ndim=dim, metric="ip", dtype="f32", connectivity=opts["m"],
                           expansion_add=opts["ef_construction"], expansion_search=opts["ef_search"])

    def build(self, ids, vectors):
        self.index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=self.threads)

    def search(self, q):
        return self.index.search(q, K, threads=self.threads).keys

    def search_batch(self, qs):
        return self.index.search(qs, K, threads=self.threads).keys


class Voiceprint:
    def __init__(self, dim, threads, opts):
        import voiceprint
        variant = opts["variant"]
        if variant == "vp-exact":
            self.store = voiceprint.Store.memory("bench", dim)
        elif variant == "vp-f32":
            self.store = voiceprint.Store.memory("bench", dim, compressed_scan=False)
        elif variant == "vp-f16":
            self.store = voiceprint.Store.memory("bench", dim, storage="f16")
        elif variant == "vp-hnsw":
            hnsw = voiceprint.HnswOptions(min_records=1, connectivity=opts["m"],
                                          expansion_add=opts["ef_construction"],
                                          expansion_search=opts["ef_search"], quantization="f32")
            self.store = voiceprint.Store.memory("bench", dim, hnsw=hnsw)
        else:
            raise ValueError(variant)

    def build(self, ids, vectors):
        self.store.upsert_vectors(ids, vectors)

    def state(self):
        """What the store says it holds: a check that the HNSW graph was built
        inside the timed upsert, and its own byte counts beside the RSS."""
        hnsw = self.store.hnsw_state() if hasattr(self.store, "hnsw_state") else None
        return {"hnsw_state": dict(hnsw) if hnsw is not None else None,
                "vector_bytes": getattr(self.store, "vector_bytes", None),
                "records": len(self.store)}

    def search(self, q):
        return self.store.search(q, k=K)[0]

    def search_batch(self, qs):
        return self.store.search_batch(qs, k=K)[0]


ENGINES = {"faiss-flat": FaissFlat, "faiss-hnsw": FaissHnsw, "usearch": Usearch,
           "vp-exact": Voiceprint, "vp-f32": Voiceprint, "vp-f16": Voiceprint, "vp-hnsw": Voiceprint}


def recall_at_k(found, truth_labels, truth_scores, queries, base):
    """Mean share of the true top K among the returned K; a returned id whose
    exact score ties the true K-th (float rounding) also counts."""
    hits = 0
    for qi, row in enumerate(found):
        row = [int(i) for i in row if int(i) >= 0][:K]
        true = set(int(i) for i in truth_labels[qi, :K])
        kth = float(truth_scores[qi, K - 1])
        h = 0
        for i in row:
            if i in true or float(np.dot(base[i].astype(np.float64), queries[qi])) >= kth - TIE_TOLERANCE:
                h += 1
        hits += min(h, K)
    return hits / (K * len(found))


def child(spec):
    """Runs one (variant, threads) measurement and writes its numbers to spec['out']."""
    threads = spec["threads"]
    base = np.load(spec["base"], mmap_mode="c")  # copy-on-write: writeable for bindings that ask, never copied
    queries = np.load(spec["queries"])
    truth = np.load(spec["truth"])
    truth_labels, truth_scores = truth["labels"], truth["scores"]
    n, dim = base.shape
    ids = [str(i) for i in range(n)] if ENGINES[spec["variant"]] is Voiceprint else None
    engine_cls = ENGINES[spec["variant"]]
    engine = engine_cls(dim, threads, spec)
    float(base.sum(dtype=np.float64))  # every page resident before the baseline
    peak_reset = reset_peak_rss()
    baseline = proc_status_bytes("VmRSS") if peak_reset else proc_status_bytes("VmHWM")

    t0 = time.perf_counter()
    engine.build(ids, base)
    build_s = time.perf_counter() - t0
    after_build = proc_status_bytes("VmRSS")
    state = engine.state() if hasattr(engine, "state") else {}

    t0 = time.perf_counter()
    engine.search(queries[0])  # warm-up, untimed in the figures; a lazy index build would show here
    first_query_s = time.perf_counter() - t0
    single_ms, single_found = [], []
    for q in queries[:spec["single_queries"]]:
        t0 = time.perf_counter()
        found = engine.search(q)
        single_ms.append((time.perf_counter() - t0) * 1e3)
        single_found.append(found)

    engine.search_batch(queries[:16])
    batch_s, batch_found = [], None
    for _ in range(spec["batch_repeats"]):
        t0 = time.perf_counter()
        found = engine.search_batch(queries)
        batch_s.append(time.perf_counter() - t0)
        if batch_found is None:
            batch_found = found
    peak = proc_status_bytes("VmHWM")

    q64 = queries.astype(np.float64)
    out = {
        "build_s": build_s,
        "first_query_s": first_query_s,
        "single_ms_median": statistics.median(single_ms),
        "single_ms_p90": float(np.percentile(single_ms, 90)),
        "single_queries": len(single_ms),
        "batch_s_median": statistics.median(batch_s),
        "batch_s_runs": batch_s,
        "batch_qps": len(queries) / statistics.median(batch_s),
        "recall_at_10": recall_at_k(batch_found, truth_labels, truth_scores, q64, base),
        "recall_at_10_single": recall_at_k(single_found, truth_labels, truth_scores, q64, base),
        "memory_mb": (peak - baseline) / 1e6,
        "memory_after_build_mb": (after_build - baseline) / 1e6,
        "baseline_rss_mb": baseline / 1e6,
        "memory_baseline": "current RSS, peak reset" if peak_reset else "peak RSS of the setup (reset unavailable)",
        "raw_vectors_mb": n * dim * 4 / 1e6,
        **state,
    }
    Path(spec["out"]).write_text(json.dumps(out))


def run_child(spec, timeout):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(spec["threads"])
    Path(spec["out"]).unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not Path(spec["out"]).exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        return {"error": tail[0]}
    return json.loads(Path(spec["out"]).read_text())


# ---------------------------------------------------------------- report

def versions():
    import importlib.metadata as md
    out = {"python": platform.python_version()}
    for name in ("numpy", "faiss-cpu", "usearch", "voiceprint"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def voiceprint_available():
    proc = subprocess.run([sys.executable, "-c", VOICEPRINT_PROBE], capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    lines = proc.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {proc.returncode}"


def fmt(row, key, spec):
    v = row.get(key)
    return "—" if v is None else format(v, spec)


def markdown(rows):
    head = ["data set", "n", "dim", "library", "threads", "ms/query (1 query)", "batch q/s", "recall@10",
            "build s", "memory MB", "held MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 4 + ["---:"] * 7) + "|"]
    for r in rows:
        cells = [r["dataset"], f"{r['n']:,}", str(r["dim"]), VARIANTS[r["variant"]][0], str(r["threads"])]
        if "error" in r or "skipped" in r:
            cells += ["—"] * 6
            cells[3] += f" ({r.get('error') or r.get('skipped')})"
        else:
            cells += [fmt(r, "single_ms_median", ".3f"), fmt(r, "batch_qps", ",.0f"), fmt(r, "recall_at_10", ".4f"),
                      fmt(r, "build_s", ".2f"), fmt(r, "memory_mb", ",.0f"), fmt(r, "memory_after_build_mb", ",.0f")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def int_list(text):
    return [int(v) for v in text.split(",") if v]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int_list, default=[100_000, 1_000_000], help="store sizes (default 100000,1000000)")
    ap.add_argument("--dims", type=int_list, default=[192, 256], help="vector lengths (default 192,256)")
    ap.add_argument("--threads", type=int_list, default=[1, 2], help="thread counts (default 1,2)")
    ap.add_argument("--datasets", default="random,clustered", help="random, clustered (default both)")
    ap.add_argument("--libraries", default=",".join(VARIANTS), help=f"variants to time (default all: {','.join(VARIANTS)})")
    ap.add_argument("--m", type=int, default=32, help="HNSW connectivity M (default 32)")
    ap.add_argument("--ef-construction", type=int, default=128, help="HNSW efConstruction / expansion_add (default 128)")
    ap.add_argument("--ef-search", type=int, default=128, help="HNSW efSearch / expansion_search (default 128)")
    ap.add_argument("--single-queries", type=int, default=200, help="single-query calls timed (default 200)")
    ap.add_argument("--batch-repeats", type=int, default=3, help="timed batch calls (default 3); median reported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one measurement may take (default 3600)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 100000 x 192, random, threads 1")
    ap.add_argument("--json", metavar="OUT", help="write all figures here")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.dims, args.threads, args.datasets = [100_000], [192], [1], "random"
    datasets = [d for d in args.datasets.split(",") if d]
    for d in datasets:
        if d not in DATASETS:
            ap.error(f"unknown data set {d!r}; choose from {','.join(DATASETS)}")
    variants = [v for v in args.libraries.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            ap.error(f"unknown library {v!r}; choose from {','.join(VARIANTS)}")

    info = {"cpu": cpu_model(), "cpus": os.cpu_count(), "versions": versions(),
            "k": K, "queries": N_QUERIES, "m": args.m, "ef_construction": args.ef_construction,
            "ef_search": args.ef_search, "single_queries": args.single_queries,
            "batch_repeats": args.batch_repeats, "seed": args.seed}
    info["load_average_start"] = os.getloadavg()
    print(f"CPU: {info['cpu']} ({info['cpus']} logical), load average {info['load_average_start'][0]:.2f}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print(f"HNSW: M {args.m}, efConstruction {args.ef_construction}, efSearch {args.ef_search}; k {K}, "
          f"{N_QUERIES} queries")
    vp_why = voiceprint_available() if any(VARIANTS[v][1] == "voiceprint" for v in variants) else None
    if vp_why:
        print(f"voiceprint: skipped, the binding lacks Store.memory(...).search_batch ({vp_why}); "
              f"build it with benches/setup_search_peer.sh")
    info["voiceprint_skipped"] = vp_why

    rows = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        base_path, query_path = os.path.join(tmp, "base.npy"), os.path.join(tmp, "queries.npy")
        truth_path, out_path = os.path.join(tmp, "truth.npz"), os.path.join(tmp, "child.json")
        for kind in datasets:
            for n in args.sizes:
                for dim in args.dims:
                    t0 = time.perf_counter()
                    make_dataset(kind, n, dim, args.seed, base_path, query_path)
                    t1 = time.perf_counter()
                    ground_truth(base_path, query_path, truth_path, os.cpu_count())
                    top1, top10, unrelated = cosine_summary(base_path, query_path, truth_path)
                    print(f"\n== {kind} n={n:,} dim={dim}: data {t1 - t0:.1f} s, ground truth "
                          f"{time.perf_counter() - t1:.1f} s; mean cosine of the nearest {top1:.3f}, "
                          f"of the 10th {top10:.3f}, of a random row {unrelated:.3f}", flush=True)
                    for variant in variants:
                        for threads in args.threads:
                            row = {"dataset": kind, "n": n, "dim": dim, "variant": variant,
                                   "library": VARIANTS[variant][0], "threads": threads}
                            if VARIANTS[variant][1] == "voiceprint" and vp_why:
                                row["skipped"] = "binding missing"
                            else:
                                spec = {"variant": variant, "threads": threads, "base": base_path,
                                        "queries": query_path, "truth": truth_path, "out": out_path,
                                        "m": args.m, "ef_construction": args.ef_construction,
                                        "ef_search": args.ef_search, "single_queries": args.single_queries,
                                        "batch_repeats": args.batch_repeats}
                                try:
                                    row.update(run_child(spec, args.timeout))
                                except subprocess.TimeoutExpired:
                                    row["error"] = f"over {args.timeout:.0f} s"
                            rows.append(row)
                            label = f"  {VARIANTS[variant][0]:34s} t={threads}"
                            if "skipped" in row:
                                print(f"{label}: skipped ({row['skipped']})", flush=True)
                            elif "error" in row:
                                print(f"{label}: failed: {row['error']}", flush=True)
                            else:
                                print(f"{label}: build {row['build_s']:7.2f} s, 1 query "
                                      f"{row['single_ms_median']:8.3f} ms, batch {row['batch_qps']:10,.0f} q/s, "
                                      f"recall@10 {row['recall_at_10']:.4f}, memory {row['memory_mb']:7,.0f} MB"
                                      f", first query {row['first_query_s'] * 1e3:.1f} ms", flush=True)

    info["load_average_end"] = os.getloadavg()
    print(f"\nload average at the end {info['load_average_end'][0]:.2f} (timings of a loaded machine are noisy)")
    print()
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"info": info, "rows": rows}, indent=1) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
