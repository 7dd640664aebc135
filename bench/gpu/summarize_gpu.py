#!/usr/bin/env python3
"""Ratio table of the GPU benchmark: ax (bench_gpu) against PyTorch
(peer_torch.py), rows matched by name.

    summarize_gpu.py AX_JSONL TORCH_JSONL [--out-dir DIR]

Writes DIR/gpu-<card>.json and DIR/gpu-<card>.md (DIR: bench/results) and
prints the table. <card> comes from the device name ("NVIDIA H100 80GB HBM3"
-> "h100-80gb-hbm3").

Ratio = ax speed / PyTorch speed (GB/s or TFLOP/s over each other; for the
latency row PyTorch's microseconds over ax's), so above 1 means ax is faster.
Targets (issue 5): add, sum, softmax and the compiled chain >= 90% of the
measured copy bandwidth (the better of ax's and PyTorch's copy row) and
>= PyTorch; GEMM >= 0.97x PyTorch; the eager chain >= PyTorch eager; the
one-element add under 10 us and >= PyTorch (its note gives ax's time over the
latency_floor row: a bare CUDA launch + synchronize on the same host). The
copy row is the floor itself and has no target.
"""
import datetime
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
ORDER = ["copy", "add", "sum", "softmax", "gemm_bf16", "gemm_tf32", "gemm_fp8", "gemm_fp8_rowwise", "chain", "chain_compiled", "latency",
         "latency_floor"]
BW_ROWS = {"add", "sum", "softmax", "chain_compiled"}


def load(path):
    meta, rows = {}, {}
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        if d.get("meta"):
            meta = d
        elif "row" in d:
            rows[d["row"]] = d
    return meta, rows


def card_slug(name):
    s = re.sub(r"^nvidia\s+", "", name.strip().lower())
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "unknown"


def fmt(v, metric):
    if v is None:
        return "-"
    return f"{v:.2f} us" if metric == "us" else f"{v:.1f} {metric}" if metric == "GB/s" else f"{v:.1f} {metric}"


def main():
    argv = sys.argv[1:]
    out_dir = ROOT / "bench" / "results"
    if "--out-dir" in argv:
        i = argv.index("--out-dir")
        out_dir = pathlib.Path(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ax_meta, ax = load(argv[0])
    th_meta, th = load(argv[1])
    if ax_meta.get("skipped"):
        print(f"ax rows skipped: {ax_meta['skipped']}")
        return 0
    device = ax_meta.get("device") or th_meta.get("device") or "unknown"
    copies = [d["value"] for d in (ax.get("copy"), th.get("copy")) if d and "value" in d]
    floor = max(copies) if copies else None
    # a tree exported without .git (git archive) names its commit in COMMIT
    commit_file = ROOT / "COMMIT"
    try:
        commit = commit_file.read_text().strip() if commit_file.exists() else subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    rows = []
    n_ok = n_all = 0
    for name in ORDER + sorted(set(ax) - set(ORDER)):
        a, t = ax.get(name), th.get(name)
        if not a and not t:
            continue
        metric = (a or t).get("metric", "")
        av = a.get("value") if a else None
        tv = t.get("value") if t else None
        ratio = None
        if av and tv:
            ratio = tv / av if metric == "us" else av / tv
        bw = av / floor if (name in BW_ROWS or name in ("chain", "copy")) and av and floor else None
        if name in ("copy", "latency_floor"):
            target, ok = "floor", None
        elif name in BW_ROWS:
            target = ">= 90% copy bw, >= 1.0x torch"
            ok = ratio is not None and bw is not None and ratio >= 1.0 and bw >= 0.90
        elif name.startswith("gemm"):
            target = ">= 0.97x torch"
            ok = ratio is not None and ratio >= 0.97
        elif name == "latency":
            target = "< 10 us, >= 1.0x torch"
            ok = ratio is not None and av is not None and av < 10 and ratio >= 1.0
        else:
            target = ">= 1.0x torch"
            ok = ratio is not None and ratio >= 1.0
        checks = [c for c in ((a or {}).get("check"), (t or {}).get("check")) if c and c != "ok"]
        extra = []
        lf = ax.get("latency_floor")
        if name == "latency" and av and lf and lf.get("value"):
            extra.append(f"{av / lf['value']:.2f}x the CUDA launch + sync floor ({lf['value']:.2f} us)")
        errors = [e for e in ((a or {}).get("error"), (t or {}).get("error")) if e]
        if ok is not None:
            ok = ok and not checks and not errors
            n_ok += ok
            n_all += 1
        rows.append({"row": name, "desc": (a or t).get("desc", ""), "size": (a or t).get("size", ""),
                     "metric": metric, "ax": av, "torch": tv, "ax_seconds": (a or {}).get("seconds"),
                     "torch_seconds": (t or {}).get("seconds"), "ratio": ratio, "copy_bw_fraction": bw,
                     "target": target, "met": ok, "notes": "; ".join(checks + errors + extra)})
    doc = {"device": device, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "commit": commit, "ax_version": ax_meta.get("ax_version"), "torch_version": th_meta.get("torch_version"),
           "torch_cuda": th_meta.get("cuda"), "copy_floor_gbs": floor, "quick": bool(ax_meta.get("quick")),
           "timing": "host clock around a batch of ops (8; 2 for the eager chain and GEMMs; 1 for latency) + synchronize, median per op after warm-up (both sides)", "rows": rows}
    md = [f"# GPU benchmark: {device}", "",
          f"- ax {doc['ax_version']} at commit {commit}; PyTorch {doc['torch_version']} (CUDA {doc['torch_cuda']}), "
          f"same GPU, same run; {doc['date']}" + (" (--quick sizes)" if doc["quick"] else ""),
          f"- copy floor (better of ax and PyTorch device copy): " + (f"{floor:.0f} GB/s" if floor else "-"),
          "- timing: host clock around a batch of ops (8; 2 for the eager chain and the GEMMs; 1 for the latency rows) and a device synchronize, median per op after warm-up (both sides)", "",
          "| row | size | ax | PyTorch | ax/PyTorch | ax/copy bw | target | met | notes |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        md.append(f"| {r['desc']} | {r['size']} | {fmt(r['ax'], r['metric'])} | {fmt(r['torch'], r['metric'])} | "
                  + (f"{r['ratio']:.2f}x" if r["ratio"] else "-") + " | "
                  + (f"{100 * r['copy_bw_fraction']:.0f}%" if r["copy_bw_fraction"] else "-")
                  + f" | {r['target']} | {met} | {r['notes']} |")
    md += ["", f"{n_ok} of {n_all} rows meet their target."]
    text = "\n".join(md) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = card_slug(device)
    (out_dir / f"gpu-{slug}.json").write_text(json.dumps(doc, indent=1) + "\n")
    (out_dir / f"gpu-{slug}.md").write_text(text)
    print(text)
    print(f"wrote {out_dir / f'gpu-{slug}.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
