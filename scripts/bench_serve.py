#!/usr/bin/env python3
"""Edit-to-reload latency of `kb serve --watch`, with concurrent readers.

Starts kb serve on a knowledge base, subscribes to /_kb/events, makes N one-word edits to a
note and measures the time from the file write to the `reload` event that names the page.
Meanwhile C client threads fetch pages in a loop and check every response is whole.

    scripts/bench_serve.py KB_ROOT [--edits 20] [--clients 50] [--kb target/release/kb] [--search]

With --search, each edit also waits until the static search export (search/meta.json) has
been refreshed and reports that latency too (it includes the 500 ms quiet time before the
export starts). Run with KB_TIMINGS=1 to see each export's time and how many files it wrote.
"""
import argparse, http.client, json, os, random, statistics, subprocess, sys, threading, time, glob

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--kb", default="target/release/kb")
    ap.add_argument("--search", action="store_true", help="also wait for and time the search export")
    a = ap.parse_args()

    proc = subprocess.Popen([a.kb, "serve", "--watch", "--port", "0", "--root", a.root],
                            stdout=subprocess.PIPE, stderr=(None if os.environ.get("KB_TIMINGS") else subprocess.DEVNULL), text=True)
    try:
        line = proc.stdout.readline()
        addr = line.split("http://")[1].split("/")[0]
        host, port = addr.split(":")
        port = int(port)
        notes = sorted(glob.glob(os.path.join(a.root, "notes", "**", "*.md"), recursive=True))
        target = notes[len(notes) // 2]

        events = []
        cond = threading.Condition()
        def listen():
            c = http.client.HTTPConnection(host, port)
            c.request("GET", "/_kb/events")
            r = c.getresponse()
            name = None
            while True:
                l = r.fp.readline()
                if not l:
                    return
                l = l.decode("utf-8", "replace").strip()
                if l.startswith("event: "):
                    name = l[7:]
                elif l.startswith("data: ") and name:
                    with cond:
                        events.append((time.perf_counter(), name, l[6:]))
                        cond.notify_all()
        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.5)

        # readers
        stop = threading.Event()
        stats = {"ok": 0, "bad": 0, "errors": 0}
        lock = threading.Lock()
        home = http.client.HTTPConnection(host, port)
        home.request("GET", "/"); body = home.getresponse().read().decode()
        pages = ["/"] + [p.split('"')[0] for p in body.split('href="')[1:] if p.startswith("/") and p.split('"')[0].endswith("/")][:200]
        def reader():
            c = http.client.HTTPConnection(host, port, timeout=10)
            while not stop.is_set():
                p = random.choice(pages)
                try:
                    c.request("GET", p)
                    r = c.getresponse()
                    b = r.read()
                    whole = r.status == 200 and b.rstrip().endswith(b"</html>")
                    with lock:
                        stats["ok" if whole else "bad"] += 1
                except Exception:
                    with lock:
                        stats["errors"] += 1
                    c = http.client.HTTPConnection(host, port, timeout=10)
        threads = [threading.Thread(target=reader, daemon=True) for _ in range(a.clients)]
        for t in threads:
            t.start()

        def meta():
            c = http.client.HTTPConnection(host, port, timeout=10)
            c.request("GET", "/search/meta.json")
            return c.getresponse().read()

        original = open(target, encoding="utf-8").read()
        lat = []
        search_lat = []
        try:
            for i in range(a.edits):
                n0 = len(events)
                meta0 = meta() if a.search else None
                text = original + f"\n\nedit-{i}-{random.randint(0, 1 << 30)}\n"
                t0 = time.perf_counter()
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
                deadline = t0 + 10
                got = None
                with cond:
                    while got is None and time.perf_counter() < deadline:
                        for ts, name, data in events[n0:]:
                            if name == "reload":
                                got = ts
                                break
                        if got is None:
                            cond.wait(0.05)
                if got is None:
                    print(f"edit {i}: no reload event", file=sys.stderr)
                else:
                    lat.append((got - t0) * 1000)
                if a.search:
                    while time.perf_counter() < t0 + 30 and meta() == meta0:
                        time.sleep(0.01)
                    search_lat.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.3)
        finally:
            with open(target, "w", encoding="utf-8") as f:
                f.write(original)
        stop.set()
        for t in threads:
            t.join(timeout=5)
        lat.sort()
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        out = {
            "notes": len(notes), "edits": a.edits, "reloads": len(lat),
            "p50_ms": round(statistics.median(lat), 1), "p90_ms": round(p(0.9), 1), "max_ms": round(lat[-1], 1),
            "clients": a.clients, "requests_ok": stats["ok"], "requests_bad": stats["bad"], "request_errors": stats["errors"],
        }
        if search_lat:
            search_lat.sort()
            out["search_p50_ms"] = round(statistics.median(search_lat), 1)
            out["search_max_ms"] = round(search_lat[-1], 1)
        print(json.dumps(out))
    finally:
        proc.terminate()
        proc.wait()

if __name__ == "__main__":
    main()
