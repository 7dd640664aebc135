#!/usr/bin/env python3
"""Summarize bench/results/*-<host>.json against the project's performance
targets and write bench/results/summary-<host>.md (also printed).

Targets: elementwise ops and reductions >= 1.5x NumPy and >= 85% of the
measured copy bandwidth; softmax reported against the same; fp32 matmul
>= 0.95x NumPy; a one-element op (0-d add + eval) < 2 us.

Any other results file whose rows carry "ax_vs_best_peer" (best peer time /
ax time) is listed in a second table; its target is >= 1/1.2 (ahead of the
best peer, or within 1.2x with the reason in the row's "note") unless the row
gives its own numeric "target". Compile rows are held to compiled >= 2x
uncompiled at >= 85% of the copy bandwidth, grad rows to grad <= target x
the forward pass.

Usage: summarize.py [host]   (default: AX_BENCH_HOST or the hostname)
"""
import json
import os
import pathlib
import socket
import sys

RES = pathlib.Path(os.environ.get("AX_BENCH_RESULTS") or pathlib.Path(__file__).parent / "results")


def mark(ok):
    return "yes" if ok else "**no**"


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AX_BENCH_HOST") or socket.gethostname()
    # every result file of the host (a host may have only some programs' results)
    all_docs = {p.name[: -len(f"-{host}.json")]: json.loads(p.read_text())
                for p in sorted(RES.glob(f"*-{host}.json"))}
    docs = {n: all_docs.get(n) for n in ("floor", "elementwise", "reduce", "softmax", "matmul", "overhead")}
    any_doc = next(iter(all_docs.values()), None)
    if not any_doc:
        print(f"no results for host {host} in {RES}")
        return 1
    out = [f"# Benchmark summary: {host}", ""]
    out.append(f"- machine: {any_doc['cpu']} ({any_doc.get('cpu_features', '')}), "
               f"{any_doc['cores']} cores, {any_doc['memory_gib']} GiB, {any_doc['os']}")
    commits = {n: d["commit"] for n, d in all_docs.items()}
    if len(set(commits.values())) == 1:
        at = f"at commit {any_doc['commit']}"
    else:
        at = "at commits " + ", ".join(f"{c} ({n})" for n, c in commits.items())
    out.append(f"- ax {any_doc['ax_version']} {at}, "
               f"{any_doc['ax_threads']} threads; NumPy {any_doc['numpy_version']} (same run)")
    dates = sorted(d["date"] for d in all_docs.values())
    out.append(f"- measured {dates[0]} .. {dates[-1]}; 1-min load average at start of each "
               f"program: {', '.join(str(d['loadavg_1min_at_start']) for d in all_docs.values())}")
    fl = docs["floor"]
    if fl:
        for row in fl["rows"]:
            out.append(f"- floor, {row['threads']} thread(s): copy {row['copy_gbs']:.1f} GB/s, "
                       f"read {row['read_gbs']:.1f} GB/s, fp32 FMA {row['fma_gflops']:.0f} GFLOP/s")
    out.append("")
    if any(docs[n] for n in ("elementwise", "reduce", "softmax", "matmul", "overhead")):
        out.append("| workload | size | ax | NumPy | ax/NumPy | ax/copy bw | target met |")
        out.append("|---|---|---|---|---|---|---|")
    n_ok = n_all = 0
    for name in ("elementwise", "reduce", "softmax"):
        d = docs[name]
        if not d:
            continue
        for r in d["rows"]:
            ratio, bw = r["ax_vs_numpy"], r["ax_vs_copy_bandwidth"]
            ok = ratio >= 1.5 and bw >= 0.85
            n_ok += ok
            n_all += 1
            size = r.get("shape") if name == "softmax" else f"{r['n']:,}" + (
                "" if r.get("shape") in (None, "(n,)") else f" as {r['shape']}")
            extra = f" (out=: {r['ax_vs_numpy_out']:.2f}x)" if "ax_vs_numpy_out" in r else ""
            out.append(f"| {r['op']} | {size} | {r['ax_gbs']:.1f} GB/s | {r['numpy_gbs']:.1f} GB/s | "
                       f"{ratio:.2f}x{extra} | {100 * bw:.0f}% | {mark(ok)} |")
    d = docs["matmul"]
    if d:
        for r in d["rows"]:
            ok = r["ax_vs_numpy"] >= 0.95
            n_ok += ok
            n_all += 1
            out.append(f"| matmul | {r['n']} | {r['ax_gflops']:.0f} GFLOP/s | {r['numpy_gflops']:.0f} GFLOP/s | "
                       f"{r['ax_vs_numpy']:.2f}x | {100 * r['ax_vs_fma_peak']:.0f}% of FMA peak | {mark(ok)} |")
    d = docs["overhead"]
    if d:
        r = d["rows"][0]
        ok = r["ax_us"] < 2.0
        n_ok += ok
        n_all += 1
        out.append(f"| 0-d add + eval | 1 | {r['ax_us']:.2f} us/op | {r['numpy_us']:.2f} us/op | "
                   f"{r['ax_vs_numpy']:.2f}x | - | {mark(ok)} |")
    extra = []
    for name, d in all_docs.items():
        if name in docs:
            continue
        for r in d.get("rows", []):
            if "ax_vs_best_peer" not in r:
                continue
            if "vs_uncompiled" in r:  # compile: its own two-part target
                ok = r["vs_uncompiled"] >= 2 and r.get("bw_fraction", 0) >= 0.85
                target = (f">= 2x uncompiled ({r['vs_uncompiled']:.1f}x), >= 85% of copy bw "
                          f"({100 * r.get('bw_fraction', 0):.0f}%)")
                if "floor_fraction" in r:  # the larger of the copy and the in-cache arithmetic
                    target += f"; {100 * r['floor_fraction']:.0f}% of the {r['bound']} floor"

            elif "ratio" in r and "forward_ms" in r:  # grad: cost relative to the forward pass
                ok = r["ratio"] <= r["target"]
                target = f"grad <= {r['target']}x forward ({r['ratio']:.2f}x)"
            else:
                t = r.get("target")
                t = t if isinstance(t, (int, float)) else 1 / 1.2
                ok = r["ax_vs_best_peer"] >= t
                target = f"{t:.2f}x"
            n_ok += ok
            n_all += 1
            extra.append(f"| {name}: {r['op']} | {r.get('size', '')} | {r['ax_ms']:.3f} ms | "
                         f"{r.get('best_peer', '')} {r['best_peer_ms']:.3f} ms | "
                         f"{r['ax_vs_best_peer']:.2f}x | {target} | {mark(ok)} | {r.get('note', '')} |")
    if extra:
        out.append("")
        out.append("| workload | size | ax | best peer | peer time / ax time | target | met | note |")
        out.append("|---|---|---|---|---|---|---|---|")
        out.extend(extra)
    out.append("")
    out.append(f"{n_ok} of {n_all} rows meet their target (elementwise/reductions/softmax: >= 1.5x "
               "NumPy and >= 85% of copy bandwidth; matmul: >= 0.95x NumPy; one-element op: < 2 us).")
    text = "\n".join(out) + "\n"
    (RES / f"summary-{host}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
