"""The built book in a real browser: Debian's Chromium driven by Playwright for Python.

One browser, one context, every page of ``_toc.yml`` (and the root redirect). The book is
built first only when ``_build/html/index.html`` is older than a source. ``_build/html`` is
served by ``python -m http.server`` on a free 127.0.0.1 port, and every request to another
host is aborted, so MathJax can only render if the build ships it. Checked on each page:

- the page loads (200) with a ``<title>`` and one ``<h1>``;
- every request succeeds: no ``requestfailed``, no response >= 400, nothing fetched from
  another host, nothing >= 400 in the http.server log (which also sees the favicon
  fetches that Playwright's events miss); every script, stylesheet, icon and image the
  page names answers 200, ``/favicon.ico`` included;
- every ``<img>`` has ``naturalWidth > 0``; every PNG/JPEG output stored in the chapter
  notebook is on the page, displayed, and not a blank (single-colour) image;
- every ``<details>`` (``hide-input`` cells, ``{dropdown}``) starts closed, the code in a
  ``hide-input`` cell is not visible, a ``{solution}`` with ``:class: dropdown`` starts
  collapsed, and no visible code shows ``# BEGIN SOLUTION``;
- no traceback or ``NotImplementedError`` in the outputs, no error output on the page;
- where a page has math, ``MathJax.startup.promise`` resolves, every math element holds
  an ``mjx-container`` and no ``mjx-merror``;
- no console error and no uncaught page error.

Without ``/usr/bin/chromium`` the tests are skipped, never passed. Environment:
``BOOK_ROOT`` builds and tests another book root (used to test this test on a throwaway
book); screenshots of the glossary and the first chapter go to ``_build/screenshots/``.
"""

import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from _toc import toc_files

REPO = pathlib.Path(__file__).resolve().parents[1]
ROOT = pathlib.Path(os.environ.get("BOOK_ROOT", REPO)).resolve()
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SOURCES = ["_config.yml", "_toc.yml", "_ext", "book"]
PAGE_TIMEOUT_MS = 20_000
BOOK_TITLE = "From inner products to style transfer"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium "
    "fonts-wqy-microhei, as .ci/run does) to run the real-browser test of the book",
)


# --------------------------------------------------------------------------- the build


def _toc_pages():
    """Every document of _toc.yml, root first, as paths without suffix."""
    return [str(pathlib.PurePosixPath(f).with_suffix("")) for f in toc_files()]


def _newest_source_mtime():
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for f in files:
            if f.is_file() and ".ipynb_checkpoints" not in f.parts and "__pycache__" not in f.parts:
                newest = max(newest, f.stat().st_mtime)
    return newest


def _ensure_built():
    index = HTML / "index.html"
    if index.is_file() and index.stat().st_mtime > _newest_source_mtime():
        return "up to date"
    started = time.time()
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", "."]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"jupyter-book build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert index.is_file(), "jupyter-book build wrote no _build/html/index.html"
    # The redirect page is not rewritten when unchanged: date it to the start of the build,
    # so that a source saved during the build makes the next run build again.
    os.utime(index, (started, started))
    return "built"


# --------------------------------------------------------------------------- the server


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """python -m http.server on 127.0.0.1; its request log is kept for inspection."""

    def __init__(self, directory):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.log_path = directory.parent / "http_server.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - open while the server runs; stop() closes it
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(directory),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(self.base + "index.html", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"http.server did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def errors(self):
        """Request lines of the log answered with a status >= 400."""
        pattern = re.compile(r'"(?P<req>[A-Z]+ \S+)[^"]*" (?P<status>\d{3})')
        return [f"{m['status']} {m['req']}" for m in pattern.finditer(self.log()) if int(m["status"]) >= 400]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# --------------------------------------------------------------------------- in the page

# Make lazy images load, wait for every image, and describe them.
JS_IMAGES = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : i.decode().catch(() => null)));
  return imgs.map(i => {
    const r = i.getBoundingClientRect();
    const out = i.closest('.cell_output') !== null;
    const folded = i.closest('details:not([open])') !== null;  // hide-output: hidden on purpose
    let distinct = null;
    if (out && i.naturalWidth > 0) {  // is the figure more than one colour?
      const c = document.createElement('canvas');
      c.width = Math.min(i.naturalWidth, 400); c.height = Math.min(i.naturalHeight, 400);
      const g = c.getContext('2d'); g.drawImage(i, 0, 0, c.width, c.height);
      const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
      for (let k = 0; k < d.length && seen.size < 3; k += 4)
        seen.add(d[k] + ',' + d[k + 1] + ',' + d[k + 2] + ',' + d[k + 3]);
      distinct = seen.size;
    }
    return {src: i.currentSrc || i.src, natural: i.naturalWidth, w: r.width, h: r.height,
            output: out, folded: folded, distinct: distinct};
  });
}"""

# Everything about dropdowns, as the page is right after loading (nothing clicked).
JS_DETAILS = """() => {
  // checkVisibility() sees what a reader sees: closed <details> hide their content with
  // content-visibility, which offsetWidth does not reflect.
  const visible = e => !!e && e.checkVisibility({visibilityProperty: true, opacityProperty: true,
                                                 contentVisibilityAuto: true})
                       && e.getClientRects().length > 0;
  const details = [...document.querySelectorAll('details')].map(d => ({
    cls: d.className, open: d.open,
    summary: (d.querySelector('summary') || {}).innerText || ''}));
  const hideInput = [...document.querySelectorAll('.tag_hide-input:not(.tag_remove-input):not(.tag_remove-cell)')].map(c => ({
    inDetails: c.querySelector('details') !== null,
    inputVisible: [...c.querySelectorAll('.cell_input')].some(visible)}));
  const solutions = [...document.querySelectorAll('.solution.dropdown')].map(s => ({
    id: s.id,
    bodyVisible: [...s.children].filter(ch => !ch.classList.contains('admonition-title'))
                                .some(visible)}));
  const leaked = [...document.querySelectorAll('.cell_input, pre:not(.cell_input pre)')]
    .filter(e => visible(e) && /BEGIN SOLUTION/.test(e.innerText)).length;
  return {details, hideInput, solutions, leaked};
}"""

JS_TEXT = """() => ({
  body: document.body.innerText,
  outputs: [...document.querySelectorAll('.cell_output')].map(e => e.textContent).join('\\n'),
  errorOutputs: document.querySelectorAll('.cell_output .traceback, .cell_output .output.error, .output.traceback').length,
  h1: [...document.querySelectorAll('article h1')].map(h => h.innerText.trim()),
  assets: [...document.querySelectorAll('script[src]')].map(e => e.src)
    .concat([...document.querySelectorAll('link[href]')]
      .filter(e => /stylesheet|icon|preload/.test(e.rel)).map(e => e.href))
    .concat([...document.images].map(i => i.currentSrc || i.src)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  math: document.querySelectorAll('.math').length,
  hasMathJax: typeof window.MathJax !== 'undefined' && !!window.MathJax.startup,
})"""

JS_MATHJAX = """async () => {
  await window.MathJax.startup.promise;
  if (window.MathJax.typesetPromise) { await window.MathJax.typesetPromise(); }
  const math = [...document.querySelectorAll('.math')];
  return {math: math.length,
          rendered: math.filter(m => m.querySelector('mjx-container')).length,
          containers: document.querySelectorAll('mjx-container').length,
          merror: document.querySelectorAll('mjx-merror').length,
          unrendered: math.filter(m => !m.querySelector('mjx-container'))
                          .slice(0, 3).map(m => m.textContent.slice(0, 80))};
}"""

# Do two different CJK characters draw differently in the glossary's font? (Missing glyphs
# all draw as the same box.)
JS_CJK = """() => {
  const el = document.querySelector('dl.glossary dd') || document.body;
  const font = getComputedStyle(el).fontSize + ' ' + getComputedStyle(el).fontFamily;
  const draw = ch => { const c = document.createElement('canvas'); c.width = 40; c.height = 40;
    const g = c.getContext('2d'); g.font = font; g.fillStyle = '#000'; g.fillText(ch, 4, 30);
    return Array.from(g.getImageData(0, 0, 40, 40).data).join(','); };
  return {font, zh: draw('格') !== draw('积'), ko: draw('그') !== draw('람'),
          blank: draw('格') === draw(' ')};
}"""


def _stored_figures(page):
    """Number of PNG/JPEG outputs stored in the page's notebook (0 for a markdown page)."""
    nb_path = ROOT / (page + ".ipynb")
    if not nb_path.is_file():
        return 0
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    count = 0
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & {"remove-output", "remove-cell"}:
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data or "image/jpeg" in data:
                count += 1
    return count


def _stored_hide_input(page):
    nb_path = ROOT / (page + ".ipynb")
    if not nb_path.is_file():
        return 0
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    return sum(1 for t in tags if "hide-input" in t and not t & {"remove-input", "remove-cell"})


# --------------------------------------------------------------------------- the crawl


@pytest.fixture(scope="module")
def crawl():
    """Visit every page once; return what was seen, per page, for the tests below."""
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    build = _ensure_built()
    started = time.perf_counter()
    build = f"{build} in {started - t0:.1f} s"
    pages = _toc_pages()
    server = _Server(HTML)
    result = {
        "build": build,
        "pages": {},
        "external": [],
        "failed": [],
        "bad_status": [],
        "console": [],
        "pageerrors": [],
        "server_errors": [],
        "asset_errors": [],
        "link_errors": [],
        "favicon": None,
        "redirect": None,
    }
    current = {"page": None}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(PAGE_TIMEOUT_MS)

            def route(r):
                url = r.request.url
                if (
                    urlsplit(url).scheme in ("http", "https", "ws", "wss")
                    and urlsplit(url).hostname != "127.0.0.1"
                ):
                    result["external"].append(f"{current['page']}: {url}")
                    r.abort()
                else:
                    r.continue_()

            context.route("**/*", route)
            page = context.new_page()
            seen_ok, recheck = set(), set()

            def on_failed(rq):
                # A request still in flight when the next page is opened (a late favicon
                # fetch) is cancelled with ERR_ABORTED: fetch it again below instead.
                if rq.failure == "net::ERR_ABORTED" and urlsplit(rq.url).hostname == "127.0.0.1":
                    recheck.add(rq.url.split("#")[0])
                else:
                    result["failed"].append(f"{current['page']}: {rq.url} ({rq.failure})")

            page.on("requestfailed", on_failed)

            def on_response(resp):
                if resp.status >= 400:
                    result["bad_status"].append(f"{current['page']}: {resp.status} {resp.url}")
                else:
                    seen_ok.add(resp.url.split("#")[0])

            page.on("response", on_response)
            page.on(
                "console",
                lambda m: m.type == "error" and result["console"].append(f"{current['page']}: {m.text}"),
            )
            page.on("pageerror", lambda e: result["pageerrors"].append(f"{current['page']}: {e}"))

            # The root is a redirect to the first page.
            current["page"] = "index"
            page.goto(server.base, wait_until="networkidle")
            result["redirect"] = page.url

            assets, links = set(), set()
            for name in pages:
                current["page"] = name
                t_page = time.perf_counter()
                url = server.base + name + ".html"
                resp = page.goto(url, wait_until="networkidle")
                info = {"status": resp.status if resp else None, "title": page.title()}
                info.update(page.evaluate(JS_TEXT))
                info["images"] = page.evaluate(JS_IMAGES)
                info["dropdowns"] = page.evaluate(JS_DETAILS)
                info["mathjax"] = page.evaluate(JS_MATHJAX) if info["hasMathJax"] else None
                info["stored_figures"] = _stored_figures(name)
                info["stored_hide_input"] = _stored_hide_input(name)
                if name.endswith("glossary"):
                    info["cjk"] = page.evaluate(JS_CJK)
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SHOTS / "glossary.png"))
                if name == next((n for n in pages if (ROOT / (n + ".ipynb")).is_file()), None):
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SHOTS / "first_chapter.png"), full_page=True)
                assets.update(a.split("#")[0] for a in info.pop("assets"))
                links.update(l.split("#")[0] for l in info.pop("links") if l.startswith(server.base))
                info["seconds"] = time.perf_counter() - t_page
                result["pages"][name] = info

            # Every asset a page names answers 200, even if the browser did not fetch it
            # (an image in a closed dropdown, a preload), and so does every internal link.
            current["page"] = "assets"
            for url in sorted(assets | recheck):
                if urlsplit(url).hostname != "127.0.0.1":
                    result["asset_errors"].append(f"external asset {url}")
                elif url not in seen_ok:
                    r = context.request.get(url)
                    if r.status != 200:
                        result["asset_errors"].append(f"{r.status} {url}")
            for url in sorted(links - seen_ok):
                r = context.request.head(url)
                if r.status >= 400:
                    result["link_errors"].append(f"{r.status} {url}")
            fav = context.request.get(server.base + "favicon.ico")
            result["favicon"] = (fav.status, fav.headers.get("content-type", ""), len(fav.body()))
            browser.close()
    finally:
        server.stop()
        result["server_errors"] = server.errors()
    result["seconds"] = time.perf_counter() - started
    print(f"\nbrowser crawl: {len(result['pages'])} pages in {result['seconds']:.1f} s (book {build})")
    for name, info in result["pages"].items():
        mj = info["mathjax"] or {}
        print(
            f"  {name}: {len(info['images'])} images, "
            f"{sum(i['output'] for i in info['images'])} figures, "
            f"{len(info['dropdowns']['details'])} dropdowns, "
            f"{len(info['dropdowns']['hideInput'])} hide-input, "
            f"{mj.get('rendered', 0)}/{info['math']} math rendered, {info['seconds']:.1f} s"
        )
    return result


def _fail_if(problems, what):
    assert not problems, f"{what}:\n  " + "\n  ".join(map(str, problems))


# --------------------------------------------------------------------------- the tests


def test_every_toc_page_loads_with_a_title(crawl):
    assert crawl["redirect"].endswith("/" + _toc_pages()[0] + ".html"), crawl["redirect"]
    problems = []
    for name, info in crawl["pages"].items():
        if info["status"] != 200:
            problems.append(f"{name}: HTTP {info['status']}")
        if BOOK_TITLE not in info["title"]:
            problems.append(f"{name}: <title> {info['title']!r}")
        if len(info["h1"]) != 1 or not info["h1"][0]:
            problems.append(f"{name}: <h1> {info['h1']}")
    _fail_if(problems, "pages without a proper title")
    assert len(crawl["pages"]) == len(_toc_pages())


def test_every_request_succeeds_and_stays_local(crawl):
    status, ctype, size = crawl["favicon"]
    problems = (
        [f"request to another host (aborted): {u}" for u in crawl["external"]]
        + [f"failed request: {u}" for u in crawl["failed"]]
        + [f"response >= 400: {u}" for u in crawl["bad_status"]]
        + [f"asset does not load: {u}" for u in crawl["asset_errors"]]
        + [f"internal link to a missing file: {u}" for u in crawl["link_errors"]]
        + [f"http.server log (favicon fetches included): {u}" for u in crawl["server_errors"]]
        + (
            []
            if status == 200 and "icon" in ctype and size > 0
            else [f"/favicon.ico: status {status}, {ctype!r}, {size} bytes"]
        )
    )
    _fail_if(sorted(set(problems)), "requests")


def test_images_load_and_figures_are_drawn(crawl):
    problems = []
    for name, info in crawl["pages"].items():
        for img in info["images"]:
            if img["natural"] <= 0:
                problems.append(f"{name}: image not loaded {img['src']}")
        figures = [i for i in info["images"] if i["output"]]
        if len(figures) < info["stored_figures"]:
            problems.append(
                f"{name}: {info['stored_figures']} figures stored in the notebook, {len(figures)} on the page"
            )
        for img in figures:
            if not img["folded"] and (img["w"] <= 0 or img["h"] <= 0):
                problems.append(f"{name}: figure not displayed {img['src']}")
            if img["distinct"] is not None and img["distinct"] < 2:
                problems.append(f"{name}: figure is blank (one colour) {img['src']}")
    _fail_if(problems, "images and figures")


def test_solutions_and_hidden_code_start_closed(crawl):
    problems = []
    for name, info in crawl["pages"].items():
        d = info["dropdowns"]
        problems += [
            f"{name}: <details class='{x['cls']}'> '{x['summary']}' starts open"
            for x in d["details"]
            if x["open"]
        ]
        if len(d["hideInput"]) != info["stored_hide_input"]:
            problems.append(
                f"{name}: {info['stored_hide_input']} hide-input cells in the "
                f"notebook, {len(d['hideInput'])} on the page"
            )
        for k, cell in enumerate(d["hideInput"]):
            if not cell["inDetails"] or cell["inputVisible"]:
                problems.append(f"{name}: hide-input cell {k} shows its code")
        problems += [
            f"{name}: solution {s['id']} starts expanded" for s in d["solutions"] if s["bodyVisible"]
        ]
        if d["leaked"]:
            problems.append(
                f"{name}: {d['leaked']} visible code block(s) show '# BEGIN SOLUTION': tag the solution cell hide-input"
            )
    _fail_if(problems, "dropdowns")


def test_no_traceback_or_not_implemented(crawl):
    problems = []
    for name, info in crawl["pages"].items():
        if "Traceback (most recent call last)" in info["body"]:
            problems.append(f"{name}: the page shows a traceback")
        for marker in ("Traceback (most recent call last)", "NotImplementedError"):
            if marker in info["outputs"]:
                problems.append(f"{name}: a cell output contains {marker!r}")
        if info["errorOutputs"]:
            problems.append(f"{name}: {info['errorOutputs']} error output(s)")
    _fail_if(problems, "errors shown in the book")


def test_mathjax_renders_offline(crawl):
    problems, with_math = [], 0
    for name, info in crawl["pages"].items():
        if not info["math"]:
            continue
        with_math += 1
        mj = info["mathjax"]
        if mj is None:
            problems.append(f"{name}: {info['math']} math elements but no MathJax loaded")
            continue
        if mj["containers"] == 0 or mj["rendered"] < mj["math"]:
            problems.append(
                f"{name}: {mj['rendered']} of {mj['math']} math elements rendered "
                f"(not rendered: {mj['unrendered']})"
            )
        if mj["merror"]:
            problems.append(f"{name}: {mj['merror']} MathJax errors (bad TeX)")
    _fail_if(problems, "math")
    assert with_math > 0, "no page with math: the MathJax check checked nothing"


def test_no_console_or_page_errors(crawl):
    _fail_if(crawl["pageerrors"], "uncaught errors in the pages")
    _fail_if(crawl["console"], "console errors")


def test_glossary_draws_cjk_glyphs(crawl):
    glossary = [info for name, info in crawl["pages"].items() if name.endswith("glossary")]
    if not glossary:
        pytest.skip("no glossary page in the toc")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei): Chromium would draw boxes")
    cjk = glossary[0]["cjk"]
    assert cjk["zh"] and cjk["ko"] and not cjk["blank"], (
        f"CJK characters draw as identical boxes in {cjk['font']!r}: {cjk}"
    )
