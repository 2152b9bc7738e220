#!/usr/bin/env python3
"""Tables and a scaling plot from criterion's output, for docs/benchmarks.md.

Reads target/criterion/<group>/<function>/<input>/new/{estimates,benchmark}.json, prints the
Markdown tables of medians and ratios to their baselines, and writes an SVG of the allocation and
split scaling. Standard library only.

    python3 benches/report.py [target/criterion] [docs/benchmarks-scaling.svg]
"""

import json
import math
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
SVG = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks-scaling.svg")


def load():
    """(group, function, input) -> (median ns, elements per iteration or None)."""
    out = {}
    for est in ROOT.glob("*/*/*/new/estimates.json"):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        median = json.loads(est.read_text())["median"]["point_estimate"]
        throughput = bench.get("throughput") or {}
        key = (bench["group_id"], bench["function_id"], bench["value_str"])
        out[key] = (median, throughput.get("Elements"))
    return out


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_rate(ns, elements, unit):
    if not elements:
        return ""
    rate = elements / (ns / 1e9)
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.3g} {suffix} {unit}/s"
    return f"{rate:.3g} {unit}/s"


def table(data, group, rows, unit, baselines):
    """rows: [(function, input)]; baselines: [(label, function)] compared at the same input."""
    head = ["benchmark", "input", "median", "throughput"] + [f"× {b[0]}" for b in baselines]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for function, value in rows:
        key = (group, function, value)
        if key not in data:
            continue
        ns, elements = data[key]
        cells = [f"`{group}/{function}`", value, fmt_time(ns), fmt_rate(ns, elements, unit)]
        for _, base in baselines:
            b = data.get((group, base, value))
            cells.append(f"{ns / b[0]:.1f}" if b and base != function else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scaling(data, group, function, unit):
    """Time per element at each input, and the growth against the previous size."""
    points = sorted(
        ((int(v), ns) for (g, f, v), (ns, _) in data.items() if g == group and f == function),
    )
    lines = [f"| `{group}/{function}` n | median | per {unit} | time ratio / size ratio |",
             "|---:|---:|---:|---:|"]
    prev = None
    for n, ns in points:
        growth = f"{(ns / prev[1]) / (n / prev[0]):.2f}" if prev else ""
        lines.append(f"| {n:,} | {fmt_time(ns)} | {fmt_time(ns / n)} | {growth} |")
        prev = (n, ns)
    return "\n".join(lines), points


def history(data):
    """Time per event (per condition for a decision) at each depth, and its growth."""
    lines = ["| family | per event at 10 | at 1,000 | at 30,000 | × 30,000 / 10 |",
             "|---|---:|---:|---:|---:|"]
    for function in ("invoices", "milestones", "conditions", "stints", "reworks",
                     "decision_with_conditions", "records", "ordered_map"):
        per = []
        for n in ("10", "1000", "30000"):
            ns, elements = data.get(("history", function, n), (None, None))
            per.append(ns / elements if ns and elements else None)
        if not any(per):
            continue
        cells = [fmt_time(p) if p else "" for p in per]
        growth = f"{per[2] / per[0]:.2f}" if per[0] and per[2] else ""
        lines.append(f"| `{function}` | " + " | ".join(cells) + f" | {growth} |")
    return "\n".join(lines)


def svg(series, path):
    """Log-log plot of median time against n, one line per series."""
    w, h, left, right, top, bottom = 720, 420, 70, 170, 30, 50
    xs = [n for _, pts, _ in series for n, _ in pts]
    ys = [ns for _, pts, _ in series for _, ns in pts]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    px = lambda n: left + (math.log10(n) - x0) / (x1 - x0) * (w - left - right)
    py = lambda ns: h - bottom - (math.log10(ns) - y0) / (y1 - y0) * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">Median time against input size '
           f'(log-log; a slope of one decade per decade is linear)</text>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{h - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{h - bottom + 16}" text-anchor="middle">10^{e}</text>')
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{fmt_time(10 ** e)}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">'
               f'n (parts for allocate, members for split)</text>')
    for i, (label, pts, colour) in enumerate(series):
        d = " ".join(f"{'M' if j == 0 else 'L'}{px(n):.1f},{py(ns):.1f}"
                     for j, (n, ns) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, ns in pts:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(ns):.1f}" r="3" fill="{colour}"/>')
        y = top + 20 + 20 * i
        out.append(f'<line x1="{w - right + 12}" y1="{y}" x2="{w - right + 32}" y2="{y}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{w - right + 38}" y="{y + 4}">{label}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main():
    data = load()
    sections = []
    sections.append("### Deciding\n\n" + table(
        data, "deciding", [("engine", "full_deal"), ("floor", "full_deal")], "commands",
        [("floor", "floor")]))
    sections.append("### Replay\n\n" + table(
        data, "replay", [(f, n) for n in ("1", "1000", "100000") for f in ("engine", "floor")],
        "events", [("floor", "floor")]))
    sections.append("### Integrity\n\n" + table(
        data, "integrity", [(f, "1000") for f in ("replay", "seal", "verify")], "events",
        [("replay", "replay")]))
    sections.append("### History\n\n" + history(data))
    sections.append("### Allocation\n\n" + table(
        data, "allocate",
        [(f, n) for n in ("10", "1000", "100000", "1000000") for f in ("ltc", "f64", "rusty-money")],
        "parts", [("f64", "f64"), ("rusty-money", "rusty-money")]))
    alloc_scaling, alloc_pts = scaling(data, "allocate", "ltc", "part")
    sections.append(alloc_scaling)
    sections.append("### Split\n\n" + table(
        data, "split", [("ltc", n) for n in ("10", "1000", "100000", "1000000")], "members", []) + "\n\n"
        + table(data, "payout", [("ltc", "12_tranches_100_members")], "tranches", []))
    split_scaling, split_pts = scaling(data, "split", "ltc", "member")
    sections.append(split_scaling)
    sections.append("### Analytics\n\n" + table(
        data, "analytics",
        [(f, "100000") for f in ("count_only", "funnel_from_logs", "due_from_logs", "snapshot",
                                 "funnel", "due")],
        "events", [("count-only pass", "count_only")]))
    sections.append("### Report\n\n" + table(
        data, "report",
        [(f, n) for n in ("1000", "10000", "30000") for f in ("snapshot", "report", "page")],
        "events", [("replay", "snapshot")]))
    report_scaling, _ = scaling(data, "report", "report", "member")
    sections.append(report_scaling)
    print("\n\n".join(sections))
    series = [("allocate (ltc)", alloc_pts, "#1f77b4")]
    for label, function, colour in (("allocate (rusty-money)", "rusty-money", "#ff7f0e"),
                                    ("allocate (naive f64)", "f64", "#2ca02c")):
        _, pts = scaling(data, "allocate", function, "part")
        series.append((label, pts, colour))
    series.append(("split (ltc)", split_pts, "#d62728"))
    svg([s for s in series if s[1]], SVG)


if __name__ == "__main__":
    main()
