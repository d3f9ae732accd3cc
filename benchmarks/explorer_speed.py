"""Speed and size of the explorer page in headless Chromium (not a test: a measurement).

Usage::

    python benchmarks/explorer_speed.py docs/_build/quick/html [--runs 7] [--passes 30]
                                        [--cpu-slowdown 1] [--out benchmarks/explorer_speed.json]

Serves the built site on 127.0.0.1, opens ``explore.html`` ``--runs`` times in a fresh
browser context each (nothing cached) and records, as medians:

- ``first_render_ms``: from the start of navigation to the horse drawn with its maps and
  scores (the page's ``cnnlesson-explorer-first-render`` mark);
- ``after_load_ms``: the same, counted from the page's load event (negative when the horse
  was drawn before the load event fired);
- ``forward_ms``: one forward pass of the tutorial's network on the horse, timed
  ``--passes`` times inside the page after a warm-up;
- ``explain_ms``: one unit of its dense layer explained (8,192 products of input and
  weight, ranked), timed the same way;
- ``switch_ms``: choosing the final design (``window.cnnlessonExplorer.use("design")``:
  its download and the horse drawn again), when the page offers it;
- ``design_forward_ms``: one forward pass of the final design, timed like ``forward_ms``;
- ``bytes``: everything the page downloaded (HTML, theme, scripts, data), and
  ``largest``, the five largest downloads.

``targets`` gives the page's targets and ``meets`` whether the medians meet them: at most
8 MB downloaded, the horse drawn within 1.5 s of the start of navigation and within 1 s of
the load event, and one forward pass of either network in at most 50 ms.
``--cpu-slowdown N`` runs Chromium's CPU N times slower (its DevTools CPU throttling), to
see the page as a busy or slower machine would.

Needs Playwright for Python (``pip install playwright``; no browser download) and
Debian's Chromium at /usr/bin/chromium. Writes the numbers, the date and the machine to
``--out``; the How-built page reports them.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import os
import platform
import statistics
import subprocess
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
MARK = "cnnlesson-explorer-first-render"
#: What the page must meet: the largest value of each result allowed (bytes, ms).
TARGETS = {"bytes": 8_000_000, "first_render_ms": 1_500, "after_load_ms": 1_000,
           "forward_ms": 50, "design_forward_ms": 50}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def one_load(browser, url, passes, slowdown=1):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if slowdown != 1:
        session = context.new_cdp_session(page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    page.goto(url + "explore.html", wait_until="load")
    page.evaluate("window.cnnlessonExplorer.ready")
    timing = page.evaluate(f"""() => {{
        const nav = performance.getEntriesByType('navigation')[0];
        const mark = performance.getEntriesByName('{MARK}')[0];
        const resources = performance.getEntriesByType('resource');
        const bytes = resources.reduce((total, r) => total + r.decodedBodySize,
                                       nav.decodedBodySize);
        const largest = resources.map((r) => [new URL(r.name).pathname, r.decodedBodySize])
            .sort((a, b) => b[1] - a[1]).slice(0, 5);
        return {{render: mark.startTime, load: nav.loadEventStart, bytes: bytes,
                 largest: largest}};
    }}""")
    passes_script = f"""() => {{
        const s = window.cnnlessonExplorer.state;
        const pixels = Array.from(s.images.subarray(0, 3072));
        s.net.run(pixels);
        const times = [];
        for (let i = 0; i < {passes}; i++) {{
            const t = performance.now();
            s.net.run(pixels);
            times.push(performance.now() - t);
        }}
        return times;
    }}"""
    timing["forward"] = statistics.median(page.evaluate(passes_script))
    # The page's own explain module (the instance the page imported), or, on a site built
    # before the explorer's scripts were modules, the method they added to the network.
    timing["explain"] = statistics.median(page.evaluate(f"""async () => {{
        const s = window.cnnlessonExplorer.state;
        const scripts = Array.from(document.scripts).map((e) => e.src);
        const entry = scripts.find((src) => /explorer\\/explorer\\.js/.test(src));
        const explain = s.net.explain ? (r, n, u) => s.net.explain(r, n, u)
            : ((m) => (r, n, u) => m.explain(s.net, r, n, u))(
                await import(new URL("explain.js", entry)));
        const times = [];
        for (let i = 0; i <= {passes}; i++) {{
            const t = performance.now();
            explain(s.result, "dense", [i]);
            times.push(performance.now() - t);
        }}
        return times.slice(1);
    }}"""))
    offered = page.evaluate(
        "window.cnnlessonExplorer.state.index.networks.map((n) => n.key).includes('design')")
    if offered:
        timing["switch"] = page.evaluate("""async () => {
            const t = performance.now();
            await window.cnnlessonExplorer.use("design");
            return performance.now() - t;
        }""")
        timing["design_forward"] = statistics.median(page.evaluate(passes_script))
    context.close()
    return timing


def site_label(site):
    """The site folder as the repository names it (``docs/_build/full/html``), no machine path."""
    return "/".join(site.resolve().parts[-4:])


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    # Other work on the machine slows every number down; the load says how busy it was.
    return {"cpu": cpu, "cores": os.cpu_count(), "chromium": version.strip(),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built html folder")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--cpu-slowdown", type=float, default=1,
                        help="run Chromium's CPU this many times slower (default 1: as is)")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).with_name("explorer_speed.json"))
    args = parser.parse_args()
    if not (args.site / "explore.html").is_file():
        parser.error(f"{args.site} has no explore.html; build the site first")
    from playwright.sync_api import sync_playwright

    info = machine()  # before the runs, so the load is the other work's
    server, url = serve(args.site)
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for run in range(args.runs):
            timing = one_load(browser, url, args.passes, args.cpu_slowdown)
            runs.append(timing)
            print(f"run {run + 1}: first render {timing['render']:.0f} ms, "
                  f"forward {timing['forward']:.1f} ms, explain {timing['explain']:.1f} ms, "
                  f"design forward {timing.get('design_forward', float('nan')):.1f} ms, "
                  f"{timing['bytes'] / 1e6:.2f} MB")
        browser.close()
    server.shutdown()
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "machine": info,
        "site": site_label(args.site),
        "runs": args.runs,
        "cpu_slowdown": args.cpu_slowdown,
        "first_render_ms": round(statistics.median(r["render"] for r in runs), 1),
        "after_load_ms": round(statistics.median(r["render"] - r["load"] for r in runs), 1),
        "forward_ms": round(statistics.median(r["forward"] for r in runs), 2),
        "explain_ms": round(statistics.median(r["explain"] for r in runs), 2),
        "bytes": int(statistics.median(r["bytes"] for r in runs)),
        "largest": runs[-1]["largest"],
    }
    if all("switch" in r for r in runs):
        result["switch_ms"] = round(statistics.median(r["switch"] for r in runs), 1)
        result["design_forward_ms"] = round(
            statistics.median(r["design_forward"] for r in runs), 2)
    result["targets"] = TARGETS
    result["meets"] = {key: result[key] <= limit for key, limit in TARGETS.items()
                       if key in result}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
