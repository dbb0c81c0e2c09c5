#!/usr/bin/env python3
"""Writes a pallet's weight file from several runs of `benchmark pallet`, taking each weight
function from the run that was quietest for that benchmark.

    python3 scripts/weights-quietest.py <out.rs> <run1.rs> <run1.json> [<run2.rs> <run2.json> ...]

Each run is the node's own output (`--output` and `--json-file` of one `benchmark pallet`).
Why: on a shared 2-core machine other work steals time in bursts lasting seconds, so a single
run can measure a stretch of a benchmark's points slow (in session 16's run, `open` at 219..256
attesters took twice its time at 188, and the regression put the burst into its per-attester
slope). The runs are passes minutes apart, so a burst rarely hits the same benchmark in every
one. The quietest run of a benchmark is the one with the lowest sum, over its measured points,
of the median time of the point's repeats. Its function is copied as the node wrote it (storage
accesses, proof sizes, the regression over its repeats), so every weight still comes from one
real run of the node's command; only the choice among runs is made here.

Prints, per benchmark, the run chosen and how much slower the slowest run was.
"""
import json
import re
import statistics
import sys

FUNCTION = re.compile(r"(?:\t///[^\n]*\n)*\tfn (\w+)\([^)]*\) -> Weight \{\n.*?\n\t\}\n", re.S)


def split(path):
    """The file's text before its first weight function, its functions by name, and the rest."""
    text = open(path).read()
    functions = list(FUNCTION.finditer(text))
    if not functions:
        sys.exit(f"{path}: no weight function")
    for before, after in zip(functions, functions[1:]):
        if before.end() != after.start():
            sys.exit(f"{path}: text between the functions {before.group(1)} and {after.group(1)}")
    by_name = {m.group(1): m.group(0) for m in functions}
    return text[:functions[0].start()], by_name, text[functions[-1].end():]


def scores(path):
    """Per benchmark, the sum over its points of the median time of each point's repeats."""
    result = {}
    for batch in json.load(open(path)):
        points = {}
        for r in batch["time_results"]:
            points.setdefault(tuple(tuple(c) for c in r["components"]), []).append(
                r["extrinsic_time"])
        result[batch["benchmark"]] = sum(statistics.median(times) for times in points.values())
    return result


def main():
    args = sys.argv[1:]
    if len(args) < 3 or len(args) % 2 == 0:
        sys.exit(__doc__)
    out, runs = args[0], [(args[i], args[i + 1]) for i in range(1, len(args), 2)]
    files = [split(rs) for rs, _ in runs]
    timed = [scores(js) for _, js in runs]
    names = list(files[0][1])
    for i, (_, functions, _) in enumerate(files):
        if list(functions) != names or set(timed[i]) != set(names):
            sys.exit(f"run {i + 1} has other benchmarks than run 1")
    body = []
    for name in names:
        totals = [t[name] for t in timed]
        quietest = min(range(len(runs)), key=lambda i: totals[i])
        body.append(files[quietest][1][name])
        print(f"{name}: run {quietest + 1} of {len(runs)}, the slowest run "
              f"{max(totals) / max(totals[quietest], 1):.2f} times its time")
    with open(out, "w") as f:
        f.write(files[0][0] + "".join(body) + files[0][2])


if __name__ == "__main__":
    main()
