"""What every page's <head> carries before Reflex's bundle runs.

Reflex's client reads `localStorage` / `sessionStorage` at start-up (its session token, the
colour theme). In a cross-site iframe whose browser blocks third-party storage (Chromium's
default for a fresh profile, Incognito, Brave, Safari, Firefox strict mode) merely reading
`window.localStorage` throws a SecurityError and the app never starts. The checkout lives in
such an iframe on merchant sites, so a classic inline script - which runs before the module
bundle - gives `window` an in-memory Storage for each name that cannot be read. It changes
nothing where storage works (top-level pages, partitioned or allowed third-party storage);
the in-memory copy lasts as long as the page, which is all the checkout needs.
"""

from __future__ import annotations

import reflex as rx

STORAGE_FALLBACK_JS = """
(function () {
  function memoryStorage() {
    var data = new Map();
    return {
      get length() { return data.size; },
      key: function (i) { var k = Array.from(data.keys())[i]; return k === undefined ? null : k; },
      getItem: function (k) { k = String(k); return data.has(k) ? data.get(k) : null; },
      setItem: function (k, v) { data.set(String(k), String(v)); },
      removeItem: function (k) { data.delete(String(k)); },
      clear: function () { data.clear(); }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      var store = window[name];
      store.setItem("__paygate_probe", "1");
      store.removeItem("__paygate_probe");
      return;
    } catch (e) { /* blocked: fall through */ }
    try {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true, enumerable: true });
    } catch (e) { /* nothing more we can do; the SDK's load timeout covers it */ }
  });
})();
"""


def head_components() -> list[rx.Component]:
    return [
        rx.el.script(STORAGE_FALLBACK_JS),  # a plain <script>, prerendered into the HTML (rx.script is client-only)
        rx.el.link(rel="icon", href="/favicon.ico", type="image/x-icon"),
    ]
