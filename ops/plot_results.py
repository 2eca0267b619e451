#!/usr/bin/env python3
"""Compare pipeline runs: a Markdown table and an SVG plot of held-out pass@1.

usage: ops/plot_results.py OUT.svg RUN_DIR...

Reads each run's resolved-spec.json (method name), evaluations.jsonl (test-split
evaluations) and metrics.jsonl (per-iteration training metrics). Prints a Markdown table
(pass@1 before and after, greedy, majority vote, sampled tokens, credit statistics) and
writes a two-panel SVG: pass@1 against iterations and against tokens sampled for
training (trajectories, trees and Monte Carlo values). Standard library only.
"""
import json
import sys
from pathlib import Path

COLORS = ["#1b6ca8", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d6a9f", "#2e4057"]


def read_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load(run):
    run = Path(run)
    spec = json.loads((run / "resolved-spec.json").read_text())
    evaluations = read_lines(run / "evaluations.jsonl")
    metrics = read_lines(run / "metrics.jsonl")
    return {"name": spec.get("method", run.name), "run": str(run), "evaluations": evaluations, "metrics": metrics}


def mean(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return sum(values) / len(values) if values else float("nan")


def table(runs):
    rows = [
        "| method | pass@1 before | pass@1 after | change | greedy after | majority after | train reward (first 5 → last 5 it.) | sampled tokens | segments / response | loss-token fraction | wall time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        ev, m = r["evaluations"], r["metrics"]
        if not ev:
            continue
        first, last = ev[0], ev[-1]
        greedy = last.get("greedy")
        rewards = [x.get("reward_mean") for x in m]
        seconds = sum(x.get("seconds") or 0 for x in m)
        rows.append(
            f"| {r['name']} | {100 * first['pass_at_1']:.1f}% | {100 * last['pass_at_1']:.1f}% | "
            f"{100 * (last['pass_at_1'] - first['pass_at_1']):+.1f} | "
            f"{'—' if greedy is None else f'{100 * greedy:.1f}%'} | {100 * last['majority_vote']:.1f}% | "
            f"{mean(rewards[:5]):.3f} → {mean(rewards[-5:]):.3f} | {last['sampled_tokens']:,} | "
            f"{mean([x.get('segments_per_response') for x in m]):.2f} | {mean([x.get('loss_token_fraction') for x in m]):.2f} | "
            f"{seconds / 60:.1f} min |"
        )
    return "\n".join(rows)


def panel(runs, x_key, x_label, left, top, width, height):
    points = [(r, [(e[x_key], e["pass_at_1"]) for e in r["evaluations"]]) for r in runs]
    xs = [x for _, p in points for x, _ in p] or [0, 1]
    ys = [y for _, p in points for _, y in p] or [0, 1]
    x_max = max(xs) or 1
    y_min, y_max = min(ys), max(ys)
    pad = max(0.02, 0.1 * (y_max - y_min))
    y_min, y_max = max(0.0, y_min - pad), min(1.0, y_max + pad)
    if y_max <= y_min:
        y_max = y_min + 0.05

    def sx(x):
        return left + width * x / x_max

    def sy(y):
        return top + height * (1 - (y - y_min) / (y_max - y_min))

    out = [f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#888"/>']
    for i in range(5):
        y = y_min + (y_max - y_min) * i / 4
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + width}" y2="{sy(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" font-size="11" text-anchor="end">{100 * y:.0f}%</text>')
        x = x_max * i / 4
        label = f"{x:,.0f}" if x_key == "iteration" else f"{x / 1e6:.2f}M"
        out.append(f'<text x="{sx(x):.1f}" y="{top + height + 16}" font-size="11" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{left + width / 2}" y="{top + height + 34}" font-size="12" text-anchor="middle">{x_label}</text>')
    out.append(f'<text x="{left - 44}" y="{top + height / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 {left - 44} {top + height / 2})">held-out pass@1</text>')
    for i, (r, p) in enumerate(points):
        color = COLORS[i % len(COLORS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in p)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in p:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>')
    return out


def svg(runs):
    width, height = 980, 380
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">',
           '<rect width="100%" height="100%" fill="white"/>']
    out += panel(runs, "iteration", "iterations", 70, 30, 380, 280)
    out += panel(runs, "sampled_tokens", "tokens sampled for training (trajectories + Monte Carlo values)", 550, 30, 380, 280)
    for i, r in enumerate(runs):
        color = COLORS[i % len(COLORS)]
        out.append(f'<rect x="{70 + 120 * i}" y="{height - 22}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{86 + 120 * i}" y="{height - 12}" font-size="12">{r["name"]}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = [load(run) for run in sys.argv[2:]]
    Path(sys.argv[1]).write_text(svg(runs) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
