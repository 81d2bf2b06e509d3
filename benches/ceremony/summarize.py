#!/usr/bin/env python3
"""Turns run.sh's raw.tsv and meta.tsv into the markdown of results.md (on stdout).

    summarize.py RAW.tsv META.tsv > results.md
"""
import csv
import statistics
import sys
from collections import defaultdict

STEPS = ["setup", "contribute", "beacon", "verify"]
COMMANDS = {
    "setup": ("ceremony init", "groth16 setup"),
    "contribute": ("ceremony contribute", "zkey contribute"),
    "beacon": ("ceremony beacon", "zkey beacon"),
    "verify": ("ceremony verify", "zkey verify"),
}


def main():
    raw_path, meta_path = sys.argv[1], sys.argv[2]
    runs = defaultdict(list)  # (model, step, tool) -> [(wall, cpu, rss_kb)]
    with open(raw_path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            runs[(r["model"], r["step"], r["tool"])].append(
                (float(r["wall_s"]), float(r["user_s"]) + float(r["sys_s"]), int(r["maxrss_kb"]))
            )
    meta = defaultdict(list)
    with open(meta_path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            meta[k].append(v.split("\t"))

    def one(k):
        return meta[k][0][0] if meta[k] else "?"

    out = []
    p = out.append
    p("# verinfer ceremony vs snarkjs 0.7.6: measured results")
    p("")
    p("Written by `benches/ceremony/run.sh` (see README.md for what each step runs). Medians of "
      f"{one('repeat')} runs per tool and step, tools interleaved in the same run on the same files.")
    p("")
    p(f"- date: {one('date')}")
    p(f"- machine: {one('nproc')} cores, {one('cpu')}, {one('mem')} RAM; shared with other builds")
    p(f"- load average (1, 5, 15 min): {one('load_start')} at the start, {one('load_end')} at the end")
    p(f"- snarkjs: {one('snarkjs')}")
    p(f"- verinfer: {one('verinfer')}")
    p("- ptau: INSECURE deterministic test files from `benches/src/bin/test_ptau.rs` (benchmarks only)")
    p("")
    p("## Circuits")
    p("")
    p("| model | constraints | public inputs | wires | domain | ptau power | .r1cs bytes | .ptau bytes | 0000.zkey bytes | final .zkey bytes |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ptau = {m[0]: m[2] for m in meta["ptau"]}
    sizes = {m[0]: m for m in meta["sizes"]}
    for m in meta["model"]:
        name, cons, pub, wires, domain, power, r1cs = m
        s = sizes.get(name)
        pt = f"{int(ptau[name]):,}" if name in ptau else "-"
        z0, zf = (f"{int(s[1]):,}", f"{int(s[4]):,}") if s else ("-", "-")
        p(f"| {name} | {int(cons):,} | {pub} | {int(wires):,} | 2^{domain} | {power} | {int(r1cs):,} | {pt} | {z0} | {zf} |")
    for s in meta["skipped"]:
        p("")
        p(f"Skipped: {s[0]} ({s[1]}).")
    p("")
    p("## Times (medians)")
    p("")
    p("Wall and CPU (user + sys) seconds, peak resident memory (max RSS) in MB; ratio = snarkjs / verinfer "
      "(above 1: verinfer is faster or smaller).")
    p("")
    p("| model | step | verinfer wall | snarkjs wall | wall ratio | verinfer CPU | snarkjs CPU | CPU ratio | verinfer peak MB | snarkjs peak MB | memory ratio |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    models = [m[0] for m in meta["model"]]
    for model in models:
        for step in STEPS:
            v, s = runs.get((model, step, "verinfer")), runs.get((model, step, "snarkjs"))
            if not v or not s:
                continue
            vw, vc, vm = (statistics.median(x[i] for x in v) for i in range(3))
            sw, sc, sm = (statistics.median(x[i] for x in s) for i in range(3))
            p(f"| {model} | {step} | {vw:.2f} | {sw:.2f} | {sw / vw:.1f}x | {vc:.2f} | {sc:.2f} | {sc / vc:.1f}x | "
              f"{vm / 1024:.0f} | {sm / 1024:.0f} | {sm / vm:.1f}x |")
    p("")
    p("Commands: " + "; ".join(f"{k}: `verinfer {a}` vs `snarkjs {b}`" for k, (a, b) in COMMANDS.items()) + ".")
    p("")
    p("## Checks")
    p("")
    p("| model | check | result |")
    p("|---|---|---|")
    for c in meta["check"]:
        p(f"| {c[0]} | {c[1]} | {c[2]} |")
    p("")
    p("## Every run (wall seconds, in order)")
    p("")
    p("| model | step | verinfer | snarkjs |")
    p("|---|---|---|---|")
    for model in models:
        for step in STEPS:
            v, s = runs.get((model, step, "verinfer")), runs.get((model, step, "snarkjs"))
            if not v or not s:
                continue
            p(f"| {model} | {step} | {', '.join(f'{x[0]:.2f}' for x in v)} | {', '.join(f'{x[0]:.2f}' for x in s)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
