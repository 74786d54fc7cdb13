#!/usr/bin/env python3
"""The charts of scripts/bench/*.sh (matplotlib): a PNG of the coldstart.json or throughput.json the
testkit's coldstart and throughput commands write, which measure and compute every figure.

Usage: bench.py coldstart|throughput RESULT.json CHART.png [--title TEXT]
"""

import argparse
import json


def chart(args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(args.input) as f:
        data = json.load(f)
    if args.kind == "coldstart":
        variants = data["variants"]
        names = [f"{v['variant']}: {v['label']}" for v in variants]
        medians = [v["seconds"]["median"] for v in variants]
        low = [v["seconds"]["median"] - v["seconds"]["min"] for v in variants]
        high = [v["seconds"]["max"] - v["seconds"]["median"] for v in variants]
        fig, ax = plt.subplots(figsize=(10, 0.55 * len(names) + 1.6))
        bars = ax.barh(names, medians, xerr=[low, high], color="#4878a8", capsize=3)
        for bar, value, variant in zip(bars, medians, variants):
            ax.text(variant["seconds"]["max"], bar.get_y() + bar.get_height() / 2,
                    f"  {value:.2f} s, {variant['rss_mib']['median']:.0f} MiB", va="center", fontsize=8)
        ax.set_xlim(0, max(v["seconds"]["max"] for v in variants) * 1.25)
        ax.invert_yaxis()
        ax.set_xlabel("seconds from launch to the first 200 from orderWebhook (median, min-max)")
        ax.set_title(f"Cold start, {data['runs']} alternating runs per variant ({args.title})", fontsize=10)
    else:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
        for series in data["series"]:
            xs = [p["connections"] for p in series["points"]]
            ax.plot(xs, [p["requests_per_s"] for p in series["points"]], marker="o", label=series["label"])
            ax2.plot(xs, [p["p99_ms"] for p in series["points"]], marker="o", label=series["label"])
        ticks = sorted({p["connections"] for s in data["series"] for p in s["points"]})
        for a in (ax, ax2):
            a.set_xscale("log", base=2)
            a.set_yscale("log")
            a.set_xticks(ticks, [str(t) for t in ticks])
            a.minorticks_off()
        ax.set_xlabel("concurrent connections")
        ax2.set_xlabel("concurrent connections")
        ax.set_ylabel("requests/s (log)")
        ax2.set_ylabel("p99 latency, ms (log)")
        ax.set_title(f"Throughput ({args.title})", fontsize=10)
        ax2.set_title("p99 latency", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.png, dpi=110, bbox_inches="tight")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["coldstart", "throughput"])
    parser.add_argument("input")
    parser.add_argument("png")
    parser.add_argument("--title", default="")
    chart(parser.parse_args())


if __name__ == "__main__":
    main()
