#!/usr/bin/env python3
"""Helpers for scripts/bench/*.sh (standard library only, except `chart`, which needs matplotlib).

Subcommands:
  coldstart  launch each variant in turn (alternating, N rounds), time launch -> first 200 from a
             signed webhook, read the RSS after that response, stop it; write CSV + JSON, print a table
  requests   pre-sign N webhooks (unique ids and order numbers) into a file for wrk's Lua script
  wait       send signed webhooks until one gets a 200
  rss        print the resident set size (KiB) of a process and its descendants
  medians    reduce the throughput runs (runs.csv: every round) to one row per variant and
             concurrency (points.csv): median requests/s, latencies of the run that had it
  chart      draw the PNG chart of a coldstart or throughput result
  markdown   print the result as a Markdown table (for docs/performance.md)
"""

import argparse
import base64
import csv
import hashlib
import hmac
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid


# --- Standard Webhooks signing -------------------------------------------------------------------

def signature(secret, webhook_id, timestamp, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def load_template(sample):
    with open(sample, encoding="utf-8") as f:
        return json.load(f)


def webhook_body(template, order_number):
    event = json.loads(json.dumps(template))
    event["data"]["orderNumber"] = order_number
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_request(secret, template, seq, prefix):
    webhook_id = f"msg_{prefix}_{seq}_{uuid.uuid4().hex[:8]}"
    timestamp = str(int(time.time()))
    body = webhook_body(template, f"SO-{prefix}-{seq}")
    return webhook_id, timestamp, signature(secret, webhook_id, timestamp, body), body


# --- process helpers -----------------------------------------------------------------------------

def descendants(pid):
    found = [pid]
    for p in found:
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    found.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return found


def rss_kib(pid):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def stop(proc, grace=30):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- cold start ----------------------------------------------------------------------------------

def post(url, secret, template, seq, timeout):
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    webhook_id, timestamp, sig, body = signed_request(secret, template, seq, "cold")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", "/" + path, body=body, headers={
            "Content-Type": "application/json", "webhook-id": webhook_id,
            "webhook-timestamp": timestamp, "webhook-signature": sig})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def one_start(variant, url, secret, template, log_path, timeout, poll):
    with open(log_path, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(["bash", "-c", "exec " + variant["command"]], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        seq = 0
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{variant['name']} exited with {proc.returncode} before its first 200 (log: {log_path})")
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"{variant['name']} gave no 200 within {timeout} s (log: {log_path})")
                seq += 1
                try:
                    status, body = post(url, secret, template, seq, timeout=30)
                except (ConnectionError, http.client.HTTPException, OSError):
                    time.sleep(poll)
                    continue
                if status == 200:
                    elapsed = time.monotonic() - started
                    return elapsed, rss_kib(proc.pid), body.decode("utf-8", "replace")
                if status in (404, 503):
                    # Tomcat can accept before the dispatcher is ready; keep asking.
                    time.sleep(poll)
                    continue
                raise RuntimeError(f"{variant['name']} answered {status}: {body[:300]!r} (log: {log_path})")
        finally:
            stop(proc)


def parse_variant(spec):
    name, label, command = spec.split("|", 2)
    return {"name": name, "label": label, "command": command}


def summarise(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def cmd_coldstart(args):
    variants = [parse_variant(v) for v in args.variant]
    template = load_template(args.sample)
    secret = os.environ["BENCH_WEBHOOK_SECRET"]
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(os.path.join(args.out, "logs"), exist_ok=True)
    rows = []
    for round_no in range(1, args.runs + 1):
        # Rotate the order every round so no variant always runs first (or right after another).
        shift = (round_no - 1) % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            log_path = os.path.join(args.out, "logs", f"{variant['name']}-{round_no}.log")
            seconds, rss, body = one_start(variant, args.url, secret, template, log_path, args.timeout, args.poll)
            rows.append({"variant": variant["name"], "run": round_no, "seconds": round(seconds, 3), "rss_mib": round(rss / 1024, 1)})
            print(f"  round {round_no} {variant['name']:<14} {seconds:7.3f} s  rss {rss / 1024:6.1f} MiB  {body[:80]}", flush=True)
            time.sleep(args.pause)
    with open(os.path.join(args.out, "coldstart-runs.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["variant", "run", "seconds", "rss_mib"])
        writer.writeheader()
        writer.writerows(rows)
    summary = []
    for v in variants:
        seconds = [r["seconds"] for r in rows if r["variant"] == v["name"]]
        rss = [r["rss_mib"] for r in rows if r["variant"] == v["name"]]
        summary.append({"variant": v["name"], "label": v["label"], "command": v["command"],
                        "seconds": summarise(seconds), "rss_mib": summarise(rss)})
    with open(os.path.join(args.out, "coldstart.json"), "w") as f:
        json.dump({"runs": args.runs, "variants": summary}, f, indent=2)
    with open(os.path.join(args.out, "coldstart.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["variant", "label", "median_s", "min_s", "max_s", "runs", "rss_median_mib"])
        for s in summary:
            writer.writerow([s["variant"], s["label"], s["seconds"]["median"], s["seconds"]["min"],
                             s["seconds"]["max"], s["seconds"]["n"], s["rss_mib"]["median"]])
    print()
    print(f"{'variant':<14} {'median s':>9} {'min s':>7} {'max s':>7} {'RSS MiB':>8}  what")
    for s in summary:
        print(f"{s['variant']:<14} {s['seconds']['median']:9.3f} {s['seconds']['min']:7.3f} "
              f"{s['seconds']['max']:7.3f} {s['rss_mib']['median']:8.1f}  {s['label']}")


# --- wrk request file ----------------------------------------------------------------------------

def cmd_requests(args):
    template = load_template(args.sample)
    secret = os.environ["BENCH_WEBHOOK_SECRET"]
    prefix = args.prefix or uuid.uuid4().hex[:6]
    # One request per line, tab separated: id, timestamp, signature, body (JSON on one line).
    with open(args.out, "w", encoding="utf-8") as f:
        for seq in range(args.count):
            webhook_id, timestamp, sig, body = signed_request(secret, template, seq, prefix)
            f.write(f"{webhook_id}\t{timestamp}\t{sig}\t{body.decode('utf-8')}\n")


def cmd_wait(args):
    template = load_template(args.sample)
    secret = os.environ["BENCH_WEBHOOK_SECRET"]
    deadline, seq = time.monotonic() + args.timeout, 0
    while time.monotonic() < deadline:
        seq += 1
        try:
            status, body = post(args.url, secret, template, seq, timeout=30)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return
        if status not in (404, 503):
            raise RuntimeError(f"{args.url} answered {status}: {body[:300]!r}")
        time.sleep(0.1)
    raise RuntimeError(f"no 200 from {args.url} within {args.timeout} s")


def cmd_rss(args):
    print(rss_kib(args.pid))


def cmd_medians(args):
    with open(args.runs, newline="") as f:
        runs = list(csv.DictReader(f))
    rss = {}
    for item in args.rss.split():
        variant, _, figures = item.partition("=")
        rss[variant] = figures.split(":")
    fields = ["variant", "connections", "rounds", "requests", "requests_per_s", "p50_ms", "p90_ms", "p99_ms",
              "max_ms", "non2xx", "socket_errors", "wrapped", "rss_idle_mib", "rss_after_mib"]
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
    p = sub.add_parser("coldstart")
    p.add_argument("--url", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--timeout", type=float, default=180)
    p.add_argument("--poll", type=float, default=0.01)
    p.add_argument("--pause", type=float, default=1.0)
    p.add_argument("--variant", action="append", required=True, help="NAME|LABEL|COMMAND")
    p.set_defaults(func=cmd_coldstart)
    p = sub.add_parser("requests")
    p.add_argument("--sample", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--prefix")
    p.set_defaults(func=cmd_requests)
    p = sub.add_parser("wait")
    p.add_argument("--url", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--timeout", type=float, default=180)
    p.set_defaults(func=cmd_wait)
    p = sub.add_parser("rss")
    p.add_argument("pid", type=int)
    p.set_defaults(func=cmd_rss)
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
