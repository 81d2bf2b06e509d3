#!/usr/bin/env python3
"""Turns run.sh's raw.tsv and meta.tsv into the markdown of results.md (on stdout).

    summarize.py RAW.tsv META.tsv > results.md
"""
import csv
import json
import statistics
import sys
from collections import defaultdict

# (row label, EZKL steps summed per run, verinfer step)
ROWS = [
    ("setup", ["setup"], "setup"),
    ("prove", ["prove"], "prove"),
    ("witness + prove", ["witness", "prove"], "prove"),
    ("verify", ["verify"], "verify"),
]


def ratio(a, b):
    """a / b; CPU times come from GNU time in 0.01 s steps, so a zero b is shown as a lower bound."""
    return f"{a / b:.1f}x" if b > 0 else (f">{a / 0.01:.0f}x" if a > 0 else "-")


FLOOR = ("fft", "msm a", "msm b1", "msm b2", "msm h", "msm l")


def timings_section(p, meta, runs, combined, med, models):
    """Where verinfer's proof time goes, its MSM+FFT floor, thread scaling and batch throughput."""
    by = defaultdict(list)  # (model, threads) -> [phases]
    for model, threads, phases in meta["timings"]:
        by[(model, threads)].append(json.loads(phases))
    if by:
        p("## Where verinfer's proof time goes")
        p("")
        p("`verinfer prove --timings` (medians per phase over the runs, every core; total: the wall "
          "time from loading the model to writing the proof, without the process start). The floor is "
          "the proof's own MSMs and FFTs (the Groth16 work for this circuit's sizes, measured in the "
          "same proof); the rest is overhead: the witness, the constraint evaluation, loading and "
          "writing, and whatever of the key's reading (on its own thread) the MSMs do not hide.")
        p("")
        p("| model | " + " | ".join(["load model", "load key", "witness", "constraints", "fft", "key read",
                                       "msm a", "msm b1", "msm b2", "msm h", "msm l", "write"]) +
          " | total | floor (MSM + FFT) | total / floor |")
        p("|---|" + "---:|" * 15)
        for (model, threads), runs_ in sorted(by.items()):
            if threads == "1":
                continue
            phases = sorted({k for r in runs_ for k in r})
            m = {k: statistics.median(r.get(k, 0.0) for r in runs_) for k in phases}
            # the wall time from loading to writing (`key read` overlaps the MSMs); older runs: the sum
            total = statistics.median(r.get("wall", sum(r.values())) for r in runs_)
            floor = statistics.median(sum(r.get(k, 0.0) for k in FLOOR) for r in runs_)
            cells = [f"{m.get(k, 0.0):.3f}" for k in ["load model", "load key", "witness", "constraints", "fft",
                                                      "key read", "msm a", "msm b1", "msm b2", "msm h", "msm l",
                                                      "write"]]
            p(f"| {model} | " + " | ".join(cells) + f" | {total:.3f} | {floor:.3f} | {total / floor:.2f}x |")
        p("")
        p("Threads: wall seconds of `prove` (process included), median of the runs.")
        p("")
        p("| model | 1 thread | every core | speed-up |")
        p("|---|---:|---:|---:|")
        for model in models:
            steps = sorted({s for (m, s, t) in runs if m == model and s.startswith("prove_t")})
            if len(steps) < 2:
                continue
            one_, all_ = combined(model, ["prove_t1"], "verinfer"), combined(model, [steps[-1]], "verinfer")
            if one_ and all_ and steps[-1] != "prove_t1":
                p(f"| {model} | {med(one_, 0):.2f} | {med(all_, 0):.2f} | {med(one_, 0) / med(all_, 0):.2f}x |")
        p("")
    if meta["throughput"]:
        p("## Throughput: `prove --batch`")
        p("")
        p("One process proves every input of a JSON Lines file (the model and key loaded once), `--jobs` "
          "proofs at a time. EZKL's rate is 60 s over its median witness + prove wall time.")
        p("")
        p("| model | jobs | proofs | seconds | proofs a minute | EZKL proofs a minute | ratio |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        for model, jobs, proved, secs, per_min in meta["throughput"]:
            e = combined(model, ["witness", "prove"], "ezkl")
            e_rate = 60.0 / med(e, 0) if e else 0.0
            r = f"{float(per_min) / e_rate:.0f}x" if e_rate else "-"
            p(f"| {model} | {jobs} | {proved} | {float(secs):.2f} | {float(per_min):.1f} | {e_rate:.2f} | {r} |")
        p("")


def main():
    raw_path, meta_path = sys.argv[1], sys.argv[2]
    runs = defaultdict(dict)  # (model, step, tool) -> {rep: (wall, cpu, rss_kb)}
    with open(raw_path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            runs[(r["model"], r["step"], r["tool"])][r["rep"]] = (
                float(r["wall_s"]), float(r["user_s"]) + float(r["sys_s"]), int(r["maxrss_kb"]))
    meta = defaultdict(list)
    with open(meta_path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            meta[k].append(v.split("\t"))

    def one(k):
        return meta[k][0][0] if meta[k] else "?"

    def combined(model, steps, tool):
        """Per run: wall and CPU summed over the steps, peak memory the max of them."""
        per = [runs.get((model, s, tool), {}) for s in steps]
        reps = sorted(set.intersection(*(set(p) for p in per)), key=int) if per else []
        return [(sum(p[r][0] for p in per), sum(p[r][1] for p in per), max(p[r][2] for p in per)) for r in reps]

    def med(xs, i):
        return statistics.median(x[i] for x in xs)

    models = []
    for m in [k[0] for k in runs] + [s[0] for s in meta["sizes"]]:
        if m != "_" and m not in models:
            models.append(m)

    out = []
    p = out.append
    p("# verinfer vs EZKL 23.0.5: measured results")
    p("")
    p("Written by `benches/ezkl/run.sh` (its header says what each step runs). Medians of "
      f"{one('repeat')} runs per tool and step, tools interleaved in the same run on the same ONNX files "
      "(`benches/ezkl/models/`, made by `make_models.py`).")
    p("")
    p(f"- date: {one('date')}")
    p(f"- machine: {one('nproc')} cores, {one('cpu')}, {one('mem')} RAM")
    p(f"- load average (1, 5, 15 min): {one('load_start')} at the start, {one('load_end')} at the end")
    p(f"- EZKL: {one('ezkl')}; local SRS from `ezkl.gen_srs` (nothing downloaded)")
    p(f"- verinfer: {one('verinfer')}")
    noop = list(runs.get(("_", "noop", "ezkl"), {}).values())
    if noop:
        p(f"- every EZKL step below includes Python start-up + `import ezkl`: {med(noop, 0):.2f} s wall, "
          f"{med(noop, 1):.2f} s CPU, {med(noop, 2) / 1024:.0f} MiB (median of {len(noop)})")
    p("- EZKL settings: its defaults (`PyRunArgs()`: input public, output public, params fixed), "
      "`calibrate_settings(target=\"resources\")` on calibration.json; verinfer: its defaults "
      "(input private behind a commitment, output public, activation width chosen by `--precision accurate`)")
    p("")
    p("## Times and memory (medians)")
    p("")
    p("Wall and CPU (user + sys) seconds, peak resident memory (max RSS) in MiB; ratio = EZKL / verinfer "
      "(above 1: verinfer is faster or smaller). verinfer's prove includes its witness; "
      "\"witness + prove\" adds EZKL's separate `gen_witness` process to its prove.")
    p("")
    p("| model | step | EZKL wall | verinfer wall | wall ratio | EZKL CPU | verinfer CPU | CPU ratio | EZKL peak MiB | verinfer peak MiB | memory ratio |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model in models:
        for label, esteps, vstep in ROWS:
            e, v = combined(model, esteps, "ezkl"), combined(model, [vstep], "verinfer")
            if not e or not v:
                continue
            ew, ec, em = (med(e, i) for i in range(3))
            vw, vc, vm = (med(v, i) for i in range(3))
            p(f"| {model} | {label} | {ew:.2f} | {vw:.3f} | {ratio(ew, vw)} | {ec:.2f} | {vc:.2f} | {ratio(ec, vc)} | "
              f"{em / 1024:.0f} | {vm / 1024:.0f} | {ratio(em, vm)} |")
    p("")
    p("One-off preparation (not in the ratios; run once): verinfer `compile` vs EZKL gen_settings + "
      "calibrate_settings + compile_circuit + gen_srs.")
    p("")
    p("| model | EZKL prepare wall | EZKL CPU | EZKL peak MiB | verinfer compile wall | verinfer CPU | verinfer peak MiB |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    cached = {c[0] for c in meta["prepared_cached"]}
    for model in models:
        e, v = combined(model, ["prepare"], "ezkl"), combined(model, ["prepare"], "verinfer")
        es = f"{med(e, 0):.2f} | {med(e, 1):.2f} | {med(e, 2) / 1024:.0f}" if e else "- | - | -"
        if model in cached:
            es += " (an earlier run's, reused)" if e else " (reused, time not recorded)"
        vs = f"{med(v, 0):.3f} | {med(v, 1):.2f} | {med(v, 2) / 1024:.0f}" if v else "- | - | -"
        p(f"| {model} | {es} | {vs} |")
    p("")
    p("## Circuits and sizes (bytes)")
    p("")
    p("Proof: the raw proof (verinfer: Groth16 A, B, C; EZKL: the halo2 KZG transcript) and the proof file "
      "as written (JSON: EZKL's carries the public instances, i.e. the 784 input values and the outputs).")
    p("")
    p("| model | tool | circuit size | proof | proof file | proving key | verifying key | compiled circuit | SRS |")
    p("|---|---|---|---:|---:|---:|---:|---:|---:|")
    settings = {s[0]: json.loads(s[1]) for s in meta["ezkl_settings"]}
    for s in meta["sizes"]:
        model, tool = s[0], s[1]
        if tool == "verinfer":
            size = f"{int(s[2]):,} R1CS constraints"
            srs = "-"
        else:
            st = settings.get(model, {})
            size = f"{int(s[2]):,} rows, 2^{st.get('logrows', '?')}"
            srs = f"{int(s[8]):,}"
        p(f"| {model} | {tool} | {size} | {int(s[3]):,} | {int(s[4]):,} | {int(s[5]):,} | {int(s[6]):,} | {int(s[7]):,} | {srs} |")
    p("")
    p("## EZKL settings after calibration")
    p("")
    p("| model | logrows | input scale | param scale | rebase multiplier | input | output | params |")
    p("|---|---:|---:|---:|---:|---|---|---|")
    for model, st in settings.items():
        p(f"| {model} | {st.get('logrows')} | {st.get('input_scale')} | {st.get('param_scale')} | "
          f"{st.get('scale_rebase_multiplier')} | {st.get('input_visibility')} | {st.get('output_visibility')} | "
          f"{st.get('param_visibility')} |")
    p("")
    p("## Checks")
    p("")
    p("| model | check | result |")
    p("|---|---|---|")
    for c in meta["check"]:
        p(f"| {c[0]} | {c[1]} | {c[2]} |")
    p("")
    timings_section(p, meta, runs, combined, med, models)
    p("## Every run (wall seconds, in order)")
    p("")
    p("| model | step | EZKL | verinfer |")
    p("|---|---|---|---|")
    for model in models:
        for step in ["setup", "witness", "prove", "verify"]:
            e, v = runs.get((model, step, "ezkl"), {}), runs.get((model, step, "verinfer"), {})
            fmt = lambda d: ", ".join(f"{d[r][0]:.2f}" for r in sorted(d, key=int)) or "-"
            p(f"| {model} | {step} | {fmt(e)} | {fmt(v)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
