#!/usr/bin/env python3
"""The two halves of scripts/bench.sh that are easier in Python.

    bench-report.py spec <dev raw spec> <state.json>   # prints the benchmark chain's raw spec
    bench-report.py report <work dir> <node binary> <repeat>

`spec` puts the state runtime/src/bench_state.rs wrote into the development chain's raw spec
(keeping that spec's runtime code) and its plan into the spec's properties.

`report` reads what the run measured, prints the capacity table, writes it to
docs/performance.md between the `bench:capacity` markers, and exits 1 when a target is missed:
every protocol call fits at least half as many times in a block as a transfer
(N_call / N_transfer >= 0.5), and an order's whole lifecycle (create, accept, one report per
committee member, settlement) costs at most 6 transfers.
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

CALLS = [
    ("system", "remark", "remark (empty)"),
    ("balances", "transfer_keep_alive", "transfer"),
    ("fulfillment", "create_order", "create an order"),
    ("fulfillment", "accept_order", "accept (bond) an order"),
    ("attestation", "attest", "attest (one member's report)"),
    ("disputes", "dispute", "dispute a proposed outcome"),
]
PROTOCOL = CALLS[2:]
MIN_RATIO = 0.5
MAX_LIFECYCLE = 6.0
DOC = "docs/performance.md"
START, END = "<!-- bench:capacity:start -->", "<!-- bench:capacity:end -->"


def spec(dev_path, state_path):
    chain = json.load(open(dev_path))
    state = json.load(open(state_path))
    top = dict(state["top"])
    top["0x3a636f6465"] = chain["genesis"]["raw"]["top"]["0x3a636f6465"]  # ":code"
    chain["genesis"]["raw"]["top"] = top
    chain["name"] = "Surety benchmark"
    chain["id"] = "surety_bench"
    chain.setdefault("properties", {})["suretyBench"] = state["plan"]
    json.dump(chain, sys.stdout)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    osname = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")), "?")
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.0f} GiB, {osname}, {platform.machine()}, {rustc}"


SMALL, LARGE = 100, 100000
MAX_SCALING = 1.10


def measured(work, pallet, extrinsic, background=SMALL):
    log = open(f"{work}/{background}.{pallet}.{extrinsic}.log").read()
    per_block = int(re.search(r"Extrinsics per block: (\d+)", log).group(1))
    # The fastest of the block's executions: the one least disturbed by the rest of the machine
    # (the average moves by 10 % between identical runs here).
    fastest = int(re.search(r"Min: (\d+)", log).group(1))
    return per_block, fastest


def report(work, binary, repeat):
    figures = {}
    for line in open(f"{work}/weights.txt"):
        _, name, value = line.split()
        figures[name] = int(value)
    rows = {(p, e): measured(work, p, e) for p, e, _ in CALLS}
    n_transfer, t_transfer = rows[("balances", "transfer_keep_alive")]
    base = figures["extrinsic_base"]
    normal = figures["normal_class_max"]
    # What a transfer takes of a block, everything counted (call, base, its transaction
    # extensions' weight): the block's normal class over the transfers that filled it.
    per_transfer = normal / n_transfer
    extensions = figures["extensions"]

    lines = [
        f"Measured {datetime.date.today()} on {machine()}, by `scripts/bench.sh` "
        f"(node: `{binary}`, profile `weights`; each block executed {repeat} times).",
        "",
        "| call | extrinsics per block | N / N_transfer (target >= 0.5) | transfers per call | time per extrinsic | time / transfer's |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    missed = []
    cost = {}
    for pallet, extrinsic, label in CALLS:
        n, t = rows[(pallet, extrinsic)]
        ratio = n / n_transfer
        cost[extrinsic] = n_transfer / n
        mark = ""
        if (pallet, extrinsic, label) in PROTOCOL and ratio < MIN_RATIO:
            missed.append(f"{label}: N / N_transfer = {ratio:.2f} < {MIN_RATIO}")
            mark = " **missed**"
        lines.append(
            f"| {label} (`{pallet}.{extrinsic}`) | {n} | {ratio:.2f}{mark} | {n_transfer / n:.2f} | "
            f"{t / 1000:.1f} µs | {t / t_transfer:.2f} |"
        )
    settle = figures["settlement"] / per_transfer
    lines.append(f"| settlement of one order (the dispute-window hook, from its weight) | | | {settle:.2f} | | |")
    committee = figures["committee_size"]
    lifecycle = cost["create_order"] + cost["accept_order"] + committee * cost["attest"] + settle
    mark = ""
    if lifecycle > MAX_LIFECYCLE:
        missed.append(f"lifecycle: {lifecycle:.2f} transfers > {MAX_LIFECYCLE}")
        mark = " **missed**"
    lines += [
        "",
        f"A whole order (create + accept + {committee} reports + settlement) costs "
        f"**{lifecycle:.2f} transfers** of block capacity (target <= {MAX_LIFECYCLE:.0f}){mark}.",
        "",
        "Capacity is how many of the call the node put in one block before the block's weight "
        f"ran out (normal class {normal / 1e9:.0f} ms; every extrinsic {base / 1e6:.1f} µs of "
        f"base weight and {extensions / 1e6:.1f} µs of transaction extensions' weight (nonce, "
        "era, fee payment...) on top of its call's); \"transfers per call\" is N_transfer / N. "
        "Time per extrinsic is what executing that full block took, less an empty block, over N "
        "(the fastest of the block's executions, `benchmark extrinsic`'s Min): it checks the weights against the clock.",
        "Settlement is not an extrinsic: its figure is the weight of one more order in "
        "`pallet_disputes::on_initialize` (which settles the order: payment, fee, bond release, "
        "slash scheduling) over what a transfer takes of a block (normal class / N_transfer).",
    ]
    lines += [
        "",
        f"Scaling (item 2): the same blocks beside {LARGE:,} other open orders instead of {SMALL} "
        f"(target: time ratio <= {MAX_SCALING}).",
        "",
        f"| call | per block, {SMALL} | per block, {LARGE:,} | time, {SMALL} | time, {LARGE:,} | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for pallet, extrinsic, label in CALLS:
        n_small, t_small = rows[(pallet, extrinsic)]
        n_large, t_large = measured(work, pallet, extrinsic, LARGE)
        ratio = t_large / t_small
        mark = ""
        if ratio > MAX_SCALING or n_large != n_small:
            missed.append(f"{label}: {ratio:.2f} times as long beside {LARGE:,} orders")
            mark = " **missed**"
        lines.append(
            f"| {label} | {n_small} | {n_large} | {t_small / 1000:.1f} µs | {t_large / 1000:.1f} µs | {ratio:.2f}{mark} |"
        )
    table = "\n".join(lines)
    print(table)

    doc = open(DOC).read()
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        _, tail = rest.split(END, 1)
        open(DOC, "w").write(f"{head}{START}\n{table}\n{END}{tail}")
        print(f"\nwritten to {DOC}")
    if missed:
        print("\ntargets missed:\n  " + "\n  ".join(missed))
        sys.exit(1)
    print("\nevery target met")


if __name__ == "__main__":
    if sys.argv[1] == "spec":
        spec(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
