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
  var active = null; // the instance whose modal is on the page

  // Every rule is scoped to #payment-gateway-modal and !important, after an `all: initial`
  // reset, so host-page CSS cannot reach in and ours cannot leak out.
  var CSS = [
    "#M,#M *,#M *::before,#M *::after{all:initial!important;box-sizing:border-box!important}",
    "#M{display:block!important;position:fixed!important;top:0!important;left:0!important;width:100%!important;height:100%!important;z-index:2147483647!important}",
    "#M .modal-overlay{display:flex!important;align-items:center!important;justify-content:center!important;position:fixed!important;top:0!important;right:0!important;bottom:0!important;left:0!important;background:rgba(15,23,42,.6)!important;overflow-y:auto!important;padding:16px!important}",
    "#M .modal-content{display:block!important;position:relative!important;width:100%!important;max-width:480px!important;min-height:600px!important;margin:auto!important;background:#fff!important;border-radius:12px!important;overflow:hidden!important;box-shadow:0 20px 50px rgba(0,0,0,.3)!important}",
    "#M iframe{display:block!important;width:100%!important;height:600px!important;min-height:600px!important;border:0!important;background:#fff!important}",
    "#M .close-button{display:flex!important;align-items:center!important;justify-content:center!important;position:absolute!important;top:8px!important;right:8px!important;width:32px!important;height:32px!important;border-radius:16px!important;background:rgba(255,255,255,.9)!important;color:#334155!important;font:20px/1 system-ui,sans-serif!important;cursor:pointer!important;z-index:1!important}",
    "#M .close-button:focus-visible{outline:2px solid #2563eb!important}",
    "@media (max-width:520px){#M .modal-overlay{padding:0!important;align-items:stretch!important}#M .modal-content{max-width:none!important;min-height:100%!important;border-radius:0!important}#M iframe{height:100vh!important}}"
  ].join("\n").replace(/#M/g, "#" + MODAL_ID);

  function injectStyles() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
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

  class PaymentGateway {
    constructor(options) {
      var o = options || {};
      if (!nonEmpty(o.key)) throw new Error("PaymentGateway: `key` (your API key, e.g. key_test_...) is required");
      if (!nonEmpty(o.orderId)) throw new Error("PaymentGateway: `orderId` (an order created on your server) is required");
      ["onSuccess", "onFailure", "onClose"].forEach(function (name) {
        if (o[name] != null && typeof o[name] !== "function") throw new Error("PaymentGateway: `" + name + "` must be a function");
      });
      var base = o.baseUrl || SCRIPT_ORIGIN;
      if (!base) throw new Error("PaymentGateway: cannot tell where checkout.js was loaded from; pass `baseUrl`");
      var url;
      try { url = new URL(base, window.location.href); } catch (e) {
        throw new Error("PaymentGateway: invalid `baseUrl`: " + base);
      }
      this.key = o.key;
      this.orderId = o.orderId;
      this.options = o;
      this.baseUrl = url.href.replace(/\/+$/, "");
      this.origin = url.origin;
      this.modal = null;
      this.iframe = null;
      this._onMessage = this._handleMessage.bind(this);
      this._onKeydown = this._handleKeydown.bind(this);
    }

    isOpen() { return !!this.modal; }

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
      var content = el("div", { class: "modal-content", role: "dialog", "aria-modal": "true", "aria-label": "Checkout" });
      var iframe = el("iframe", {
        "data-test-id": "payment-iframe", src: src, title: "Secure checkout",
        allow: "payment", referrerpolicy: "origin"
      });
      var closeBtn = el("button", { type: "button", class: "close-button", "data-test-id": "close-modal-button", "aria-label": "Close" });
      closeBtn.textContent = "\u00d7";
      closeBtn.addEventListener("click", this.close.bind(this));

      content.appendChild(iframe);
      content.appendChild(closeBtn);
      overlay.appendChild(content);
      modal.appendChild(overlay);

      this.modal = modal;
      this.iframe = iframe;
      this._delivered = {};
      this._lastFocus = document.activeElement;
      this._bodyOverflow = document.body.style.overflow;
      active = this;

      window.addEventListener("message", this._onMessage, false);
      document.addEventListener("keydown", this._onKeydown, true);
      document.body.appendChild(modal);
      document.body.style.overflow = "hidden";
      try { closeBtn.focus({ preventScroll: true }); } catch (e) { /* ignore */ }
      return this;
    }

    close() {
      if (!this.modal) return this;
      var modal = this.modal;
      window.removeEventListener("message", this._onMessage, false);
      document.removeEventListener("keydown", this._onKeydown, true);
      this.modal = null;
      this.iframe = null;
      if (active === this) active = null;
      if (modal.parentNode) modal.parentNode.removeChild(modal);
      document.body.style.overflow = this._bodyOverflow || "";
      var last = this._lastFocus;
      this._lastFocus = null;
      if (last && typeof last.focus === "function" && document.contains(last)) {
        try { last.focus({ preventScroll: true }); } catch (e) { /* ignore */ }
      }
      safeCall(this.options.onClose, undefined, "onClose");
      return this;
    }

    _handleKeydown(event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.stopPropagation();
        this.close();
      }
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

      if (msg.type === "payment_success" || msg.type === "payment_failed") {
        var paymentId = pick(d, ["paymentId", "payment_id", "id"]);
        var dedupe = msg.type + ":" + paymentId;
        if (paymentId && this._delivered[dedupe]) return; // one callback per payment
        this._delivered[dedupe] = true;
        if (msg.type === "payment_success") {
          safeCall(this.options.onSuccess, {
            paymentId: paymentId,
            orderId: pick(d, ["orderId", "order_id"], this.orderId),
            status: pick(d, ["status"], "success")
          }, "onSuccess");
        } else {
          safeCall(this.options.onFailure, {
            paymentId: paymentId,
            code: pick(d, ["code", "errorCode", "error_code"], "PAYMENT_FAILED"),
            description: pick(d, ["description", "errorDescription", "error_description"], "Payment failed")
          }, "onFailure");
        }
      } else if (msg.type === "close_modal") {
        this.close();
      }
    }
  }

  window.PaymentGateway = PaymentGateway;
})(window, document);
