#!/opt/tessera/venv/bin/python
"""Summarises bench/run_gpu.sh's OUT_DIR into OUT_DIR/bench_gpu.md (and prints it).

  python bench/gpu_summary.py OUT_DIR

Reads environment.txt, pieces.tsv and the JSON files the pieces wrote; a missing file becomes
"n/a" in its row (the piece's exit status is listed below the table). Exit status 0 unless
OUT_DIR cannot be read.
"""
import json
import os
import sys

KERNEL_CASES = [("preprocess_images_f32_nchw", "500x375 u8 -> 224 f32 NCHW"), ("preprocess_images_bf16_nchw", "500x375 u8 -> 224 bf16 NCHW"),
                ("preprocess_images_f32_nhwc", "500x375 u8 -> 224 f32 NHWC"), ("preprocess_medical_f32", "512x512 i16 CT -> 224 f32")]


def load(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def num(v, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f}"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, what, peer, ours, ratio, target, met, digits=1):
        ratio_text = "n/a" if ratio is None else (f"{ratio:.1f}%" if str(target).endswith("%") else f"{ratio:.2f}")
        verdict = "n/a" if met is None else ("yes" if met else "NO")
        self.rows.append((what, num(peer, digits), num(ours, digits), ratio_text, str(target), verdict))

    def markdown(self):
        head = ("benchmark", "peer", "ours", "ours/peer", "target", "met")
        widths = [max(len(r[i]) for r in self.rows + [head]) for i in range(len(head))]
        line = lambda r: "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                         enumerate(zip(r, widths))) + " |"
        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(head), sep] + [line(r) for r in self.rows])


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gpu_summary.py OUT_DIR")
    out = sys.argv[1]
    env = open(os.path.join(out, "environment.txt")).read() if os.path.exists(os.path.join(out, "environment.txt")) else ""
    pieces = []
    if os.path.exists(os.path.join(out, "pieces.tsv")):
        pieces = [line.rstrip("\n").split("\t") for line in open(os.path.join(out, "pieces.tsv")) if line.strip()]

    t = Table()
    ours_k, peer_k = load(out, "preprocess_tessera.json"), load(out, "preprocess_torchvision.json")
    copy = get(ours_k, "copy", "gb_per_s")
    for case, what in KERNEL_CASES:
        o, p = get(ours_k, "cases", case, "images_per_s"), get(peer_k, "cases", case, "images_per_s")
        r = ratio(o, p)
        t.add(f"(d) kernel img/s vs torchvision, {what}", p, o, r, ">= 3.0", None if r is None else r >= 3.0, 0)
    for case, what in KERNEL_CASES:
        gbps, pct = get(ours_k, "cases", case, "gb_per_s"), get(ours_k, "cases", case, "percent_of_copy")
        t.add(f"(d) kernel GB/s vs device copy, {what}", copy, gbps, pct, ">= 70%", None if pct is None else pct >= 70, 0)

    train = {k: load(out, f"train_{k}.json") for k in ("pytorch_eager", "tessera_eager", "pytorch_graphs",
                                                       "tessera_graphs")}
    ips = {k: get(v, "images_per_s") for k, v in train.items()}
    model = get(train["tessera_eager"], "model") or get(train["pytorch_eager"], "model") or "resnet50"
    r = ratio(ips["tessera_eager"], ips["pytorch_eager"])
    t.add(f"(e) train {model} img/s, C++ eager vs PyTorch eager", ips["pytorch_eager"], ips["tessera_eager"], r,
          ">= 1.0", None if r is None else r >= 1.0)
    r = ratio(ips["tessera_graphs"], ips["pytorch_eager"])
    t.add(f"(e) train {model} img/s, C++ CUDA graph vs PyTorch eager", ips["pytorch_eager"], ips["tessera_graphs"],
          r, ">= 1.1", None if r is None else r >= 1.1)
    t.add(f"(e) train {model} img/s, C++ CUDA graph vs PyTorch CUDA graph", ips["pytorch_graphs"],
          ips["tessera_graphs"], ratio(ips["tessera_graphs"], ips["pytorch_graphs"]), "(info)", None)
    t.add(f"(e) train {model} img/s, PyTorch CUDA graph vs PyTorch eager", ips["pytorch_eager"],
          ips["pytorch_graphs"], ratio(ips["pytorch_graphs"], ips["pytorch_eager"]), "(info)", None)

    e2e = load(out, "e2e.json")
    o, p = get(e2e, "tessera", "images_per_s"), get(e2e, "torchvision", "images_per_s")
    r = ratio(o, p)
    t.add("(f) end to end JPEG -> resnet50 train img/s vs torchvision", p, o, r, ">= 1.5",
          None if r is None else r >= 1.5)

    notes = []
    check = get(peer_k, "check")
    if check:
        notes.append("(d) value check on the dumped samples (max abs difference; ours from " +
                     f"{next(iter(check.values())).get('ours_from', '?')}):")
        for case, c in check.items():
            notes.append(f"    {case}: vs torchvision {c['max_abs_diff_vs_peer']:.2e} (tolerance "
                         f"{c['peer_tolerance']:.1e}), vs float64 reference {c['max_abs_diff_vs_float_reference']:.2e} "
                         f"(tolerance {c['reference_tolerance']:.1e}), layout {'ok' if c['layout_ok'] else 'WRONG'}: "
                         f"{'ok' if c['ok'] else 'MISMATCH'}")
    elif peer_k is not None:
        notes.append("(d) value check: not run (bench_preprocess wrote no dump)")
    if ours_k and peer_k and get(peer_k, "copy", "gb_per_s"):
        notes.append(f"(d) device copy bandwidth: {num(copy, 0)} GB/s from bench_preprocess, "
                     f"{num(get(peer_k, 'copy', 'gb_per_s'), 0)} GB/s from the Python side (cross-check)")
    if ours_k:
        notes.append(f"(d) batch {ours_k.get('batch')}, {ours_k.get('iters')} calls x {ours_k.get('rounds')} rounds "
                     f"(median round), CUDA events; peer: batched v2 transforms on one 4-D tensor")
    first = next((v for v in train.values() if v), None)
    if first:
        notes.append(f"(e) {first.get('model')} {first.get('size')}px, batch {first.get('batch')}, "
                     f"{first.get('steps')} timed steps after {first.get('warmup')}, {first.get('precision')}, "
                     f"channels_last {first.get('channels_last')}; optimizers: " +
                     "; ".join(f"{k} {v.get('optimizer')}" for k, v in train.items() if v))
    if e2e:
        notes.append(f"(f) {e2e.get('images')} JPEGs of {e2e.get('image_size')}, batch {e2e.get('batch')}, "
                     f"{e2e.get('workers')} workers, {e2e.get('epochs')} epochs (mean of epochs after the first); "
                     f"peer transforms: {get(e2e, 'torchvision', 'variant')}")
        for err in e2e.get("errors", []):
            notes.append(f"(f) error: {err}")
    failed = [p for p in pieces if len(p) >= 2 and p[1] != "0"]

    text = ["# GPU benchmarks (bench/run_gpu.sh)", "", "```", env.strip(), "```", "", t.markdown(), ""]
    text += [f"  - {n.strip()}" if n.startswith("    ") else f"- {n}" for n in notes]
    text += ["", "Pieces (exit status, seconds): " + ", ".join(f"{p[0]} {p[1]} ({p[2]} s)" for p in pieces if len(p) >= 3)]
    if failed:
        text += ["", "**Failed pieces:** " + ", ".join(f"{p[0]} (exit {p[1]}; see {p[0]}.log)" for p in failed)]
    text += ["", "Targets are reported, never enforced: a missed target is a finding, not a failure.", ""]
    with open(os.path.join(out, "bench_gpu.md"), "w") as f:
        f.write("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
