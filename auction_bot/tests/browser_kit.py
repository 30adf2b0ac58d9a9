"""What the phone and journey browser tests share: Debian's Chromium driven by
Playwright, logging a user in by session cookie, and the checks run inside a
page (sideways scrolling, tap target size, labels, text contrast)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from accounts.models import User

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1200, "height": 900}
# WCAG 2.5.5: a target at least 44 × 44 CSS pixels.
MIN_TARGET = 44

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make browser)"
)


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    """Import this into a test module to get the `browser` fixture."""
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse the ORM calls the test makes between page steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(
    browser: Browser,
    live_server,
    *,
    user: User | None = None,
    viewport: dict[str, int] = PHONE,
    locale: str = "en-US",
) -> Page:
    """A fresh browser context (its own cookies), logged in as `user` if given.
    Close it with `page.context.close()`."""
    context: BrowserContext = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale=locale
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def scrolls_sideways(page: Page) -> list[str]:
    """Empty when the page is no wider than the screen; otherwise the elements
    that stick out."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && (r.right > width + 1 || r.left < -1)) {
              out.push(`${el.tagName.toLowerCase()}.${el.className} ` +
                       `[${Math.round(r.left)}, ${Math.round(r.right)}]`);
            }
          }
          return out.slice(0, 10);
        }"""
    )


def small_targets(page: Page) -> list[str]:
    """Visible controls whose tap area is under 44 × 44 px. A checkbox counts with
    its label (tapping either toggles it); a card's stretched link counts as the
    card it covers."""
    return page.evaluate(
        """(min) => {
          const out = [];
          const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
          for (const el of document.querySelectorAll(sel)) {
            if (el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
            const st = getComputedStyle(el);
            if (st.visibility === 'hidden') continue;
            let r = el.getBoundingClientRect();
            if (!r.width || !r.height) continue;
            if (el.classList.contains('stretched-link')) {
              r = el.closest('.card, .position-relative').getBoundingClientRect();
            }
            let box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
            for (const label of el.labels || []) {
              const lr = label.getBoundingClientRect();
              if (!lr.width) continue;
              box = {l: Math.min(box.l, lr.left), t: Math.min(box.t, lr.top),
                     r: Math.max(box.r, lr.right), b: Math.max(box.b, lr.bottom)};
            }
            const w = box.r - box.l, h = box.b - box.t;
            // Sub-pixel rounding: 43.99 is 44.
            if (w < min - 0.5 || h < min - 0.5) {
              const name = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
              out.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(w)}x${Math.round(h)}`);
            }
          }
          return out;
        }""",
        MIN_TARGET,
    )


def unlabelled_fields(page: Page) -> list[str]:
    """Form fields a screen reader would announce without a name, and images
    without an alt attribute (alt="" marks a decorative one)."""
    return page.evaluate(
        """() => {
          const out = [];
          const fields = 'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea';
          for (const el of document.querySelectorAll(fields)) {
            const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') ||
              el.getAttribute('aria-labelledby') || el.getAttribute('title');
            if (!named) out.push(`${el.tagName.toLowerCase()}[name=${el.name}]`);
          }
          for (const img of document.querySelectorAll('img:not([alt])')) out.push(`img ${img.src}`);
          for (const button of document.querySelectorAll('button, a[href]')) {
            // A duplicate link kept out of the accessibility tree needs no name.
            if (button.closest('[aria-hidden=true]')) continue;
            const named = button.textContent.trim() || button.getAttribute('aria-label') ||
              button.getAttribute('title') || button.querySelector('img[alt]:not([alt=""])');
            if (!named) out.push(`${button.tagName.toLowerCase()} without a name: ${button.outerHTML.slice(0, 80)}`);
          }
          return out;
        }"""
    )


def low_contrast(page: Page) -> list[str]:
    """Visible text under WCAG AA contrast (4.5:1, or 3:1 for large text) against
    its background, composited through translucent layers. Text over a picture
    is left out: its contrast cannot be computed from colours."""
    return page.evaluate(
        """() => {
          const parse = (c) => {
            const m = c.match(/rgba?\\(([^)]+)\\)/);
            if (!m) return null;
            const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
            return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
          };
          const over = (top, bottom) => {
            const a = top.a + bottom.a * (1 - top.a);
            const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
            return {r: mix('r'), g: mix('g'), b: mix('b'), a: 1};
          };
          const background = (el) => {
            const layers = [];
            for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
              const st = getComputedStyle(node);
              if (st.backgroundImage !== 'none') return null;
              const c = parse(st.backgroundColor);
              if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
            }
            let bg = {r: 255, g: 255, b: 255, a: 1};
            for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
            return bg;
          };
          const lum = (c) => {
            const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
          };
          const out = [];
          const seen = new Set();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const text = walker.currentNode;
            const el = text.parentElement;
            if (!text.textContent.trim() || !el || seen.has(el)) continue;
            seen.add(el);
            if (el.closest('.visually-hidden, [hidden], [aria-hidden=true], script, style, noscript, option, .disabled, :disabled, .bid-bar-off .bid-bar')) continue;
            const r = el.getBoundingClientRect();
            const st = getComputedStyle(el);
            if (!r.width || !r.height || st.visibility === 'hidden' || st.opacity === '0') continue;
            const bg = background(el);
            if (!bg) continue;
            const fg = over(parse(st.color), bg);
            const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
            const ratio = (hi + 0.05) / (lo + 0.05);
            const size = parseFloat(st.fontSize);
            const large = size >= 24 || (Number(st.fontWeight) >= 700 && size >= 18.66);
            if (ratio < (large ? 3 : 4.5)) {
              out.push(`"${text.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 (${st.color})`);
            }
          }
          return out;
        }"""
    )


def accessibility_problems(page: Page) -> dict[str, list[str]]:
    """Every check at once; an empty dict when the page passes them all."""
    problems = {
        "scrolls sideways": scrolls_sideways(page),
        "targets under 44 px": small_targets(page),
        "without a name": unlabelled_fields(page),
        "low contrast": low_contrast(page),
    }
    return {check: found for check, found in problems.items() if found}
