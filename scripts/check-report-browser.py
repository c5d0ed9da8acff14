#!/usr/bin/env python3
"""Checks a report/html page in headless Chromium, with the standard library only.

usage: check-report-browser.py REPORT.html [--checks figures,phone,print,network] [--keep DIR]

Drives Chromium through the DevTools protocol over a pipe (--remote-debugging-pipe: no port, no
socket) and finds everything to check from the page itself, so it holds for any report:
- figures: every <figure> holds a graphic, and every <svg>/<img>/<canvas> drew: non-white pixels
  inside its own box (found with getBoundingClientRect, cut from a screenshot of that box);
- phone: at 400 CSS px the page is no wider than the screen (wide figures and tables scroll inside
  their own box) and no SVG text is drawn smaller than 9 CSS px (font size x the SVG's scale);
- print: printed to A4 (Page.printToPDF, the page's own @page), no figure is split across pages:
  white marker text at the top and bottom of each figure's box must land on the same PDF page
  (poppler-utils' pdftotext; it and Debian's chromium are installed when missing). The one
  exception, as README's report section says: small multiples (a .facet-grid declaring its
  columns in --cols) taller than a printed page even when printed in those columns, measured laid
  out for print, may break between rows of panels, each panel whole and each row on one page;
- network: the page has a Content-Security-Policy with default-src 'none', and the Network domain
  sees no request but the file itself (and data: URIs).
Each problem is one line naming the figure or table (its number and title) and what is wrong;
the exit status is 1 when there is any, 2 when the browser could not be driven.
"""
import base64, fcntl, json, os, re, select, shutil, struct, subprocess, sys, tempfile, time, zlib

PHONE_WIDTH, MIN_TEXT_PX, MIN_INK = 400, 9.0, 0.005

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngread import read_png  # noqa: E402

INK = bytes(1 if v < 245 else 0 for v in range(256))

def ink_fraction(png):
    """The fraction of pixels that are not (near) white."""
    width, height, channels, rows = read_png(png)
    inked = 0
    for row in rows:
        t = row.translate(INK)
        inked += (int.from_bytes(t[0::channels], "big") | int.from_bytes(t[1::channels], "big")
                  | int.from_bytes(t[2::channels], "big")).bit_count()
    return inked / max(1, width * height)

class Browser:
    """Headless Chromium with one page, spoken to over --remote-debugging-pipe."""

    def __init__(self, profile):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or debian_tool("chromium", "chromium")
        to_browser, self.commands = os.pipe()
        self.replies, from_browser = os.pipe()
        low = (to_browser, from_browser)
        # Chromium reads commands on fd 3 and writes replies on fd 4; lift both ends above 4 first
        # so that neither dup2 clobbers the other, and dup2 leaves the copies inheritable.
        to_browser, from_browser = fcntl.fcntl(to_browser, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(from_browser, fcntl.F_DUPFD_CLOEXEC, 10)
        def fds():
            os.dup2(to_browser, 3); os.dup2(from_browser, 4)
        self.log = open(os.path.join(profile, "chromium.log"), "wb")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             f"--user-data-dir={profile}", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--hide-scrollbars", "--font-render-hinting=none", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, preexec_fn=fds, close_fds=False)
        os.close(to_browser); os.close(from_browser); os.close(low[0]); os.close(low[1])
        self.buffer, self.next_id, self.events, self.session = b"", 0, [], None
        target = self.send("Target.createTarget", url="about:blank", session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True, session=False)["sessionId"]

    def _message(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.replies], [], [], left)[0]:
                raise RuntimeError("chromium did not answer in time")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk: raise RuntimeError("chromium closed its DevTools pipe")
            self.buffer += chunk
        text, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(text)

    def send(self, method, session=True, timeout=60, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session and self.session: message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply: raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply: self.events.append(reply)

    def wait_for(self, event, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["method"] == event: return e
            self.events.append(self._message(deadline))

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("page script failed: " + json.dumps(result["exceptionDetails"])[:400])
        return result["result"].get("value")

    def close(self):
        try: self.send("Browser.close", session=False, timeout=10)
        except Exception: pass
        try: self.process.wait(timeout=10)
        except subprocess.TimeoutExpired: self.process.kill()

# Names an element as a reader would: "Figure 3 (Overall survival …)", "Table 2 (…)", or its tag.
NAME_JS = r"""
var sfName = el => {
  const holder = el.closest('figure') || el.closest('.table') || el.closest('table');
  const words = s => (s || '').replace(/\s+/g, ' ').trim();
  if (holder) {
    const cap = holder.querySelector('figcaption, caption');
    const label = cap && cap.querySelector('.label') ? words(cap.querySelector('.label').textContent).replace(/[.:]$/, '') : '';
    const strong = cap && cap.querySelector('strong') ? words(cap.querySelector('strong').textContent).replace(/\.$/, '') : '';
    const title = strong || words(cap ? cap.textContent : '').slice(0, 60);
    const kind = holder.tagName === 'FIGURE' ? 'figure' : 'table';
    if (label || holder.id) return title ? `${label || `${kind} '${holder.id}'`} (${title})` : label || `${kind} '${holder.id}'`;
  }
  const section = el.closest('section');
  const heading = section && section.querySelector('h2') ? words(section.querySelector('h2').textContent) : '';
  const tag = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  return `<${tag}>` + (heading ? ` in section '${heading}'` : '');
};
"""

GRAPHICS_JS = NAME_JS + r"""
(() => {
  const out = [];
  for (const f of document.querySelectorAll('figure'))
    if (!f.querySelector('svg, img, canvas')) out.push({name: sfName(f), missing: true});
  for (const g of document.querySelectorAll('svg, img, canvas')) {
    if (g.ownerSVGElement) continue;
    const r = g.getBoundingClientRect();
    out.push({name: sfName(g), tag: g.tagName.toLowerCase(), x: r.left + scrollX, y: r.top + scrollY,
              width: r.width, height: r.height,
              broken: g.tagName === 'IMG' && !(g.complete && g.naturalWidth > 0)});
  }
  return out;
})()
"""

PHONE_JS = NAME_JS + r"""
(() => {
  const vw = document.documentElement.clientWidth, problems = [], flagged = new Set();
  const scroller = el => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o !== 'visible') return {el: a, scrolls: o === 'auto' || o === 'scroll'};
    }
    return null;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.ownerSVGElement) continue;
    let a = el.parentElement, inside = false;
    for (; a; a = a.parentElement) if (flagged.has(a)) { inside = true; break; }
    if (inside) continue;
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || (r.right <= vw + 0.5 && r.left >= -0.5)) continue;
    const s = scroller(el);
    if (s && s.scrolls) {
      const b = s.el.getBoundingClientRect();
      if (b.right <= vw + 0.5 && b.left >= -0.5) continue;
    }
    flagged.add(el);
    const what = el.tagName === 'TABLE' || el.closest('.table') ? 'table' : el.closest('figure') ? 'figure' : 'element';
    problems.push(`${sfName(el)}: <${el.tagName.toLowerCase()}> spans ${Math.round(r.left)}-${Math.round(r.right)} px, past the ` +
      `${vw} px screen, ` + (s && !s.scrolls ? `and is cut off (its box hides the overflow instead of scrolling)`
      : `and widens the page (the ${what} needs a box that scrolls: overflow-x:auto)`));
  }
  // Text that does not wrap (a long word or path) sticks out of a box that fits.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.ownerSVGElement || el.tagName === 'svg' || !node.textContent.trim()) continue;
    let a = el, inside = false;
    for (; a; a = a.parentElement) if (flagged.has(a)) { inside = true; break; }
    if (inside) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || (r.right <= vw + 0.5 && r.left >= -0.5)) continue;
    const s = scroller({parentElement: el});
    if (s && s.scrolls) {
      const b = s.el.getBoundingClientRect();
      if (b.right <= vw + 0.5 && b.left >= -0.5) continue;
    }
    flagged.add(el);
    problems.push(`${sfName(el)}: the text '${node.textContent.trim().slice(0, 40)}' spans ${Math.round(r.left)}-` +
      `${Math.round(r.right)} px, past the ${vw} px screen, and ` + (s && !s.scrolls ? 'is cut off' : 'widens the page') +
      ' (it does not wrap: break it, or put it in a box that scrolls)');
  }
  const sw = document.documentElement.scrollWidth;
  if (sw > vw + 0.5 && !problems.length) problems.push(`the page is ${sw} px wide, past the ${vw} px screen`);
  const small = new Map();
  for (const t of document.querySelectorAll('svg text, svg tspan')) {
    if (!t.textContent.trim() || !t.getClientRects().length) continue;
    const style = getComputedStyle(t);
    if (style.visibility !== 'visible' || style.display === 'none') continue;
    const m = t.getScreenCTM();
    if (!m) continue;
    const px = parseFloat(style.fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    if (px >= %MIN%) continue;
    const name = sfName(t), seen = small.get(name);
    if (!seen || seen.px > px)
      small.set(name, {px, text: t.textContent.trim().slice(0, 40), size: style.fontSize, count: seen ? seen.count : 0});
    small.get(name).count += 1;
  }
  for (const [name, s] of small)
    problems.push(`${name}: SVG text drawn at ${s.px.toFixed(1)} CSS px, under %MIN% px ('${s.text}', font-size ` +
      `${s.size} scaled down with the SVG; ${s.count} text element(s) too small)`);
  return {width: vw, scrollWidth: sw, problems};
})()
""".replace("%MIN%", str(MIN_TEXT_PX))

# The printable box of a page, in CSS px, from the page's own @page rule (size and margins; A4
# and Chromium's default margins where it sets none), measured with probe elements.
PAGE_JS = r"""
(() => {
  let size = '', margins = {};
  for (const sheet of document.styleSheets) {
    let rules; try { rules = sheet.cssRules; } catch (e) { continue; }
    const walk = list => { for (const r of list) {
      if (r.type === CSSRule.PAGE_RULE) {
        if (r.style.size) size = r.style.size;
        for (const side of ['Top', 'Right', 'Bottom', 'Left']) if (r.style['margin' + side]) margins[side] = r.style['margin' + side];
      } else if (r.cssRules) walk(r.cssRules);
    } };
    walk(rules);
  }
  const px = length => {
    const probe = document.createElement('div');
    probe.style.cssText = `position:absolute;visibility:hidden;width:${length};height:0`;
    document.body.appendChild(probe);
    const w = probe.getBoundingClientRect().width; probe.remove(); return w;
  };
  const named = {a4: ['210mm', '297mm'], letter: ['8.5in', '11in'], a5: ['148mm', '210mm'], a3: ['297mm', '420mm']};
  const words = size.toLowerCase().split(/\s+/).filter(Boolean);
  let [w, h] = named.a4;
  if (words.length && named[words[0]]) [w, h] = named[words[0]];
  else if (words.length >= 2 && !named[words[1]]) [w, h] = [words[0], words[1]];
  if (words.includes('landscape')) [w, h] = [h, w];
  const m = side => px(margins[side] || '0.4in');
  return {width: px(w) - m('Left') - m('Right'), height: px(h) - m('Top') - m('Bottom')};
})()
"""

# Marks the top and bottom of every figure, and of each panel of a figure of panels, with white
# text that pdftotext finds on its printed page; measured with the page laid out for print at the
# page's width, so a figure of panels taller than a printed page is known ('tall').
MARK_JS = NAME_JS + r"""
((pageHeight) => {
  const marks = [], figures = [];
  const mark = box => {
    if (getComputedStyle(box).position === 'static') box.style.position = 'relative';
    for (const [edge, place] of [['T', 'top:0'], ['B', 'bottom:0']]) {
      const m = document.createElement('span');
      m.textContent = `SFMARK${marks.length}${edge}`;
      m.setAttribute('style', `position:absolute;left:0;${place};font:5px/1 monospace;color:#fff;white-space:nowrap`);
      box.appendChild(m);
    }
    marks.push(box);
    return marks.length - 1;
  };
  for (const f of document.querySelectorAll('figure')) {
    const height = f.getBoundingClientRect().height, panels = [...f.querySelectorAll('.panel')];
    // Small multiples declare their columns (--cols on .facet-grid); count those they print in.
    const grid = f.querySelector('.facet-grid');
    const cols = grid ? parseInt(getComputedStyle(grid).getPropertyValue('--cols')) || 0 : 0;
    const printed = new Set(panels.map(p => Math.round(p.getBoundingClientRect().left))).size;
    const entry = {name: sfName(f), mark: mark(f), height, tall: height > pageHeight, cols, printed, panels: []};
    if (panels.length >= 2) panels.forEach((p, k) => {
      const label = p.querySelector('.strip, .note');
      entry.panels.push({name: `${entry.name}: panel ${k + 1}` + (label ? ` '${label.textContent.trim()}'` : ''),
                         row: Math.round(p.getBoundingClientRect().top), mark: mark(p)});
    });
    figures.push(entry);
  }
  return figures;
})(%PAGE_HEIGHT%)
"""

def check_figures(browser, keep):
    problems = []
    browser.send("Emulation.setDeviceMetricsOverride", width=1000, height=900, deviceScaleFactor=1, mobile=False)
    for g in browser.evaluate(GRAPHICS_JS):
        if g.get("missing"):
            problems.append(f"{g['name']}: the figure holds no <svg>, <img> or <canvas>"); continue
        if g["broken"]:
            problems.append(f"{g['name']}: its <img> did not decode (broken or empty image data)"); continue
        if g["width"] < 4 or g["height"] < 4:
            problems.append(f"{g['name']}: its <{g['tag']}> has an empty box ({g['width']:.0f}x{g['height']:.0f} px)"); continue
        clip = {"x": g["x"], "y": g["y"], "width": g["width"], "height": g["height"], "scale": 1}
        png = base64.b64decode(browser.send("Page.captureScreenshot", format="png", clip=clip,
                                            captureBeyondViewport=True, optimizeForSpeed=True)["data"])
        if keep:
            with open(os.path.join(keep, f"graphic-{len(os.listdir(keep))}.png"), "wb") as f: f.write(png)
        ink = ink_fraction(png)
        if ink < MIN_INK:
            problems.append(f"{g['name']}: its <{g['tag']}> drew nothing: {ink:.2%} of its "
                            f"{g['width']:.0f}x{g['height']:.0f} px box is not white (at least {MIN_INK:.1%} expected)")
    return problems

def check_phone(browser):
    browser.send("Emulation.setDeviceMetricsOverride", width=PHONE_WIDTH, height=800, deviceScaleFactor=2, mobile=True)
    result = browser.evaluate(PHONE_JS)
    browser.send("Emulation.clearDeviceMetricsOverride")
    return [f"phone {PHONE_WIDTH} px: {p}" for p in result["problems"]]

def debian_tool(command, package):
    """The path of `command`, installing Debian's `package` first when it is missing (as render-report.sh does)."""
    if not shutil.which(command):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"check-report-browser: installing {package}", file=sys.stderr)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=900",
                               "--no-install-recommends", package], check=True, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which(command)

def check_print(browser, profile, keep):
    """No figure split across printed pages, except a figure of panels taller than a page, which may
    break between rows of panels only (README, report/html): each panel whole, each row on one page."""
    page = browser.evaluate(PAGE_JS)
    browser.send("Emulation.setEmulatedMedia", media="print")
    browser.send("Emulation.setDeviceMetricsOverride", width=int(page["width"]), height=int(page["height"]),
                 deviceScaleFactor=1, mobile=False)
    figures = browser.evaluate(MARK_JS.replace("%PAGE_HEIGHT%", str(page["height"])))
    browser.send("Emulation.clearDeviceMetricsOverride")
    browser.send("Emulation.setEmulatedMedia", media="")
    pdf = base64.b64decode(browser.send("Page.printToPDF", preferCSSPageSize=True, paperWidth=8.27,
                                        paperHeight=11.69, printBackground=True)["data"])
    path = os.path.join(keep or profile, "report.pdf")
    with open(path, "wb") as f: f.write(pdf)
    text = subprocess.run([debian_tool("pdftotext", "poppler-utils"), "-raw", path, "-"], check=True, capture_output=True, text=True).stdout
    pages = {}
    for number, page_text in enumerate(text.split("\f"), 1):
        for i, edge in re.findall(r"SFMARK(\d+)([TB])", page_text):
            pages.setdefault((int(i), edge), number)
    problems = []
    def span(entry):
        top, bottom = pages.get((entry["mark"], "T")), pages.get((entry["mark"], "B"))
        if top is None or bottom is None:
            problems.append(f"print A4: {entry['name']}: not found in the printed PDF (hidden or cut off when printed)")
        return top, bottom
    for figure in figures:
        top, bottom = span(figure)
        if top is None or bottom is None or top == bottom: continue
        wanted = min(figure["cols"], len(figure["panels"]))
        if not figure["cols"] or not figure["panels"]:
            why = "a figure must fit on one page: keep break-inside:avoid and make it shorter than the page"
        elif figure["printed"] < wanted:
            why = (f"its panels print in {figure['printed']} column(s), not the {wanted} it asks for (--cols), so it "
                   f"runs over pages; only a figure of panels that cannot fit a page at its full column count may break")
        elif not figure["tall"]:
            why = "its panels fit on one page, so it must not break between them"
        else:
            why = None
        if why:
            problems.append(f"print A4: {figure['name']}: split across pages {top}-{bottom} ({why})")
            continue
        # Taller than a page: it may break between rows of panels, and only there.
        rows = {}
        for panel in figure["panels"]:
            ptop, pbottom = span(panel)
            if ptop is None or pbottom is None: continue
            if ptop != pbottom:
                problems.append(f"print A4: {panel['name']}: split across pages {ptop}-{pbottom} (a figure of panels "
                                f"taller than a page may break between rows of panels, never inside a panel)")
            rows.setdefault(panel["row"], []).append((ptop, panel["name"]))
        for row in rows.values():
            if len({p for p, _ in row}) > 1:
                problems.append(f"print A4: {row[0][1]}: its row is split across pages "
                                f"{min(p for p, _ in row)}-{max(p for p, _ in row)} (panels of one row must print on one page)")
    return problems

def check_network(browser, url):
    problems = []
    csp = browser.evaluate("(document.querySelector('meta[http-equiv=\"Content-Security-Policy\" i]') || {}).content || ''")
    if not re.search(r"default-src\s+'none'", csp):
        problems.append("network: the page has no Content-Security-Policy with default-src 'none' "
                        f"(found '{csp}'); keep report/html's <meta http-equiv=\"Content-Security-Policy\">")
    for directive in filter(None, (d.strip() for d in csp.split(";"))):
        for source in directive.split()[1:]:
            if source.lower() not in ("'none'", "'unsafe-inline'", "data:"):
                problems.append(f"network: the page's Content-Security-Policy lets it load from {source} (in "
                                f"'{directive}'); a report may allow only data: and inline styles")
    seen = set()
    for e in browser.events:
        if e["method"] == "Network.requestWillBeSent":
            asked = e["params"]["request"]["url"]
            if asked != url and not asked.startswith("data:") and asked not in seen:
                seen.add(asked)
                problems.append(f"network: the page requested '{asked[:120]}' (a report must make no request but its own file)")
        elif e["method"] == "Log.entryAdded" and "Content Security Policy" in e["params"]["entry"].get("text", ""):
            problems.append(f"network: the page tried a load its CSP refused: {e['params']['entry']['text'][:200]}")
    return problems

def main():
    args = sys.argv[1:]
    if not args or not os.path.isfile(args[0]):
        print(f"check-report-browser: no such report '{args[0] if args else ''}'; usage: {sys.argv[0]} REPORT.html "
              "[--checks figures,phone,print,network] [--keep DIR]", file=sys.stderr)
        return 2
    html = os.path.realpath(args[0])
    checks = args[args.index("--checks") + 1].split(",") if "--checks" in args else ["figures", "phone", "print", "network"]
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    if keep: os.makedirs(keep, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="report-browser-")
    browser, problems, url = None, [], "file://" + html
    try:
        browser = Browser(profile)
        browser.send("Network.enable"); browser.send("Page.enable"); browser.send("Log.enable")
        browser.send("Network.setCacheDisabled", cacheDisabled=True)
        browser.send("Page.navigate", url=url)
        browser.wait_for("Page.loadEventFired")
        browser.evaluate("document.fonts.ready.then(() => true)")
        # A reader can open every <details> (the provenance appendix): check the page with them open.
        browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true); true")
        if "figures" in checks: problems += check_figures(browser, keep)
        if "phone" in checks: problems += check_phone(browser)
        if "print" in checks: problems += check_print(browser, profile, keep)
        if "network" in checks: problems += check_network(browser, url)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        print(f"check-report-browser: {args[0]}: could not check the page in chromium: {error}", file=sys.stderr)
        if os.path.exists(os.path.join(profile, "chromium.log")):
            print(open(os.path.join(profile, "chromium.log"), errors="replace").read()[-600:], file=sys.stderr)
        return 2
    finally:
        if browser: browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    counts = {}
    for p in problems: counts[p] = counts.get(p, 0) + 1
    for p, n in counts.items(): print(f"{os.path.basename(html)}: {p}" + (f" ({n} times)" if n > 1 else ""))
    if not problems: print(f"{os.path.basename(html)}: {', '.join(checks)} ok")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
