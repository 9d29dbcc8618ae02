#!/usr/bin/env python3
"""Renders scripts/bench.sh results as a Markdown table with the targets,
and optionally writes them into BENCHMARKS.md between markers.

usage: report.py RESULTS_TSV META_FILE ERRORS_FILE [--write BENCHMARKS.md]

RESULTS_TSV columns: id, label, db, conns, requests, duration_us, p50_us,
p99_us, p999_us, errors, non2xx, statuses, rss_kb, p95_us, hash_cpu_s (the
CPU seconds of the server's hashing threads during a login run, else -).
META_FILE: `key=value` lines (machine, versions, command, conditions; one
hash's time, hash_ms, and the login bursts, burst_N=`key=value ...`).
ERRORS_FILE: the server's non-2xx answers by operation, one line each.
"""
import sys

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def markers(backend):
    return (f"<!-- bench:{backend}:start (written by scripts/bench.sh --write) -->",
            f"<!-- bench:{backend}:end -->")


def ms(us):
    return f"{int(us) / 1000:.1f}" if int(us) < 100_000 else f"{int(us) / 1000:.0f}"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 13:
                continue
            keys = ["id", "label", "db", "conns", "requests", "duration_us", "p50",
                    "p99", "p999", "errors", "non2xx", "statuses", "rss_kb", "p95",
                    "hash_cpu", "cpu_us"]
            row = dict(zip(keys, parts))
            row["rps"] = int(row["requests"]) / (int(row["duration_us"]) / 1e6)
            rows.append(row)
    return rows


def table(rows):
    out = ["| scenario | database | conns | req/s | p50 ms | p99 ms | p99.9 ms "
           "| errors | non-2xx | statuses | server peak RSS |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        rss = f"{int(r['rss_kb']) / 1024:.0f} MB" if r["rss_kb"].isdigit() else "-"
        out.append(f"| {r['label']} | {r['db']} | {r['conns']} | {r['rps']:,.0f} "
                   f"| {ms(r['p50'])} | {ms(r['p99'])} | {ms(r['p999'])} | {r['errors']} "
                   f"| {r['non2xx']} | {r['statuses']} | {rss} |")
    return "\n".join(out)


def statuses(row):
    """wrk's `200:42,503:522` as {"200": 42, "503": 522}."""
    pairs = (kv.split(":", 1) for kv in row["statuses"].split(",") if ":" in kv)
    return {k: int(v) for k, v in pairs}


def bcrypt_limit(m):
    """Logins a second that every core hashing makes: cores / one hash's
    time (both measured in this run); None when not measured."""
    hash_ms, cores = float(m.get("hash_ms") or 0), int(m.get("nproc") or 0)
    return cores * 1000 / hash_ms if hash_ms and cores else None


def bursts(m):
    """The login bursts (burst_N meta lines), smallest first."""
    found = []
    for key, value in m.items():
        if key.startswith("burst_"):
            found.append(dict(kv.split("=", 1) for kv in value.split() if "=" in kv))
    return sorted(found, key=lambda b: int(b["n"]))


def deadline_s(m):
    return float(m.get("login_timeout", "30s").rstrip("s"))


def logins_block(m):
    """One hash's time, the bcrypt limit and the bursts' table, when measured."""
    limit, out = bcrypt_limit(m), []
    if limit:
        out.append(f"\nOne hash (bcrypt cost 12): {m['hash_ms']} ms, the quickest of 5 "
                   f"sequential logins on the idle server; the bcrypt limit, every one of "
                   f"the {m['nproc']} cores hashing: {limit:.1f} logins/s.\n")
    if bursts(m):
        out += ["Login bursts (`scripts/bench/login_burst.py`: N logins sent at one moment, "
                "each burst once the queue was empty, on a server of their own):\n",
                "| burst | statuses | first answer s | median s | p95 s | last s "
                "| last 200 s | server peak RSS |",
                "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for b in bursts(m):
            sec = lambda k: f"{int(b[k]) / 1000:.2f}"
            rss = f"{int(b['rss_kb']) / 1024:.0f} MB" if b.get("rss_kb", "").isdigit() else "-"
            out.append(f"| {b['n']} | {b['statuses']} | {sec('first_ms')} | {sec('p50_ms')} "
                       f"| {sec('p95_ms')} | {sec('last_ms')} | {sec('last_ok_ms')} | {rss} |")
        out.append("")
    return "\n".join(out)


def targets(rows, m):
    by = {(r["id"], r["conns"]): r for r in rows}
    lines = []

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    for c in sorted({r["conns"] for r in rows}, key=int):
        get, ceiling = by.get(("get", c)), by.get(("ceiling", c))
        if get and ceiling:
            ratio = get["rps"] / ceiling["rps"]
            lines.append(f"- get one task at {c} connections: {get['rps']:,.0f} req/s = "
                         f"{ratio:.0%} of the ceiling's {ceiling['rps']:,.0f} (target ≥ 40 %): "
                         f"{verdict(ratio >= 0.40)}")
    for c in sorted({r["conns"] for r in rows}, key=int):
        live, ceiling = by.get(("live", c)), by.get(("ceiling", c))
        if live and ceiling:
            lines.append(f"  - for scale: /health/live (the server's routing, middleware and "
                         f"request log, no auth, no database) at {c} connections: "
                         f"{live['rps'] / ceiling['rps']:.0%} of the ceiling")
    get = by.get(("get", "1000"))
    if get:
        p99 = int(get["p99"]) / 1000
        errs = int(get["errors"]) + int(get["non2xx"])
        lines.append(f"- get one task at 1000 connections: p99 {p99:.1f} ms, {errs} errors "
                     f"(target < 50 ms, 0 errors): {verdict(p99 < 50 and errs == 0)}")
    for c in sorted({r["conns"] for r in rows}, key=int):
        small, large = by.get(("list", c)), by.get(("list-large", c))
        if small and large:
            ratio = int(large["p99"]) / max(int(small["p99"]), 1)
            lines.append(f"- list p99 at {c} connections, large vs small database: "
                         f"{ms(large['p99'])} vs {ms(small['p99'])} ms = {ratio:.2f}× "
                         f"(target ≤ 1.5×): {verdict(ratio <= 1.5)}")
    for r in rows:
        if r["id"] != "open":
            continue
        errs = int(r["errors"]) + int(r["non2xx"])
        p95 = ms(r["p95"]) if "p95" in r else "?"
        lines.append(f"- open loop at {r['conns']} connections, {r['rps']:,.0f} req/s: p50 "
                     f"{ms(r['p50'])}, p95 {p95}, p99 {ms(r['p99'])} ms, {errs} errors "
                     f"(target p99 < 50 ms): {verdict(int(r['p99']) < 50_000)}")
    base = by.get(("get-base", "64")) or by.get(("get", "64"))
    flood = by.get(("get-flood", "64"))
    if base and flood:
        ratio = int(flood["p99"]) / max(int(base["p99"]), 1)
        lines.append(f"- reads' p99 during a login flood: {ms(flood['p99'])} vs "
                     f"{ms(base['p99'])} ms without = {ratio:.2f}× (target ≤ 2×): "
                     f"{verdict(ratio <= 2)}")
    limit = bcrypt_limit(m)
    for r in rows:
        if not limit or r["id"] not in ("login", "login-flood"):
            continue
        counts, secs = statuses(r), int(r["duration_us"]) / 1e6
        ok = counts.get("200", 0) / secs
        what = "the login flood" if r["id"] == "login-flood" else "logins"
        hashed = ""
        if r.get("hash_cpu", "-") != "-":
            share = float(r["hash_cpu"]) / secs / int(m["nproc"])
            hashed = f", the hashing threads busy {share:.0%} of the cores' time"
        lines.append(f"- {what} at {r['conns']} connections: {ok:.1f} answered 200 a second "
                     f"= {ok / limit:.0%} of the bcrypt limit's {limit:.1f} (target ≥ 90 %): "
                     f"{verdict(ok >= 0.9 * limit)}; besides, {counts.get('503', 0)} answered "
                     f"503 ({counts.get('503', 0) / secs:,.0f} a second), {r['errors']} "
                     f"errors{hashed}")
    deadline = deadline_s(m)
    for b in bursts(m):
        n, ok, last = int(b["n"]), int(b["ok"]), int(b["last_ok_ms"]) / 1000
        lines.append(f"- a burst of {n} logins at once: {ok} of {n} answered 200, the last "
                     f"after {last:.1f} s ({b['statuses']}) (target all 200 within the "
                     f"{deadline:g} s deadline): {verdict(ok == n and last <= deadline)}")
    big = [b for b in bursts(m) if b["n"] == "256" and b.get("rss_kb", "").isdigit()]
    if big:
        peak = int(big[0]["rss_kb"]) / 1024
        lines.append(f"- server peak RSS under the burst of 256 logins: {peak:.0f} MB "
                     f"(target < 100 MB): {verdict(peak < 100)}")
    server = [r for r in rows if r["id"] != "ceiling" and r["rss_kb"].isdigit()]
    if server:
        peak = max(int(r["rss_kb"]) for r in server) / 1024
        lines.append(f"- server peak RSS under load: {peak:.0f} MB (target < 100 MB): "
                     f"{verdict(peak < 100)}")
    return "\n".join(lines)


def comparison(rows, meta):
    """Before/after ratios of `--compare` rows (ids `before-X`, `after-X`):
    each side's req/s and p99 averaged over its alternating rounds."""
    sides = {}
    for r in rows:
        side, _, scenario = r["id"].partition("-")
        if side not in ("before", "after"):
            continue
        key = (scenario, r["conns"])
        sides.setdefault(key, {}).setdefault(side, []).append(r)
    if not sides:
        return ""
    mean = lambda xs: sum(xs) / len(xs)
    out = [f"\nBefore/after, {meta.get('compare', '?')} (mean of each side's runs; "
           "after / before):\n",
           "| scenario | conns | req/s before | req/s after | ratio | p99 ms before "
           "| p99 ms after | server CPU µs/req before | after | ratio |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (scenario, conns), by in sorted(sides.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
        if "before" not in by or "after" not in by:
            continue
        rb, ra = (mean([r["rps"] for r in by[s]]) for s in ("before", "after"))
        pb, pa = (mean([int(r["p99"]) for r in by[s]]) / 1000 for s in ("before", "after"))
        cpu = [mean([float(r["cpu_us"]) for r in by[s] if r.get("cpu_us", "-") != "-"] or [0])
               for s in ("before", "after")]
        cpu_ratio = f"{cpu[1] / cpu[0]:.2f}" if cpu[0] else "-"
        out.append(f"| {scenario} | {conns} | {rb:,.0f} | {ra:,.0f} | {ra / rb:.2f} "
                   f"| {pb:.1f} | {pa:.1f} | {cpu[0]:.0f} | {cpu[1]:.0f} | {cpu_ratio} |")
    return "\n".join(out) + "\n"


def streams_line(m):
    """The live-stream scenario (scripts/bench/streams.py), when it ran."""
    if not m.get("streams"):
        return ""
    return f"\nLive event streams (one server, held open at once): {m['streams']}.\n"


def section(rows, meta, errors):
    m = dict(line.rstrip("\n").split("=", 1) for line in open(meta) if "=" in line)
    answers = [f"- {line.strip()}" for line in open(errors) if line.strip()]
    answers = "\n".join(answers) if answers else "- none"
    start, end = markers(m.get("backend", "?"))
    login_wrk = (f" (`--timeout {m['login_timeout']}` for logins, the request deadline)"
                 if m.get("login_timeout") else "")
    return f"""{start}
### {NAMES.get(m.get('backend'), '?')}, {m.get('date', '?')}

- Machine: {m.get('nproc', '?')} cores ({m.get('cpu', '?')}), {m.get('memory', '?')} memory,
  {m.get('kernel', '?')}. Load generator and server share the cores.
- Versions: {m.get('rustc', '?')}; {m.get('wrk', '?')}; {m.get('oha', 'oha not used')}; SQLite {m.get('sqlite', '?')} (bundled);
  {m.get('postgres', 'PostgreSQL not used')}.
- Conditions: load average {m.get('load_before', '?')} before the run and
  {m.get('load_after', '?')} after it.
- Command: `{m.get('command', '?')}`; every scenario ran for {m.get('duration', '?')}
  with `wrk -t2 --timeout 5s`{login_wrk}; the open loop for {m.get('open_duration', '?')}
  with oha at a constant arrival rate, each request timed from when it was due
  (`-q --latency-correction`). Seeding: {m.get('seed_small', '?')}; {m.get('seed_large', 'no large database')}.

{table(rows)}
{logins_block(m)}{streams_line(m)}
Non-2xx answers, from the server's request log:

{answers}

Targets, as ratios from this one run:

{targets(rows, m)}
{comparison(rows, m)}{end}"""


def main():
    rows = load(sys.argv[1])
    text = section(rows, sys.argv[2], sys.argv[3])
    print(text)
    if len(sys.argv) > 5 and sys.argv[4] == "--write":
        path = sys.argv[5]
        start, end = text.splitlines()[0], text.splitlines()[-1]
        doc = open(path).read()
        if start in doc and end in doc:
            head, rest = doc.split(start, 1)
            doc = head + text + rest.split(end, 1)[1]
        else:
            doc = doc.rstrip("\n") + "\n\n" + text + "\n"
        open(path, "w").write(doc)
        print(f"\nwrote the table into {path}")


if __name__ == "__main__":
    main()
