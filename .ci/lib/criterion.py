"""Criterion's results on disk, read once for every `.ci/bench-*` script.

    import sys; sys.path.insert(0, ".ci/lib")   # or PYTHONPATH=.ci/lib
    from criterion import load, stamp
    for full_id, e in load(root, prefix="pool/").items(): e["median"], e["bytes"], ...

`root` is criterion's output folder: $CRITERION_HOME, else
${CARGO_TARGET_DIR:-target}/criterion (the scripts pass it in).
"""
import json
import os
import time


def _json(path):
    with open(path) as f:
        return json.load(f)


def load(root, prefix=""):
    """The latest estimates of every benchmark under `root` whose id starts with `prefix`.

    Returns {full_id: record}; a record has "group_id", "function_id", "median",
    "mean", "mad" (median absolute deviation), "sd" (standard deviation), all in ns;
    "fastest" (the fastest sample, ns per iteration, or None without sample.json);
    "bytes" (the benchmark's `Throughput::Bytes`, or None); "mtime" (when criterion
    wrote it, seconds since the epoch).
    """
    found = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        bench = _json(os.path.join(dirpath, "benchmark.json"))
        full_id = bench.get("full_id", "")
        if not full_id.startswith(prefix):
            continue
        path = os.path.join(dirpath, "estimates.json")
        est = _json(path)
        fastest = None
        if "sample.json" in files:
            sample = _json(os.path.join(dirpath, "sample.json"))
            fastest = min(t / i for t, i in zip(sample["times"], sample["iters"]))
        found[full_id] = {
            "group_id": bench.get("group_id", ""),
            "function_id": bench.get("function_id"),
            "median": est["median"]["point_estimate"],
            "mean": est["mean"]["point_estimate"],
            "mad": est["median_abs_dev"]["point_estimate"],
            "sd": est["std_dev"]["point_estimate"],
            "fastest": fastest,
            "bytes": (bench.get("throughput") or {}).get("Bytes"),
            "mtime": os.path.getmtime(path),
        }
    return found


def stamp(t):
    """A UTC time stamp for a table's heading."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
