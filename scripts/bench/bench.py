#!/usr/bin/env python3
"""The figures of scripts/bench/*.sh (standard library only, except `chart`, which needs matplotlib).
What talks HTTP, signs webhooks or launches the app is the testkit's (coldstart, signed-requests, await).

Subcommands:
  medians    reduce the throughput runs (runs.csv: every round) to one row per variant and
             concurrency (points.csv): median requests/s, latencies of the run that had it
  chart      draw the PNG chart of a coldstart or throughput result
  markdown   print the result as a Markdown table (for docs/performance.md)
"""

import argparse
import csv
import json
import statistics
import sys


def cmd_medians(args):
    with open(args.runs, newline="") as f:
        runs = list(csv.DictReader(f))
    rss = {}
    for item in args.rss.split():
        variant, _, figures = item.partition("=")
        rss[variant] = figures.split(":")
    fields = ["variant", "connections", "rounds", "requests", "requests_per_s", "p50_ms", "p90_ms", "p99_ms",
              "max_ms", "non2xx", "socket_errors", "wrapped", "app_cpu_ms_per_request", "load_cpu_pct",
              "upstream_cpu_pct", "rss_idle_mib", "rss_after_mib"]
    with open(args.out, "w", newline="") as out:
        writer = csv.DictWriter(out, fields)
        writer.writeheader()
        for key in dict.fromkeys((r["variant"], r["connections"]) for r in runs):
            group = sorted((r for r in runs if (r["variant"], r["connections"]) == key),
                           key=lambda r: float(r["requests_per_s"]))
            # The lower median for an even count: the run whose latencies are reported is one that happened.
            median_run = group[(len(group) - 1) // 2]
            row = {k: median_run[k] for k in fields if k in median_run}
            row.update(rounds=len(group),
                       requests=sum(int(r["requests"]) for r in group),
                       requests_per_s="%.1f" % statistics.median(float(r["requests_per_s"]) for r in group),
                       non2xx=sum(int(r["non2xx"]) for r in group),
                       socket_errors=sum(int(r["socket_errors"]) for r in group))
            row["rss_idle_mib"], row["rss_after_mib"] = rss.get(key[0], ["", ""])
            writer.writerow(row)


# --- charts --------------------------------------------------------------------------------------

def cmd_chart(args):
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


def cmd_markdown(args):
    """Markdown tables of a result, for docs/performance.md (so figures are pasted, not retyped)."""
    with open(args.input) as f:
        data = json.load(f)
    if args.kind == "coldstart":
        a = next((v["seconds"]["median"] for v in data["variants"] if v["variant"] == "A"), None)
        print("| variant | what | median (s) | min (s) | max (s) | vs A | RSS after 1st response (MiB) |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for v in data["variants"]:
            s = v["seconds"]
            ratio = f"{s['median'] / a:.2f}" if a else ""
            print(f"| {v['variant']} | {v['label']} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {ratio} | {v['rss_mib']['median']:.0f} |")
    else:
        print("| variant | connections | requests/s | p50 (ms) | p99 (ms) | non-2xx | RSS idle (MiB) | RSS after load (MiB) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for series in data["series"]:
            for p in series["points"]:
                idle = f"{p['rss_idle_mib']:.0f}" if p["rss_idle_mib"] != "" else "-"
                after = f"{p['rss_after_mib']:.0f}" if p["rss_after_mib"] != "" else "-"
                print(f"| {series['label']} | {p['connections']} | {p['requests_per_s']:.0f} | {p['p50_ms']:.1f} | "
                      f"{p['p99_ms']:.1f} | {int(p['non2xx'])} | {idle} | {after} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("medians")
    p.add_argument("--runs", required=True)
    p.add_argument("--rss", default="", help="VARIANT=IDLE_MIB:AFTER_MIB ...")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_medians)
    p = sub.add_parser("chart")
    p.add_argument("kind", choices=["coldstart", "throughput"])
    p.add_argument("input")
    p.add_argument("png")
    p.add_argument("--title", default="")
    p.set_defaults(func=cmd_chart)
    p = sub.add_parser("markdown")
    p.add_argument("kind", choices=["coldstart", "throughput"])
    p.add_argument("input")
    p.set_defaults(func=cmd_markdown)
    args = parser.parse_args()
    try:
        args.func(args)
    except RuntimeError as ex:
        print(f"error: {ex}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
