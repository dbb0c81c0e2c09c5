#!/usr/bin/env python3
"""The two halves of scripts/bench.sh that are easier in Python.

    bench-report.py spec <dev raw spec> <state.json>   # prints the benchmark chain's raw spec
    bench-report.py rpc <work dir>
    bench-report.py throughput <work dir>
    bench-report.py report <work dir> <node binary> <repeat>
    bench-report.py fastest <benchmark pallet json>   # for scripts/bench-backend.sh

`spec` puts the state runtime/src/bench_state.rs wrote into the development chain's raw spec
(keeping that spec's runtime code) and its plan into the spec's properties.

`rpc` reads the `rpc ...` lines scripts/rpc-bench.sh printed (item 4), prints the table of
requests per second and latencies, each method against `state_getStorage`, and writes it between
the `bench:rpc` markers. It has no target.

`throughput` reads the `throughput ...` lines of zombienet/tests/throughput.rs (item 3) and
writes orders included per second over transfers included per second, the blocks' ends and the
finality lag between the `bench:throughput` markers. It has no target.

`report` reads what the run measured, prints the capacity table, writes it to
docs/performance.md between the `bench:capacity` markers, and exits 1 when a target is missed:
every protocol call fits at least half as many times in a block as a transfer
(N_call / N_transfer >= 0.5), and an order's whole lifecycle on its cheapest path (booked on a
standing offer, the committee's reports in one signed batch, settlement) costs at most 6
transfers. Accept, book and dispute are charged for the
attesters their committee draw goes through: the measured blocks show the benchmark chain's
few, so their ratios and the lifecycle are also checked at `MaxAttesters`, from the declared
weights. It also reads the hooks at their per-block bounds on the node's database, beside 100
and 100,000 other orders and pending slashes (scripts/bench-hooks.sh's lines in hooks.txt), into
the scaling table: every call and every hook at most 1.1 times as long beside 100,000.
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
    ("fulfillment", "book", "book an order on a standing offer (create and accept in one)"),
    ("attestation", "attest", "attest (one member's report)"),
    ("attestation", "attest_signed", "a committee's signed reports in one extrinsic"),
    ("disputes", "dispute", "dispute a proposed outcome"),
]
PROTOCOL = CALLS[2:]
MIN_RATIO = 0.5
MAX_LIFECYCLE = 6.0
# The per-block hooks, each at its bound: (pallet, benchmark, what one unit of it is).
HOOKS = [
    ("pallet_fulfillment", "on_initialize", "orders expiring unaccepted"),
    ("pallet_attestation", "on_initialize", "committees at their deadline without quorum"),
    ("pallet_disputes", "on_initialize", "orders settled, clean path"),
    ("pallet_disputes", "on_initialize_faulted", "orders settled, faulted path"),
    ("pallet_slashing", "on_initialize", "slashes applied"),
]
DOC = "docs/performance.md"
START, END = "<!-- bench:capacity:start -->", "<!-- bench:capacity:end -->"
THROUGHPUT_START, THROUGHPUT_END = "<!-- bench:throughput:start -->", "<!-- bench:throughput:end -->"
RPC_START, RPC_END = "<!-- bench:rpc:start -->", "<!-- bench:rpc:end -->"
RPC_METHODS = [
    ("system_health", "node health (no state)"),
    ("state_getStorage", "one account's storage"),
    ("surety_order", "an order's view (runtime API)"),
    ("surety_quoteBond", "a bond quote (runtime API)"),
]


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


def write_section(start, end, table):
    """Prints `table` and puts it into docs/performance.md between `start` and `end`."""
    print(table)
    doc = open(DOC).read()
    if start in doc and end in doc:
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        open(DOC, "w").write(f"{head}{start}\n{table}\n{end}{tail}")
        print(f"\nwritten to {DOC}")


def rpc(work):
    rows = {}
    connections = seconds_each = "?"
    for line in open(f"{work}/rpc.txt"):
        if line.startswith("rpc-setup "):
            _, connections, seconds_each = line.split()
            continue
        _, method, requests, errors, seconds, p50, p99 = line.split()
        rows[method] = (int(requests) / float(seconds), int(p50), int(p99))
    reference = rows["state_getStorage"]
    lines = [
        f"Measured {datetime.date.today()} on {machine()}, by `scripts/bench.sh` "
        f"(`scripts/rpc-bench.sh`: node on core 0, load tool on core 1, {connections} keep-alive "
        f"connections in a closed loop, {seconds_each} s per method after a 1 s warm-up).",
        "",
        "| method | what it reads | requests / s | p50 | p99 | rate / state_getStorage's | p50 / state_getStorage's |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for method, what in RPC_METHODS:
        rate, p50, p99 = rows[method]
        lines.append(
            f"| `{method}` | {what} | {rate:,.0f} | {p50} µs | {p99} µs | "
            f"{rate / reference[0]:.2f} | {p50 / reference[1]:.2f} |"
        )
    write_section(RPC_START, RPC_END, "\n".join(lines))


def throughput(work):
    rows = {}
    for line in open(f"{work}/throughput.txt"):
        f = line.split()
        rows[f[1]] = dict(
            submitted=int(f[2]), included=int(f[3]), seconds=float(f[4]), rate=float(f[5]),
            blocks=int(f[6]), on_weight=int(f[7]), on_time=int(f[8]), most=int(f[9]),
            max_lag=int(f[10]), mean_lag=float(f[11]), submit_rate=float(f[14]),
        )
    transfers, orders = rows["transfer_keep_alive"], rows["create_order"]
    lines = [
        f"Measured {datetime.date.today()} on {machine()}, by `scripts/bench.sh` "
        "(`zombienet/tests/throughput.rs`: the 4-validator network of `zombienet/local.toml`, all "
        "four nodes on this machine, the node built in the `weights` profile; Alice submits to her "
        "own node over loopback).",
        "",
        "| load | submitted | submitted / s | included | chain time | included / s | blocks | ended on weight | ended on time | most in a block | finality lag, max | finality lag, mean |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in [("transfer_keep_alive", "transfers"), ("create_order", "new orders")]:
        r = rows[name]
        lines.append(
            f"| {label} (`{name}`) | {r['submitted']} | {r['submit_rate']:.0f} | {r['included']} | {r['seconds']:.1f} s | "
            f"{r['rate']:.1f} | {r['blocks']} | {r['on_weight']} | {r['on_time']} | {r['most']} | "
            f"{r['max_lag']} | {r['mean_lag']:.2f} |"
        )
    lines += [
        "",
        f"Orders included per second over transfers included per second: "
        f"**{orders['rate'] / transfers['rate']:.2f}**.",
    ]
    write_section(THROUGHPUT_START, THROUGHPUT_END, "\n".join(lines))


def measured(work, pallet, extrinsic, rounds, background=SMALL):
    """Extrinsics per block and the fastest execution over the rounds: in each round the
    block's fastest execution, the one least disturbed by the rest of the machine (the average
    moves by 10 % between identical runs here), and the fastest round, since a slow spell can
    last through all of one round's executions."""
    per_block, fastest = None, None
    for round_ in range(1, rounds + 1):
        log = open(f"{work}/{background}.{pallet}.{extrinsic}.{round_}.log").read()
        n = int(re.search(r"Extrinsics per block: (\d+)", log).group(1))
        if per_block not in (None, n):
            sys.exit(f"{pallet}.{extrinsic}: {per_block} then {n} per block beside {background}")
        per_block = n
        took = int(re.search(r"Min: (\d+)", log).group(1))
        fastest = took if fastest is None else min(fastest, took)
    return per_block, fastest


def fastest(path):
    """Prints `<pallet> <benchmark> <fastest ns at the top of its range>` for each benchmark in
    a `benchmark pallet --json-file` (the top of its component range, 0 without a component)."""
    component = lambda r: r["components"][0][1] if r["components"] else 0
    for batch in json.load(open(path)):
        results = batch["time_results"]
        top = max(component(r) for r in results)
        time = min(r["extrinsic_time"] for r in results if component(r) == top)
        print(batch["pallet"], batch["benchmark"], time)


def hook_times(work):
    """Each hook at its bound on the node's database, from scripts/bench-hooks.sh's lines:
    the backgrounds measured, and {hook: (items, block, charged ns, {background: ns})}.
    A block's time is its fastest execution in any round; a hook's, its block's less the block
    before it (which carries no load: bench_state.rs checks it), and so is the weight charged
    for it."""
    due, runs = [], {}
    for line in open(f"{work}/hooks.txt"):
        fields = line.split()
        if fields[0] == "hooks-due":
            due.append((fields[1], int(fields[2]), int(fields[3])))
        elif fields[0] == "hooks-node":
            background, _, block, took, _, consumed = map(int, fields[1:])
            key = (background, block)
            runs[key] = (min(took, runs.get(key, (took,))[0]), consumed)
    backgrounds = sorted({background for background, _ in runs})
    hooks = {}
    for hook, block, items in due:
        times = {b: runs[(b, block)][0] - runs[(b, block - 1)][0] for b in backgrounds}
        charged = runs[(SMALL, block)][1] - runs[(SMALL, block - 1)][1]
        hooks[hook] = (items, block, charged, times)
    return backgrounds, hooks


def scaling_head(intro, columns):
    """A scaling table's introduction and header: `columns`, then both times, their ratio, and
    the time beside LARGE over the weight charged."""
    columns = columns + [f"time, {SMALL}", f"time, {LARGE:,}", "ratio", f"time / weight, {LARGE:,}"]
    return ["", intro, "", "| " + " | ".join(columns) + " |", "|---" + "|---:" * (len(columns) - 1) + "|"]


def micros(ns):
    return f"{ns / 1000:.1f} µs"


def scaling_ratio(name, t_small, t_large, missed, capacity_changed=False):
    """The ratio of the times beside LARGE and SMALL, marked (and `name` added to `missed`)
    above the target."""
    ratio = t_large / t_small
    mark = ""
    if ratio > MAX_SCALING or capacity_changed:
        missed.append(f"{name}: {ratio:.2f} times as long beside {LARGE:,}")
        mark = " **missed**"
    return f"{ratio:.2f}{mark}"


def against_weight(name, took, weight, missed):
    """`took` over the `weight` charged for it, marked (and `name` added to `missed`) above 1:
    the weights are generated on the small state, so this checks that they still cover what the
    node's database takes beside LARGE."""
    share = took / weight
    if share <= 1:
        return f"{share:.2f}"
    missed.append(f"{name}: beside {LARGE:,} it takes {share:.2f} times its weight")
    return f"{share:.2f} **over**"


def scaling_row(cells, t_small, t_large, weight, missed, capacity_changed=False):
    """A scaling table's row: `cells`, then the times beside SMALL and LARGE, their ratio, and
    the time beside LARGE over `weight`."""
    name = cells.split(" | ")[0]
    ratio = scaling_ratio(name, t_small, t_large, missed, capacity_changed)
    share = against_weight(name, t_large, weight, missed)
    return f"| {cells} | {micros(t_small)} | {micros(t_large)} | {ratio} | {share} |"


def attest_signed_block(n, figures, per_transfer):
    """A block of signed batches. Each batch proposes, and at most `windows_per_block` dispute
    windows open in a block: the batches past them fail (`QueueFull`, nothing kept) at their
    declared weight. A proposing batch's cost is what the block held less those; it carries a
    whole committee's reports, so the target is checked per report. Returns transfers per
    batch, the ratio per report, the count cell and a note for the ratio cell."""
    windows = figures["windows_per_block"]
    proposing, failed = min(n, windows), max(n - windows, 0)
    failed_each = figures["attest_signed_declared"] + figures["extrinsic_base"] + figures["extensions"]
    cost = (figures["normal_class_max"] - failed * failed_each) / proposing / per_transfer
    count = f"{n} ({proposing} proposing, {failed} past the {windows} windows a block opens)"
    return cost, figures["committee_size"] / cost, count, f" per report ({1 / cost:.2f} a batch)"


# A booking does the work of two of the calls the target names, `create_order` and
# `accept_order`, so its target is checked per call it stands for (as a batch's is per report),
# wherever it is checked.
CALLS_STOOD_FOR = {"book": 2}


def book_block(n, figures, per_transfer):
    """A block of bookings, checked per call it stands for."""
    cost = figures["normal_class_max"] / n / per_transfer
    return cost, CALLS_STOOD_FOR["book"] / cost, str(n), f" per call it stands for ({1 / cost:.2f} a booking)"


# Calls whose block is not n extrinsics of one cost, and how to read theirs.
BLOCK_READERS = {"attest_signed": attest_signed_block, "book": book_block}


def report(work, binary, repeat, rounds):
    figures = {}
    for line in open(f"{work}/weights.txt"):
        _, name, value = line.split()
        figures[name] = int(value)
    rows = {(p, e): measured(work, p, e, rounds) for p, e, _ in CALLS}
    n_transfer, t_transfer = rows[("balances", "transfer_keep_alive")]
    base = figures["extrinsic_base"]
    normal = figures["normal_class_max"]
    # What a transfer takes of a block, everything counted (call, base, its transaction
    # extensions' weight): the block's normal class over the transfers that filled it.
    per_transfer = normal / n_transfer
    extensions = figures["extensions"]

    lines = [
        f"Measured {datetime.date.today()} on {machine()}, by `scripts/bench.sh` "
        f"(node: `{binary}`, profile `weights`; each block executed {repeat} times in each of "
        f"{rounds} rounds).",
        "",
        "| call | extrinsics per block | N / N_transfer (target >= 0.5) | transfers per call | time per extrinsic | time / transfer's |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    missed = []
    cost = {}
    committee = figures["committee_size"]
    for pallet, extrinsic, label in CALLS:
        n, t = rows[(pallet, extrinsic)]
        ratio = n / n_transfer
        cost[extrinsic] = n_transfer / n
        count, note = str(n), ""
        if extrinsic in BLOCK_READERS:
            cost[extrinsic], ratio, count, note = BLOCK_READERS[extrinsic](n, figures, per_transfer)
        mark = ""
        if (pallet, extrinsic, label) in PROTOCOL and ratio < MIN_RATIO:
            missed.append(f"{label}: N / N_transfer = {ratio:.2f} < {MIN_RATIO}")
            mark = " **missed**"
        lines.append(
            f"| {label} (`{pallet}.{extrinsic}`) | {count} | {ratio:.2f}{note}{mark} | "
            f"{cost[extrinsic]:.2f} | {t / 1000:.1f} µs | {t / t_transfer:.2f} |"
        )
    settle = figures["settlement"] / per_transfer
    lines.append(f"| settlement of one order (the dispute-window hook, from its weight) | | | {settle:.2f} | | |")
    # The lifecycle's cheapest path, the one the target is checked on: booked on a carrier's
    # standing offer (`book`, created and bonded in one extrinsic) and the committee's reports
    # as one signed batch (`attest_signed`). Beside it the paths that stay open to every
    # order: created and accepted apart, and each member's report an extrinsic of its own.
    lifecycle = cost["book"] + cost["attest_signed"] + settle
    two_step = cost["create_order"] + cost["accept_order"] + cost["attest_signed"] + settle
    one_by_one = cost["create_order"] + cost["accept_order"] + committee * cost["attest"] + settle
    mark = ""
    if lifecycle > MAX_LIFECYCLE:
        missed.append(f"lifecycle: {lifecycle:.2f} transfers > {MAX_LIFECYCLE}")
        mark = " **missed**"
    # Accept and dispute draw a committee and are charged for the attesters registered: at
    # the bound, the declared weight (the block holds normal / (call + base + extensions)).
    attesters, bound = figures["attesters"], figures["max_attesters"]
    drawing = (("accept_order", "accept"), ("book", "book"), ("dispute", "dispute"))
    at_bound = {e: (figures[e] + base + extensions) / per_transfer for e, _ in drawing}
    bound_cells = []
    for extrinsic, label in drawing:
        stood_for = CALLS_STOOD_FOR.get(extrinsic, 1)
        ratio = stood_for / at_bound[extrinsic]
        per = " per call it stands for" if stood_for > 1 else ""
        cell = f"{label} {ratio:.2f} of a transfer's count{per} ({at_bound[extrinsic]:.2f} transfers)"
        if ratio < MIN_RATIO:
            missed.append(f"{label} at {bound} attesters: N / N_transfer = {ratio:.2f} < {MIN_RATIO}")
            cell += " **missed**"
        bound_cells.append(cell)
    lifecycle_bound = lifecycle - cost["book"] + at_bound["book"]
    mark_bound = ""
    if lifecycle_bound > MAX_LIFECYCLE:
        missed.append(f"lifecycle at {bound} attesters: {lifecycle_bound:.2f} transfers > {MAX_LIFECYCLE}")
        mark_bound = " **missed**"
    lines += [
        "",
        f"A whole order (booked on a standing offer + its committee's {committee} reports in one "
        f"signed batch + settlement) costs **{lifecycle:.2f} transfers** of block capacity (target "
        f"<= {MAX_LIFECYCLE:.0f}){mark}; created and accepted apart, {two_step:.2f}; and with each "
        f"member's report an extrinsic of its own as well, {one_by_one:.2f} transfers.",
        "",
        f"The chain above has {attesters} registered attesters. Accept, book and dispute draw a "
        "committee and are charged for the attesters the draw goes through; with the most "
        f"there can be ({bound}, `MaxAttesters`), they are charged the weight benchmarked for that draw: "
        f"{', '.join(bound_cells)} (from the weights, not measured), "
        f"and a whole booked order {lifecycle_bound:.2f} transfers{mark_bound}.",
        "",
        "Capacity is how many of the call the node put in one block before the block's weight "
        f"ran out (normal class {normal / 1e9:.0f} ms; every extrinsic {base / 1e6:.1f} µs of "
        f"base weight and {extensions / 1e6:.1f} µs of transaction extensions' weight (nonce, "
        "era, fee payment...) on top of its call's); \"transfers per call\" is N_transfer / N. "
        "Time per extrinsic is what executing that full block took, less an empty block, over N "
        "(the fastest of the block's executions, `benchmark extrinsic`'s Min): it checks the weights against the clock.",
        f"A batch (`attestation.attest_signed`) carries a whole committee's {committee} reports, "
        "each signed by its member (an sr25519 check each), in one extrinsic; its target is "
        "checked per report. Every batch of its block reaches quorum and opens a dispute window, "
        "and no more windows open in a block than the window queues searched hold: the batches "
        "past them fail with `QueueFull` (nothing kept) and are charged their declared weight, so "
        "a proposing batch's cost is the normal class less those, over the proposing ones.",
        "Settlement is not an extrinsic: its figure is the weight of one more order in "
        "`pallet_disputes::on_initialize` (which settles the order: payment, fee, bond release, "
        "slash scheduling) over what a transfer takes of a block (normal class / N_transfer).",
    ]
    lines += scaling_head(
        f"Scaling (item 2): the same blocks beside {LARGE:,} other open orders and {LARGE:,} pending "
        f"slashes instead of {SMALL} of each (target: time ratio <= {MAX_SCALING}).",
        ["call", f"per block, {SMALL}", f"per block, {LARGE:,}"],
    )
    for pallet, extrinsic, label in CALLS:
        n_small, t_small = rows[(pallet, extrinsic)]
        n_large, t_large = measured(work, pallet, extrinsic, rounds, LARGE)
        # The block was filled until the next one would not fit: each took about normal / N
        # (weight in picoseconds, times in nanoseconds).
        weight = normal / n_large / 1000
        lines.append(
            scaling_row(
                f"{label} | {n_small} | {n_large}", t_small, t_large, weight, missed, n_large != n_small
            )
        )
    backgrounds, hooks = hook_times(work)
    between = [b for b in backgrounds if b not in (SMALL, LARGE)]
    header = (
        ["hook", "at its bound"]
        + [f"time, {b:,}" for b in backgrounds]
        + ["ratio", "weight charged", f"time / weight, {LARGE:,}"]
    )
    lines += [
        "",
        "The per-block hooks at their bounds on the node's database (`scripts/bench-hooks.sh`): "
        "a chain whose genesis puts each hook's full load in a block of its own, authored by a "
        "node and executed again by its `block-times` without a trie cache, as `benchmark "
        "extrinsic` runs the calls above. A hook's time is its block's less the block before it "
        "(no load), each block's fastest execution. The ratio is "
        f"{LARGE:,} against {SMALL}"
        + (f"; {', '.join(f'{b:,}' for b in between)} shows how the time grows between them" if between else "")
        + ":",
        "",
        "| " + " | ".join(header) + " |",
        "|---|---" + "|---:" * (len(header) - 2) + "|",
    ]
    for pallet, benchmark, unit in HOOKS:
        hook = f"{pallet}::{benchmark}"
        items, block, charged, times = hooks[hook]
        ratio = scaling_ratio(f"`{hook}`", times[SMALL], times[LARGE], missed)
        share = against_weight(f"`{hook}`", times[LARGE], charged, missed)
        cells = [micros(times[b]) for b in backgrounds] + [ratio, micros(charged), share]
        lines.append(f"| `{hook}` | {items} {unit} (block {block}) | " + " | ".join(cells) + " |")
    write_section(START, END, "\n".join(lines))
    if missed:
        print("\ntargets missed:\n  " + "\n  ".join(missed))
        sys.exit(1)
    print("\nevery target met")


if __name__ == "__main__":
    if sys.argv[1] == "spec":
        spec(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "throughput":
        throughput(sys.argv[2])
    elif sys.argv[1] == "rpc":
        rpc(sys.argv[2])
    elif sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "fastest":
        fastest(sys.argv[2])
    else:
        sys.exit(__doc__)
