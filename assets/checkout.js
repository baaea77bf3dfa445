/*! Paygate checkout.js - embeddable checkout widget. No dependencies, no build step. */
(function (window, document) {
  "use strict";
  if (window.PaymentGateway) return; // loaded twice: keep the first copy

  // Where this script came from: the gateway, so merchants never set baseUrl.
  var script = document.currentScript || document.querySelector('script[src*="checkout.js"]');
  var SCRIPT_ORIGIN = null;
  try { SCRIPT_ORIGIN = script && script.src ? new URL(script.src, window.location.href).origin : null; } catch (e) { /* ignore */ }

  var MODAL_ID = "payment-gateway-modal";
  var STYLE_ID = "payment-gateway-styles";
  var LOAD_TIMEOUT = 15000; // ms for the checkout to say it is ready before we offer a new window
  var active = null; // the instance whose modal is on the page

  // Every rule is scoped to #payment-gateway-modal and !important, after an `all: initial`
  // reset, so host-page CSS cannot reach in and ours cannot leak out.
  var CSS = [
    "#M,#M *,#M *::before,#M *::after{all:initial!important;box-sizing:border-box!important}",
    "#M{display:block!important;position:fixed!important;top:0!important;left:0!important;width:100%!important;height:100%!important;z-index:2147483647!important}",
    "#M .modal-overlay{display:flex!important;align-items:center!important;justify-content:center!important;position:fixed!important;top:0!important;right:0!important;bottom:0!important;left:0!important;background:rgba(15,23,42,.6)!important;overflow-y:auto!important;overscroll-behavior:contain!important;padding:16px!important}",
    "#M .modal-content{display:block!important;position:relative!important;width:100%!important;max-width:480px!important;height:min(720px,calc(100vh - 32px))!important;min-height:560px!important;margin:auto!important;background:#fff!important;border-radius:12px!important;overflow:hidden!important;box-shadow:0 20px 50px rgba(0,0,0,.3)!important}",
    "#M iframe{display:block!important;width:100%!important;height:100%!important;border:0!important;background:#fff!important}",
    "#M .pg-loading iframe{visibility:hidden!important}",
    "#M .pg-note{display:none!important;position:absolute!important;top:0!important;left:0!important;right:0!important;bottom:0!important;padding:64px 32px!important;text-align:center!important;font:15px/1.5 system-ui,sans-serif!important;color:#334155!important;background:#fff!important}",
    "#M .pg-loading .pg-note,#M .pg-problem .pg-note{display:block!important}",
    "#M .pg-problem iframe{display:none!important}",
    "#M .pg-note strong{display:block!important;font:600 18px/1.4 system-ui,sans-serif!important;color:#0f172a!important;margin-bottom:8px!important}",
    "#M .pg-note span{display:block!important;font:inherit!important;color:inherit!important}",
    "#M .pg-note a{display:inline-block!important;margin-top:20px!important;padding:12px 20px!important;border-radius:8px!important;background:#4f46e5!important;color:#fff!important;font:600 15px/1 system-ui,sans-serif!important;text-decoration:none!important;cursor:pointer!important}",
    "#M .pg-note a:focus-visible{outline:2px solid #1e1b4b!important;outline-offset:2px!important}",
    "#M .close-button{display:flex!important;align-items:center!important;justify-content:center!important;position:absolute!important;top:8px!important;right:8px!important;width:32px!important;height:32px!important;border-radius:16px!important;background:rgba(255,255,255,.9)!important;color:#334155!important;font:20px/1 system-ui,sans-serif!important;cursor:pointer!important;z-index:1!important}",
    "#M .close-button:focus-visible{outline:2px solid #2563eb!important}",
    "@media (max-width:520px){#M .modal-overlay{padding:0!important;align-items:stretch!important}#M .modal-content{max-width:none!important;height:100vh!important;height:100dvh!important;min-height:0!important;border-radius:0!important}}"
  ].join("\n").replace(/#M/g, "#" + MODAL_ID);

  function injectStyles() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  // First key present (camelCase or snake_case) in the iframe's data.
  function pick(data, keys, fallback) {
    for (var i = 0; i < keys.length; i++) {
      if (data[keys[i]] !== undefined && data[keys[i]] !== null) return data[keys[i]];
    }
    return fallback === undefined ? null : fallback;
  }

  function safeCall(fn, arg, name) {
    if (typeof fn !== "function") return;
    try { fn(arg); } catch (err) {
      if (window.console) console.error("[PaymentGateway] " + name + " callback threw:", err);
    }
  }

  function nonEmpty(v) { return typeof v === "string" && v.trim() !== ""; }

  function focus(node) {
    if (node) { try { node.focus({ preventScroll: true }); } catch (e) { /* ignore */ } }
  }

  class PaymentGateway {
    constructor(options) {
      var o = options || {};
      if (!nonEmpty(o.key)) throw new Error("PaymentGateway: `key` (your API key, e.g. key_test_...) is required");
      ["onSuccess", "onFailure", "onClose"].forEach(function (name) {
        if (o[name] != null && typeof o[name] !== "function") throw new Error("PaymentGateway: `" + name + "` must be a function");
      });
      var base = o.baseUrl || SCRIPT_ORIGIN;
      if (!base) throw new Error("PaymentGateway: cannot tell where checkout.js was loaded from; pass `baseUrl`");
      var url;
      try { url = new URL(base, window.location.href); } catch (e) {
        throw new Error("PaymentGateway: invalid `baseUrl`: " + base);
      }
      // A missing orderId is reported in the modal and through onFailure when open() is called.
      this.key = o.key;
      this.orderId = nonEmpty(o.orderId) ? o.orderId : "";
      this.options = o;
      this.baseUrl = url.href.replace(/\/+$/, "");
      this.origin = url.origin;
      this.loadTimeout = typeof o.loadTimeout === "number" && o.loadTimeout > 0 ? o.loadTimeout : LOAD_TIMEOUT;
      this.modal = null;
      this.iframe = null;
      this._onMessage = this._handleMessage.bind(this);
      this._onKeydown = this._handleKeydown.bind(this);
      this._onFocusin = this._handleFocusin.bind(this);
    }

    isOpen() { return !!this.modal; }

    // The hosted checkout for a new window: no embedding, no parent.
    hostedUrl() {
      return this.baseUrl + "/checkout?order_id=" + encodeURIComponent(this.orderId) + "&key=" + encodeURIComponent(this.key);
    }

    open() {
      if (this.modal) return this; // already open: never stack modals
      if (!document.body) {
        document.addEventListener("DOMContentLoaded", this.open.bind(this), { once: true });
        return this;
      }
      if (active && active !== this) active.close();
      var stale = document.getElementById(MODAL_ID);
      if (stale) stale.parentNode.removeChild(stale);
      injectStyles();

      var src = this.baseUrl + "/checkout?order_id=" + encodeURIComponent(this.orderId) +
        "&embedded=true&key=" + encodeURIComponent(this.key) +
        "&parent_origin=" + encodeURIComponent(window.location.origin);

      var modal = el("div", { id: MODAL_ID, "data-test-id": "payment-modal" });
      var overlay = el("div", { class: "modal-overlay" });
      var content = el("div", { class: "modal-content pg-loading", role: "dialog", "aria-modal": "true", "aria-label": "Checkout" });
      var iframe = el("iframe", {
        "data-test-id": "payment-iframe", src: src, title: "Secure checkout",
        allow: "payment", referrerpolicy: "origin"
      });
      var note = el("div", { class: "pg-note", "data-test-id": "checkout-status", role: "status" });
      note.appendChild(el("span", {}, "Loading secure checkout\u2026"));
      var closeBtn = el("button", { type: "button", class: "close-button", "data-test-id": "close-modal-button", "aria-label": "Close" }, "\u00d7");
      closeBtn.addEventListener("click", this.close.bind(this));
      // Focus trap: tabbing past either end wraps around inside the modal.
      var first = el("span", { tabindex: "0", "data-focus-guard": "start" });
      var last = el("span", { tabindex: "0", "data-focus-guard": "end" });
      first.addEventListener("focus", function () { focus(closeBtn); });
      last.addEventListener("focus", this._focusInside.bind(this));

      [first, iframe, note, closeBtn, last].forEach(function (n) { content.appendChild(n); });
      overlay.appendChild(content);
      modal.appendChild(overlay);

      this.modal = modal;
      this.content = content;
      this.note = note;
      this.iframe = iframe;
      this.closeBtn = closeBtn;
      this._ready = false;
      this._delivered = {};
      this._lastFocus = document.activeElement;
      this._overflow = [document.documentElement.style.overflow, document.body.style.overflow];
      active = this;

      window.addEventListener("message", this._onMessage, false);
      document.addEventListener("keydown", this._onKeydown, true);
      document.addEventListener("focusin", this._onFocusin, true);
      document.body.appendChild(modal);
      document.documentElement.style.overflow = "hidden";
      document.body.style.overflow = "hidden";
      focus(closeBtn);
      if (!this.orderId) {
        this._problem("BAD_REQUEST_ERROR", "No order to pay", "This checkout was opened without an order (orderId is required).", false);
      } else {
        this._timer = setTimeout(this._timedOut.bind(this), this.loadTimeout);
      }
      return this;
    }

    close() {
      if (!this.modal) return this;
      var modal = this.modal;
      clearTimeout(this._timer);
      window.removeEventListener("message", this._onMessage, false);
      document.removeEventListener("keydown", this._onKeydown, true);
      document.removeEventListener("focusin", this._onFocusin, true);
      this.modal = this.iframe = this.content = this.note = this.closeBtn = null;
      if (active === this) active = null;
      if (modal.parentNode) modal.parentNode.removeChild(modal);
      document.documentElement.style.overflow = this._overflow[0] || "";
      document.body.style.overflow = this._overflow[1] || "";
      var lastFocus = this._lastFocus;
      this._lastFocus = null;
      if (lastFocus && typeof lastFocus.focus === "function" && document.contains(lastFocus)) focus(lastFocus);
      safeCall(this.options.onClose, undefined, "onClose");
      return this;
    }

    _focusInside() {
      if (!this.modal) return;
      var link = this.note && this.note.querySelector("a");
      focus(this._ready ? this.iframe : link || this.closeBtn);
    }

    _handleFocusin(event) {
      if (this.modal && !this.modal.contains(event.target)) this._focusInside();
    }

    _handleKeydown(event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.stopPropagation();
        this.close();
      }
    }

    _markReady() {
      if (this._ready || !this.content) return;
      this._ready = true;
      clearTimeout(this._timer);
      this.content.className = "modal-content";
      if (!this.modal.contains(document.activeElement) || document.activeElement === this.closeBtn) focus(this.iframe);
    }

    // The checkout cannot be shown here: say so in the modal, offer the hosted page, report once.
    _problem(code, title, text, offerWindow) {
      if (!this.content || this._failedToLoad) return;
      this._failedToLoad = true;
      clearTimeout(this._timer);
      this.content.className = "modal-content pg-problem";
      this.note.textContent = "";
      this.note.setAttribute("role", "alert");
      this.note.appendChild(el("strong", {}, title));
      this.note.appendChild(el("span", { "data-test-id": "checkout-problem-message" }, text));
      if (offerWindow) {
        var link = el("a", { href: this.hostedUrl(), target: "_blank", rel: "noopener", "data-test-id": "open-checkout-window" }, "Open checkout in a new window");
        this.note.appendChild(link);
        focus(link);
      }
      safeCall(this.options.onFailure, { paymentId: null, code: code, description: text }, "onFailure");
    }

    _timedOut() {
      if (this._ready) return;
      this._problem("CHECKOUT_UNAVAILABLE", "Checkout could not load here",
        "Your browser did not let the secure checkout start inside this page. You can pay in a new window instead.", true);
    }

    _handleMessage(event) {
      // Only our checkout, in our iframe, on the gateway origin may talk to us.
      if (!this.iframe || event.origin !== this.origin || event.source !== this.iframe.contentWindow) return;
      var msg = event.data;
      if (typeof msg === "string") {
        try { msg = JSON.parse(msg); } catch (e) { return; }
      }
      if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
      var d = msg.data && typeof msg.data === "object" ? msg.data : {};
      if (this._failedToLoad) return; // the shopper was already sent to a new window
      this._markReady();

      if (msg.type === "payment_success" || msg.type === "payment_failed" || msg.type === "checkout_error") {
        var paymentId = pick(d, ["paymentId", "payment_id", "id"]);
        var dedupe = msg.type + ":" + paymentId;
        if (this._delivered[dedupe] && (paymentId || msg.type === "checkout_error")) return; // one callback per payment
        this._delivered[dedupe] = true;
        if (msg.type === "payment_success") {
          safeCall(this.options.onSuccess, {
            paymentId: paymentId,
            orderId: pick(d, ["orderId", "order_id"], this.orderId),
            status: pick(d, ["status"], "success")
          }, "onSuccess");
        } else {
          var error = {
            paymentId: paymentId,
            code: pick(d, ["code", "errorCode", "error_code"], "PAYMENT_FAILED"),
            description: pick(d, ["description", "errorDescription", "error_description"], "Payment failed")
          };
          if (d.reason) error.reason = d.reason;
          safeCall(this.options.onFailure, error, "onFailure");
        }
      } else if (msg.type === "close_modal") {
        this.close();
      }
    }
  }

  window.PaymentGateway = PaymentGateway;
})(window, document);
