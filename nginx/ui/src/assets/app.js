// Onboarding page: endpoint URL, copy button, and the payload preview through mapOrder.
// Loaded as an external script only (the CSP forbids inline scripts); all text from the server
// or the user is written with textContent, never as HTML.
(() => {
  "use strict";

  const PREVIEW_PATH = "/integrations/preview/order";

  const EXAMPLE = {
    type: "order.created",
    timestamp: "2026-11-24T10:15:00Z",
    data: {
      orderNumber: "SO-100234",
      customer: { id: "C-4711", name: "Müller GmbH", email: "einkauf@mueller.example", vatId: "DE123456789" },
      shipTo: { street: "Hauptstr. 5", postalCode: "10115", city: "Berlin", country: "DE" },
      items: [{ articleNo: "A-100", description: "Widget", quantity: 3, unitPrice: "19.99", currency: "EUR" }],
      requestedDeliveryDate: "2026-12-01",
      note: "Ring twice"
    }
  };

  // Words for the customer's field names, used to turn a JSON pointer into a phrase.
  const FIELD_NAMES = {
    type: "Event type", timestamp: "Event timestamp", data: "Order",
    orderNumber: "Order number", customer: "Customer", id: "ID", name: "Name", email: "E-mail",
    vatId: "VAT ID", shipTo: "Shipping address", street: "Street", postalCode: "Postal code",
    city: "City", country: "Country", items: "Items", articleNo: "Article number",
    description: "Description", quantity: "Quantity", unitPrice: "Unit price", currency: "Currency",
    requestedDeliveryDate: "Requested delivery date", note: "Note", reason: "Reason"
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // "#/data/items/0/quantity" -> "Items › item 1 › Quantity" (RFC 6901 unescaping).
  function describePointer(pointer) {
    const path = String(pointer || "").replace(/^#/, "");
    if (path === "" || path === "/") return "The whole payload";
    const parts = path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const words = [];
    parts.forEach((part, index) => {
      if (index === 0 && part === "data" && parts.length > 1) return;
      if (/^\d+$/.test(part)) {
        const previous = words.pop();
        words.push((previous === "Items" ? "Item " : (previous ? previous + " " : "Entry ")) + (Number(part) + 1));
        return;
      }
      words.push(FIELD_NAMES[part] || part);
    });
    return words.join(" › ");
  }

  // Money stays a decimal string end to end: exact arithmetic on scaled BigInts, no floats.
  function parseDecimal(text) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text));
    if (!match) return null;
    const fraction = match[3] || "";
    return { units: BigInt(match[1] + match[2] + fraction), scale: fraction.length };
  }
  function formatDecimal({ units, scale }) {
    const negative = units < 0n;
    let digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
    if (scale > 0) digits = digits.slice(0, -scale) + "." + digits.slice(-scale);
    return (negative ? "-" : "") + digits;
  }
  function multiply(decimal, quantity) {
    return { units: decimal.units * BigInt(quantity), scale: decimal.scale };
  }
  function add(a, b) {
    const scale = Math.max(a.scale, b.scale);
    const up = (d) => d.units * 10n ** BigInt(scale - d.scale);
    return { units: up(a) + up(b), scale };
  }

  function money(m) {
    return m && m.amount !== undefined ? `${m.amount} ${m.currency || ""}`.trim() : "—";
  }

  function fillPairs(dl, pairs) {
    for (const [label, value] of pairs) {
      if (value === undefined || value === null || value === "") continue;
      dl.append(el("dt", null, label), el("dd", null, String(value)));
    }
  }

  function renderOrder(order) {
    const fragment = $("order-template").content.cloneNode(true);
    const part = (name) => fragment.querySelector(`[data-part="${name}"]`);
    const title = fragment.querySelector(".result__title");
    const subtitle = fragment.querySelector(".result__subtitle");

    if (!order.buyer && !order.lines) {
      // order.cancelled maps to a cancellation of the order with this reference only.
      title.textContent = `Cancellation of ${order.externalRef}`;
      subtitle.textContent = "This event cancels the order with this reference on our platform.";
      fragment.querySelectorAll(".result__grid, .panel").forEach((n) => n.remove());
      part("raw").textContent = JSON.stringify(order, null, 2);
      return fragment;
    }

    title.textContent = `Order ${order.externalRef}`;
    const lines = Array.isArray(order.lines) ? order.lines : [];
    subtitle.textContent = `This is the order we would create, with ${lines.length} ${lines.length === 1 ? "line" : "lines"}.`;

    const buyer = order.buyer || {};
    fillPairs(part("buyer"), [["Customer no.", buyer.customerNumber], ["Name", buyer.name],
      ["E-mail", buyer.email], ["VAT ID", buyer.vatId]]);
    const delivery = order.delivery || {};
    fillPairs(part("delivery"), [["Street", delivery.street],
      ["City", [delivery.postalCode, delivery.city].filter(Boolean).join(" ")],
      ["Country", delivery.countryCode], ["Requested date", delivery.requestedDate]]);

    let total = null;
    let currency = null;
    let totalKnown = true;
    for (const line of lines) {
      const price = line.unitPrice || {};
      const unit = parseDecimal(price.amount);
      let lineTotal = "—";
      if (unit && Number.isInteger(line.quantity)) {
        const value = multiply(unit, line.quantity);
        lineTotal = `${formatDecimal(value)} ${price.currency || ""}`.trim();
        if (currency === null || currency === price.currency) {
          currency = price.currency;
          total = total ? add(total, value) : value;
        } else {
          totalKnown = false;
        }
      } else {
        totalKnown = false;
      }
      part("lines").append(el("tr", null,
        el("td", null, el("code", null, String(line.sku ?? "—"))),
        el("td", null, String(line.description ?? "")),
        el("td", { class: "num" }, String(line.quantity ?? "—")),
        el("td", { class: "num" }, money(price)),
        el("td", { class: "num" }, lineTotal)));
    }
    part("total").textContent = totalKnown && total ? `${formatDecimal(total)} ${currency || ""}`.trim() : "—";

    if (order.notes) part("notes").textContent = order.notes;
    else part("notes-panel").remove();
    part("raw").textContent = JSON.stringify(order, null, 2);
    return fragment;
  }

  function renderProblem(problem, status) {
    const errors = Array.isArray(problem.errors) ? problem.errors : [];
    const heading = errors.length > 0
      ? `The payload has ${errors.length} ${errors.length === 1 ? "problem" : "problems"}`
      : (problem.title || `The preview failed (HTTP ${status})`);
    const article = el("article", { class: "result result--error", "aria-labelledby": "problem-title" },
      el("h3", { id: "problem-title", class: "result__title", tabindex: "-1" }, heading));
    const explanation = errors.length > 0
      ? "Fix these fields in your ERP's export, then preview again."
      : (problem.detail || explainStatus(status));
    article.append(el("p", { class: "result__subtitle" }, explanation));
    if (errors.length > 0) {
      const list = el("ul", { class: "field-errors" });
      for (const error of errors) {
        list.append(el("li", null,
          el("span", { class: "field-errors__field" }, `${describePointer(error.pointer)}: ${error.detail || "is not valid"}`),
          el("span", { class: "field-errors__pointer" }, `at ${error.pointer || "#"}`)));
      }
      article.append(list);
    }
    return article;
  }

  function explainStatus(status) {
    switch (status) {
      case 413: return "The payload is larger than 256 KiB.";
      case 429: return "Too many previews in a short time. Wait a moment and try again.";
      case 502: case 503: case 504: return "The preview service is not reachable right now. Try again in a minute.";
      default: return "Something went wrong on our side. Try again in a minute.";
    }
  }

  function show(node) {
    const result = $("result");
    result.replaceChildren(node);
    result.setAttribute("aria-busy", "false");
    const title = result.querySelector(".result__title");
    if (title) title.focus({ preventScroll: false });
  }

  function setPayloadError(message) {
    const textarea = $("payload");
    $("payload-error").textContent = message;
    if (message) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
  }

  let busy = false;

  async function preview(event) {
    event.preventDefault();
    if (busy) return;
    const body = $("payload").value;
    if (body.trim() === "") {
      setPayloadError("Paste an order event first, or insert the example.");
      $("payload").focus();
      return;
    }
    setPayloadError("");
    busy = true;
    const button = $("preview-button");
    button.setAttribute("aria-disabled", "true");
    button.textContent = "Previewing…";
    $("result").setAttribute("aria-busy", "true");
    try {
      const response = await fetch(PREVIEW_PATH, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json, application/problem+json" },
        body,
        credentials: "same-origin",
        cache: "no-store"
      });
      const type = response.headers.get("Content-Type") || "";
      const payload = type.includes("json") ? await response.json().catch(() => ({})) : {};
      show(response.ok ? renderOrder(payload) : renderProblem(payload, response.status));
    } catch (error) {
      show(renderProblem({ title: "The preview service could not be reached",
        detail: "Check your network connection and try again." }, 0));
    } finally {
      busy = false;
      button.removeAttribute("aria-disabled");
      button.textContent = "Preview mapping";
    }
  }

  function init() {
    const url = $("webhook-url");
    url.value = new URL(url.dataset.path, window.location.origin).toString();

    document.querySelectorAll("[data-copy]").forEach((button) => {
      button.addEventListener("click", async () => {
        const id = button.dataset.copy;
        const status = document.querySelector(`[data-copy-status="${id}"]`);
        const input = $(id);
        try {
          await navigator.clipboard.writeText(input.value);
          status.textContent = "Copied to the clipboard.";
        } catch {
          input.select();
          status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
        }
      });
    });

    $("example-button").addEventListener("click", () => {
      $("payload").value = JSON.stringify(EXAMPLE, null, 2);
      setPayloadError("");
      $("payload").focus();
    });
    $("preview-form").addEventListener("submit", preview);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
