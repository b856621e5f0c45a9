"""Turns the rows http_bench.sh collected into the markdown report (stdout)."""
import argparse
import statistics

ORDER = ["todoai", "beast_hello", "fastapi", "fastapi-uvloop"]
PEERS = ["fastapi", "fastapi-uvloop"]
p = argparse.ArgumentParser()
p.add_argument("--runs", required=True)
p.add_argument("--mem", required=True)
p.add_argument("--notes", required=True)
p.add_argument("--meta", action="append", default=[])
a = p.parse_args()

FIELDS = "server route kind rep target rps p50 p90 p99 max requests status_err sock_err cpu other".split()
runs = []
for line in open(a.runs):
    if line.strip():
        r = dict(zip(FIELDS, line.rstrip("\n").split("\t")))
        for k in FIELDS[3:]:
            r[k] = float(r[k] or 0)
        runs.append(r)


def sel(server, route, kind):
    return [r for r in runs if (r["server"], r["route"], r["kind"]) == (server, route, kind)]


def med(rs, k):
    return statistics.median(r[k] for r in rs)


def fmt_rps(x):
    return f"{x:,.0f}"


servers = [s for s in ORDER if any(r["server"] == s for r in runs)]
out = ["# HTTP benchmark: todoai vs beast_hello (ceiling) vs FastAPI peer", ""]
out += [f"- {m.split('=', 1)[0]}: {m.split('=', 1)[1]}" for m in a.meta]
out += ["", "## Saturated (wrk -t1, closed loop): median of the runs", "",
        "| server | route | median rps | runs min–max rps | p50 ms | p99 ms | ratio to beast_hello | todoai/fastapi | "
        "todoai/fastapi-uvloop | server CPU | others on its core | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for s in servers:
    for route in ("GET", "POST"):
        rs = sel(s, route, "saturated")
        if not rs:
            continue
        rps = med(rs, "rps")
        beast = sel("beast_hello", route, "saturated")
        ratio = f"{rps / med(beast, 'rps'):.2f}" if beast and med(beast, "rps") else "–"
        peer_ratios = []
        for peer in PEERS:
            fa = sel(peer, route, "saturated")
            peer_ratios.append(f"{rps / med(fa, 'rps'):.1f}×" if s == "todoai" and fa and med(fa, "rps") else "")
        tf = " | ".join(peer_ratios)
        errs = int(sum(r["status_err"] + r["sock_err"] for r in rs))
        lo, hi = min(r["rps"] for r in rs), max(r["rps"] for r in rs)
        out.append(f"| {s} | {route} | {fmt_rps(rps)} | {fmt_rps(lo)}–{fmt_rps(hi)} | {med(rs, 'p50'):.2f} | "
                   f"{med(rs, 'p99'):.2f} | {ratio} | {tf} | {med(rs, 'cpu'):.0f}% | {max(r['other'] for r in rs):.0f}% | "
                   f"{errs if errs else 0}{' ⚠' if errs else ''} |")

paced = [r for r in runs if r["kind"].startswith("paced")]
if paced:
    out += ["", "## Paced GET (constant rate via wrk's delay(); latency at a given load)", "",
            "| server | pace | target rps | achieved rps | p50 ms | p90 ms | p99 ms | max ms | server CPU | others on its core | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in servers:
        for r in [r for r in paced if r["server"] == s]:
            short = ("below target ⚠" if r["rps"] < 0.95 * r["target"] else "")
            pace = {"paced-own-half": "½ of its own GET rate",
                    "paced-todoai-half": "½ of todoai's GET rate"}.get(r["kind"], r["kind"])
            if s == "todoai" and r["kind"] == "paced-own-half":
                pace = "½ of todoai's GET rate"
            errs = int(r["status_err"] + r["sock_err"])
            out.append(f"| {s} | {pace} | {fmt_rps(r['target'])} | {fmt_rps(r['rps'])} {short} | {r['p50']:.2f} | "
                       f"{r['p90']:.2f} | {r['p99']:.2f} | {r['max']:.2f} | {r['cpu']:.0f}% | {r['other']:.0f}% | {errs} |")

mem = [l.rstrip("\n").split("\t") for l in open(a.mem) if l.strip()]
if mem:
    out += ["", "## Memory (VmRSS from /proc/PID/status)", "",
            "| server | idle after start-up | after the load | peak (VmHWM) |", "|---|---:|---:|---:|"]
    for s in ORDER:
        for m in mem:
            if m[0] == s:
                mb = lambda kb: f"{int(kb or 0) / 1024:.1f} MiB"
                out.append(f"| {s} | {mb(m[1])} | {mb(m[2])} | {mb(m[3])} |")

notes = [l.strip() for l in open(a.notes) if l.strip()]
disturbed = sorted({f"{r['server']} {r['route']} {r['kind']}" for r in runs if r["other"] > 10})
if disturbed:
    notes.insert(0, "WARNING: other work used more than 10% of the server's core during: "
                 + ", ".join(disturbed) + ". Those figures are disturbed (indicative only).")
out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
out += ["- durability: todoai and the peer both use SQLite WAL with synchronous=NORMAL; every POST "
        "writes the task and an outbox row in one transaction.",
        "- server CPU = the server process's user+system time over the run's wall time (100% = its whole core); "
        "a server well below 100% when saturated was limited by the client or by waiting, not by its own work.",
        "- others on its core = the share of the server's core used by anything else during the run "
        "(other processes, hypervisor steal; worst run shown); above a few % the figures are disturbed.",
        "- errors = responses with status ≥ 400 plus socket errors; a row with errors is not a valid figure."]
print("\n".join(out))
