#!/usr/bin/python3
"""Opens drillhost's HTML report in headless Chromium and checks what a reader sees, through the
DevTools protocol (Debian's chromium and python3-websocket):

- one section and one SVG timeline per drill of the journal, as many shaded fault spans as the
  journal has faults, every failed check of the journal present by name (and marked failed);
- no console error, no exception, and no network request (the page opens from disk and fetches
  nothing: every request must be the file itself or inline data);
- a screenshot of the whole page written where asked, and the page printed to PDF (A4) beside it,
  each drill starting a page.

usage: check_html.py REPORT.html JOURNAL.jsonl SCREENSHOT.png
Exits 1 with what differs.
"""
import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

report, journal, screenshot = (pathlib.Path(a).resolve() for a in sys.argv[1:4])

# What the journal says the page must show.
drills, faults, failed_checks = 0, 0, []
for line in journal.read_text().splitlines():
    try:
        entry = json.loads(line)
    except ValueError:
        continue  # a cut last line
    kind = entry.get("type")
    drills += kind == "drill.start"
    faults += kind == "fault.injected"
    if kind == "verdict" and entry.get("verdict") == "fail":
        failed_checks.append(entry.get("name", ""))

# Chromium's profile beside the screenshot (the build tree), never a drillhost-* name in /tmp: the
# cluster tests count those as files drillhost left behind.
profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=screenshot.parent)
browser = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
     "--disable-extensions", "--disable-background-networking", "--disable-sync", "--disable-component-update",
     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile,
     "--window-size=1280,900", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
problems = []
try:
    port = None
    deadline = time.time() + 60
    while port is None and time.time() < deadline:
        line = browser.stderr.readline()
        if not line and browser.poll() is not None:
            sys.exit("chromium exited before it listened: " + str(browser.returncode))
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
    if port is None:
        sys.exit("chromium's DevTools never listened")
    pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
    page = next(p for p in pages if p.get("type") == "page")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    ids = iter(range(1, 1 << 30))
    events = []

    def call(method, **params):
        request = next(ids)
        ws.send(json.dumps({"id": request, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == request:
                if "error" in message:
                    sys.exit(f"{method}: {message['error']}")
                return message.get("result", {})
            events.append(message)

    for domain in ("Page", "Network", "Runtime", "Log"):
        call(domain + ".enable")
    events.clear()  # what about:blank did is not the report's
    call("Page.navigate", url=report.as_uri())
    loaded = False
    deadline = time.time() + 30
    while not loaded and time.time() < deadline:
        message = json.loads(ws.recv())
        events.append(message)
        loaded = message.get("method") == "Page.loadEventFired"
    if not loaded:
        problems.append("the page never finished loading")
    time.sleep(0.5)  # late console messages
    ws.settimeout(0.5)
    try:
        while True:
            events.append(json.loads(ws.recv()))
    except websocket.WebSocketTimeoutException:
        pass
    ws.settimeout(30)

    for e in events:
        method, params = e.get("method", ""), e.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != report.as_uri() and not url.startswith("data:"):
                problems.append("a network request: " + url)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            problems.append("console error: " + json.dumps(params.get("args"))[:300])
        elif method == "Runtime.exceptionThrown":
            problems.append("exception: " + json.dumps(params)[:300])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            problems.append("browser error: " + params["entry"].get("text", "")[:300])

    def dom(expression):
        result = call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    seen = dom("""({
        sections: document.querySelectorAll('section.drill').length,
        timelines: document.querySelectorAll('section.drill svg.timeline').length,
        spans: document.querySelectorAll('section.drill svg.timeline rect.fault-span').length,
        failed: [...document.querySelectorAll('tr.check-fail td:first-child')].map(td => td.textContent),
        scripts: document.querySelectorAll('script').length,
        height: document.documentElement.scrollHeight
    })""")
    print(json.dumps({k: v for k, v in seen.items() if k != "failed"}), "failed checks:", len(seen["failed"]))
    if seen["sections"] != drills:
        problems.append(f"{seen['sections']} drill sections for {drills} drills")
    if seen["timelines"] != drills:
        problems.append(f"{seen['timelines']} timelines for {drills} drills")
    if seen["spans"] != faults:
        problems.append(f"{seen['spans']} shaded fault spans for {faults} faults")
    for name in failed_checks:
        if name not in seen["failed"]:
            problems.append("the failed check is not shown as failed: " + name)
    if seen["scripts"]:
        problems.append("the page holds a script")

    call("Emulation.setDeviceMetricsOverride", width=1280, height=min(int(seen["height"]), 16000),
         deviceScaleFactor=1, mobile=False)
    shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    print("screenshot:", screenshot)

    # Printed (A4, as a person would print it): each drill starts a page, and every page holds
    # something; the PDF stays beside the screenshot.
    pdf = base64.b64decode(call("Page.printToPDF", printBackground=True, paperWidth=8.27, paperHeight=11.69)["data"])
    screenshot.with_suffix(".pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print("printed:", pages, "pages")
    if pages < drills:
        problems.append(f"printed on {pages} pages for {drills} drills (each drill starts a page)")
    ws.close()
finally:
    browser.terminate()
    try:
        browser.wait(10)
    except subprocess.TimeoutExpired:
        browser.kill()
    shutil.rmtree(profile, ignore_errors=True)

for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
