"""Checkout palette and primitives: test ids, inputs, buttons, inline errors."""

from __future__ import annotations

import reflex as rx

from paygate_app.components.checkout_state import CheckoutPageState as S

ACCENT = "#4f46e5"
ACCENT_DARK = "#4338ca"
INK = "#0f172a"
MUTED = "#64748b"
LINE = "#e2e8f0"
DANGER = "#dc2626"
SUCCESS = "#16a34a"


def tid(name: str) -> dict:
    return {"data-test-id": name}


# Client-side hints only: digits-only fields, card number grouped by 4 (Amex 4-6-5), the "/" of
# MM/YY, and the network shown as you type. Delegated on document, installed once, no state.
INPUT_HINTS_JS = r"""
(() => {
  if (window.__paygateCheckoutHints) return;
  window.__paygateCheckoutHints = true;
  const brand = (d) => /^4/.test(d) ? "Visa" : /^5[1-5]/.test(d) ? "Mastercard"
    : /^3[47]/.test(d) ? "Amex" : /^(60|65|8[1-9])/.test(d) ? "RuPay" : "";
  document.addEventListener("input", (ev) => {
    const el = ev.target;
    if (!(el instanceof HTMLInputElement)) return;
    const id = el.getAttribute("data-test-id");
    if (id === "card-number-input") {
      const d = el.value.replace(/\D/g, "").slice(0, 19);
      const groups = /^3[47]/.test(d) ? [4, 6, 5] : [4, 4, 4, 4, 3];
      const out = []; let i = 0;
      for (const g of groups) { if (i >= d.length) break; out.push(d.slice(i, i + g)); i += g; }
      el.value = out.join(" ");
      const tag = document.querySelector("[data-card-brand]");
      if (tag) tag.textContent = brand(d);
    } else if (id === "expiry-input") {
      const deleting = ev.inputType && ev.inputType.startsWith("delete");
      let d = el.value.replace(/\D/g, "").slice(0, 4);
      if (d.length === 1 && d > "1") d = "0" + d;
      el.value = d.length > 2 || (d.length === 2 && !deleting) ? d.slice(0, 2) + "/" + d.slice(2) : d;
    } else if (id === "cvv-input") {
      el.value = el.value.replace(/\D/g, "").slice(0, 4);
    }
  }, true);
})()
"""


# ---- small pieces ------------------------------------------------------------------------------


def field_label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=html_for,
        style={
            "font_size": "13px",
            "font_weight": "600",
            "color": "#334155",
            "display": "block",
            "margin_bottom": "6px",
        },
    )


def hint(text: str) -> rx.Component:
    return rx.text(text, size="1", style={"color": MUTED, "margin_top": "6px"})


def inline_error(field: str) -> rx.Component:
    """The validation message under the field it concerns (field "" = general, under the button)."""
    return rx.cond(
        (S.form_error != "") & (S.form_error_field == field),
        rx.flex(
            rx.icon("circle-alert", size=14, style={"flex_shrink": "0", "margin_top": "2px"}),
            rx.text(S.form_error, size="2"),
            gap="6px",
            align="start",
            role="alert",
            custom_attrs={"data-test-id": "validation-error", "data-error-code": S.form_error_code},
            style={"color": DANGER, "margin_top": "6px"},
        ),
    )


def text_input(field: str, test_id: str, **props) -> rx.Component:
    invalid = (S.form_error != "") & (S.form_error_field == field)
    return rx.el.input(
        id=field,
        name=field,
        custom_attrs={"data-test-id": test_id, "aria-invalid": rx.cond(invalid, "true", "false")},
        style={
            "width": "100%",
            "height": "46px",
            "padding": "0 14px",
            "font_size": "16px",  # 16px: no zoom-on-focus on iOS
            "color": INK,
            "background": "white",
            "border": rx.cond(invalid, f"1.5px solid {DANGER}", f"1px solid {LINE}"),
            "border_radius": "10px",
            "outline": "none",
            "transition": "border-color .15s, box-shadow .15s",
            "_focus": {"border_color": ACCENT, "box_shadow": "0 0 0 3px rgba(79,70,229,.15)"},
            "_placeholder": {"color": "#94a3b8"},
        },
        **props,
    )


def primary_button(label, test_id: str, **props) -> rx.Component:
    return rx.button(
        label,
        size="4",
        width="100%",
        custom_attrs=tid(test_id),
        style={"background": ACCENT, "font_weight": "600", "cursor": "pointer", "_hover": {"background": ACCENT_DARK}},
        **props,
    )


def secondary_button(label, test_id: str, **props) -> rx.Component:
    return rx.button(
        label,
        size="3",
        width="100%",
        variant="soft",
        color_scheme="gray",
        custom_attrs=tid(test_id),
        style={"cursor": "pointer"},
        **props,
    )


def status_icon(name: str, color: str, background: str) -> rx.Component:
    return rx.center(
        rx.icon(name, size=30, color=color),
        style={"width": "64px", "height": "64px", "border_radius": "50%", "background": background},
    )


# ---- order summary -----------------------------------------------------------------------------
