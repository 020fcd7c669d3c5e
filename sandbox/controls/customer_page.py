"""The customer's phone as one self-contained web page (no external assets).

It only calls the JSON endpoints of :mod:`sandbox.controls.customer_api`, so what a human
clicks is exactly what a test does. All text from the server is inserted with
``textContent``, never as markup.
"""

from __future__ import annotations

from typing import Final

CUSTOMER_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MoMo sandbox - customer phone</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.3rem; }
  form { display: flex; gap: .5rem; margin-bottom: 1rem; }
  input { flex: 1; padding: .4rem; font-size: 1rem; }
  button { padding: .4rem .8rem; font-size: 1rem; cursor: pointer; }
  .item { border: 1px solid #ccc; border-radius: .4rem; padding: .6rem .8rem; margin: .5rem 0; }
  .item .what { font-weight: 600; }
  .item .meta { color: #666; font-size: .85rem; margin: .2rem 0 .5rem; }
  .item button { margin-right: .4rem; }
  #status { color: #555; min-height: 1.2rem; }
</style>
</head>
<body>
<h1>MoMo sandbox &mdash; customer phone</h1>
<p>Type a phone number (or e-mail / party code) to see what is waiting for that customer.</p>
<form id="who">
  <input id="party" placeholder="e.g. 46733123499" autocomplete="off" required>
  <button type="submit">Show</button>
</form>
<div id="status"></div>
<div id="items"></div>
<script>
"use strict";
const base = "/sandbox/customer";
const partyInput = document.getElementById("party");
const itemsBox = document.getElementById("items");
const statusLine = document.getElementById("status");

function say(text) { statusLine.textContent = text; }

function line(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

async function act(url, body) {
  const options = { method: "POST", headers: { "Content-Type": "application/json" } };
  if (body !== undefined) { options.body = JSON.stringify(body); }
  const response = await fetch(url, options);
  const answer = await response.json().catch(() => ({}));
  say(response.ok ? "Done: " + answer.status : "Refused (" + response.status + "): " + (answer.message || ""));
  await refresh();
}

function button(label, onClick) {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = label;
  node.addEventListener("click", onClick);
  return node;
}

function render(item) {
  const box = document.createElement("div");
  box.className = "item";
  let what;
  if (item.kind === "requesttopay") {
    what = "Pay " + item.amount + " " + item.currency;
  } else if (item.kind === "preapproval") {
    what = "Allow future debits in " + item.currency + " for " + item.validityTime + " s";
  } else {
    what = "Invoice " + item.paymentReference + ": " + item.amount + " " + item.currency;
  }
  box.appendChild(line("div", "what", what));
  const note = item.payerMessage || item.description || "";
  if (note) { box.appendChild(line("div", "note", note)); }
  const meta = "from partner " + item.partner + ", created " + item.created +
    (item.expiry ? ", expires " + item.expiry : "");
  box.appendChild(line("div", "meta", meta));
  if (item.kind === "invoice") {
    const payer = partyInput.value.trim();
    const url = base + "/invoices/" + encodeURIComponent(item.paymentReference) + "/pay";
    box.appendChild(button("Pay", () => act(url, { payer })));
  } else {
    const ref = encodeURIComponent(item.referenceId);
    box.appendChild(button("Approve", () => act(base + "/requests/" + ref + "/approve")));
    box.appendChild(button("Reject", () => act(base + "/requests/" + ref + "/reject")));
  }
  return box;
}

async function refresh() {
  const party = partyInput.value.trim();
  if (!party) { return; }
  const response = await fetch(base + "/" + encodeURIComponent(party) + "/requests");
  const items = response.ok ? await response.json() : [];
  itemsBox.replaceChildren(...items.map(render));
  if (items.length === 0) { itemsBox.appendChild(line("p", "empty", "Nothing is waiting for this customer.")); }
}

document.getElementById("who").addEventListener("submit", (event) => { event.preventDefault(); say(""); refresh(); });
setInterval(refresh, 3000);
</script>
</body>
</html>
"""
