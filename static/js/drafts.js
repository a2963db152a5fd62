// Draft cards in the account thread (chat-first ordering). A `draft` event message
// ([data-draft-id] with a [data-draft-slot], built by chat/_message.html and chat.js) shows
// its draft as a card: priced lines, subtotal, delivery date, questions, issues, words not
// understood, status. Drafts come from the page's JSON block ([data-chat-drafts]), from the
// live `draft` socket event, or from GET /api/v1/drafts/{id}; every card of a draft
// re-renders when it changes, and only the newest card of a draft carries the buttons:
// the buyer confirms, edits or discards; the supplier fixes (product, quantity, lines,
// date), confirms for the buyer or sends it back. The supplier inbox's open drafts panel
// ([data-inbox-drafts]) is fetched again when a draft changes. Text from the draft goes
// into the page only as text nodes.
(function () {
  "use strict";

  var LOW = 0.75;  // a line read with less confidence is marked "Check"
  var drafts = {};  // id -> the draft as the API gives it
  var fetching = {};
  var editing = {};  // id -> true while its editor is open (live changes wait)
  var products = {};  // supplier id -> {id: product}, for the editors' pickers
  var FLAGS = { corrected: "Corrected", answered: "Answered", from_history: "Usual" };
  var STATUS = {
    open: ["Open", "draft-status--open"], confirmed: ["Order placed", "draft-status--done"],
    discarded: ["Discarded", "draft-status--closed"], expired: ["Expired", "draft-status--closed"],
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function button(label, className, onClick) {
    var b = el("button", "btn btn--sm " + className, label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function api(path, options) {
    return window.Ordertalk.api(path, options);
  }

  function money(value, currency) {
    if (value === null || value === undefined) return "—";
    var n = Number(value);
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" })
        .format(n);
    } catch (e) {
      return (currency || "") + " " + n.toFixed(2);
    }
  }

  function quantity(q) {
    var n = Number(q);
    return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
  }

  function day(iso) {
    if (!iso) return "";
    var parts = iso.split("-").map(Number);
    var date = new Date(parts[0], parts[1] - 1, parts[2]);
    return date.toLocaleDateString(undefined, { weekday: "long", month: "short", day: "numeric" });
  }

  function errorText(error) {
    if (!error) return "Something went wrong.";
    var fields = error.fields || {};
    var messages = [];
    Object.keys(fields).forEach(function (k) { messages = messages.concat(fields[k]); });
    return messages.length ? messages.join(" ") : (error.message || "Something went wrong.");
  }

  // -- which cards -------------------------------------------------------------------------

  function threadOf(node) {
    var root = node.closest("[data-chat]");
    if (!root) return null;
    var threads = (window.OrdertalkChat && window.OrdertalkChat.threads) || {};
    return {
      root: root, side: root.dataset.side, supplierId: Number(root.dataset.supplierId),
      chat: threads[root.dataset.threadId] || null,
    };
  }

  function cardsOf(id) {
    return Array.prototype.slice.call(
      document.querySelectorAll('[data-chat] [data-draft-id="' + id + '"]'));
  }

  function renderDraft(id) {
    var draft = drafts[id];
    var items = cardsOf(id);
    if (!items.length) return;
    if (!draft) { load(id); return; }
    // A list that was at its end stays there when cards change size.
    var lists = [];
    items.forEach(function (li) {
      var list = li.closest("[data-chat-messages]");
      if (list && lists.indexOf(list) === -1) lists.push(list);
    });
    var atEnd = lists.map(function (list) {
      return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    });
    var newest = items.reduce(function (a, b) {
      return Number(b.dataset.seq || 0) > Number(a.dataset.seq || 0) ? b : a;
    });
    items.forEach(function (li) {
      var slot = li.querySelector("[data-draft-slot]");
      if (!slot) return;
      if (li === newest && editing[id] && slot.querySelector("[data-draft-editor]")) return;
      slot.replaceChildren(card(draft, li === newest, threadOf(li)));
    });
    lists.forEach(function (list, i) { if (atEnd[i]) list.scrollTop = list.scrollHeight; });
  }

  function load(id) {
    if (fetching[id]) return;
    fetching[id] = api("/drafts/" + id).then(function (draft) {
      delete fetching[id];
      update(draft);
    }).catch(function () { delete fetching[id]; });
  }

  function update(draft) {
    drafts[draft.id] = draft;
    renderDraft(draft.id);
  }

  // -- the card ----------------------------------------------------------------------------

  function card(draft, newest, thread) {
    var low = draft.lines.some(function (l) { return (l.confidence || 1) < LOW; });
    var box = el("article", "draft-card" + (newest ? "" : " draft-card--earlier") +
      (draft.status !== "open" ? " draft-card--closed" : "") + (low ? " draft-card--low" : ""));
    box.dataset.draftCard = draft.id;
    box.dataset.status = draft.status;
    if (newest) box.id = "draft-" + draft.id;

    var head = el("header", "draft-card__head");
    head.appendChild(el("span", "draft-card__title", "Draft order #" + draft.id));
    var status = STATUS[draft.status] || [draft.status, ""];
    var label = draft.status === "open" && draft.awaiting_buyer ? "Waiting for the buyer" : status[0];
    var badge = el("span", "draft-status " + status[1], label);
    badge.dataset.draftStatus = draft.status;
    head.appendChild(badge);
    box.appendChild(head);

    if (!newest) {  // an earlier card: one line, the newest card below has the rest
      var lines = draft.lines.length;
      box.appendChild(el("p", "draft-card__summary", lines + " line" + (lines === 1 ? "" : "s") +
        " · " + money(draft.subtotal, draft.currency) + (draft.status === "open" ? " · see below" : "")));
      return box;
    }

    if (draft.lines.length) {
      box.appendChild(linesTable(draft));
      box.appendChild(subtotal(draft));
    }
    if (draft.requested_delivery_date || draft.date_note) {
      var when = el("p", "draft-card__date");
      when.appendChild(el("span", "draft-card__label", "Delivery"));
      when.appendChild(el("strong", null, day(draft.requested_delivery_date) || "to be agreed"));
      if (draft.date_note) when.appendChild(el("span", "draft-card__note", draft.date_note));
      box.appendChild(when);
    }
    if (draft.questions.length) box.appendChild(questions(draft, thread));
    var issues = draft.issues.filter(function (text) {  // the questions are shown above
      return !draft.questions.some(function (q) { return q.prompt === text; });
    });
    if (issues.length || draft.backordered.length) {
      var list = el("ul", "draft-card__issues");
      issues.forEach(function (text) { list.appendChild(el("li", "draft-issue draft-issue--warn", text)); });
      draft.backordered.forEach(function (text) { list.appendChild(el("li", "draft-issue draft-issue--info", text)); });
      box.appendChild(list);
    }
    if (draft.unmatched.length) {
      var unmatched = el("p", "draft-card__unmatched");
      unmatched.appendChild(el("span", "draft-card__label", "Not understood"));
      draft.unmatched.forEach(function (text) { unmatched.appendChild(el("q", "draft-card__fragment", text)); });
      box.appendChild(unmatched);
    }
    if (draft.status === "confirmed" && draft.order_id) {
      var placed = el("p", "draft-card__placed");
      var link = el("a", null, "View the order →");
      link.href = "/orders/" + draft.order_id;
      placed.appendChild(el("span", null, "Order placed. "));
      placed.appendChild(link);
      box.appendChild(placed);
    }
    var error = el("p", "draft-card__error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    error.dataset.draftError = "1";
    box.appendChild(error);
    if (draft.status === "open" && thread) box.appendChild(actions(draft, thread, box));
    return box;
  }

  function linesTable(draft) {
    var table = el("table", "draft-lines");
    var head = el("thead");
    var hr = el("tr");
    [["Qty", "num"], ["Product", ""], ["Price", "num"], ["Total", "num"]].forEach(function (h) {
      hr.appendChild(el("th", h[1], h[0]));
    });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    draft.lines.forEach(function (line) {
      var low = (line.confidence === undefined ? 1 : line.confidence) < LOW;
      var tr = el("tr", "draft-line" + (low ? " draft-line--low" : ""));
      tr.dataset.draftLine = line.sku || "";
      var qty = el("td", "num draft-line__qty");
      qty.appendChild(el("strong", null, quantity(line.quantity)));
      qty.appendChild(el("span", "draft-line__unit", " " + (line.unit || "")));
      tr.appendChild(qty);
      var name = el("td", "draft-line__name");
      name.appendChild(el("span", "draft-line__product", line.name));
      if (low) name.appendChild(el("span", "draft-tag draft-tag--warn", "Check"));
      (line.flags || []).forEach(function (f) {
        if (FLAGS[f]) name.appendChild(el("span", "draft-tag", FLAGS[f]));
      });
      if (line.source_text) name.appendChild(el("span", "draft-line__source", "“" + line.source_text + "”"));
      if (line.note) name.appendChild(el("span", "draft-line__source", line.note));
      tr.appendChild(name);
      tr.appendChild(el("td", "num draft-line__price", money(line.unit_price, draft.currency)));
      tr.appendChild(el("td", "num draft-line__total", money(line.line_total, draft.currency)));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  function subtotal(draft) {
    var row = el("p", "draft-card__subtotal");
    row.appendChild(el("span", "draft-card__label", "Subtotal"));
    var total = el("strong", null, money(draft.subtotal, draft.currency));
    total.dataset.draftSubtotal = "1";
    row.appendChild(total);
    return row;
  }

  function questions(draft, thread) {
    var box = el("div", "draft-card__questions");
    draft.questions.forEach(function (q, index) {
      var item = el("div", "draft-question");
      item.appendChild(el("p", "draft-question__prompt", q.prompt));
      var options = el("ol", "draft-question__options");
      q.options.forEach(function (o) {
        var li = el("li", "draft-option");
        var text = o.number + ". " + o.name + (o.sku ? " (" + o.sku + ")" : "");
        // The buyer answers the first question by its number, as by text message.
        if (index === 0 && draft.status === "open" && thread && thread.side === "buyer" && thread.chat) {
          li.appendChild(button(text, "btn--secondary draft-option__pick", function () {
            thread.chat.sendText(String(o.number));
          }));
        } else {
          li.textContent = text;
        }
        options.appendChild(li);
      });
      item.appendChild(options);
      box.appendChild(item);
    });
    return box;
  }

  // -- actions -----------------------------------------------------------------------------

  function actions(draft, thread, box) {
    var bar = el("div", "draft-card__actions");
    var buyer = thread.side === "buyer";
    var busy = function (on) {
      bar.querySelectorAll("button").forEach(function (b) {
        b.disabled = on || (b === confirm && draft.questions.length > 0);
      });
    };
    var run = function (promise) {
      busy(true);
      showError(box, "");
      return promise.then(function () {
        return api("/drafts/" + draft.id).then(update);
      }).catch(function (error) {
        busy(false);
        showError(box, errorText(error));
      });
    };
    var confirm = button(buyer ? "Confirm order" : "Confirm for the buyer", "btn--primary",
      function () { run(api("/drafts/" + draft.id + "/confirm", { method: "POST" })); });
    confirm.dataset.draftAction = "confirm";
    if (draft.questions.length) {  // the placement would refuse it: answer first
      confirm.disabled = true;
      confirm.title = "Answer the question first";
    }
    var edit = button(buyer ? "Edit" : "Fix", "btn--secondary", function () {
      openEditor(draft, thread, box);
    });
    edit.dataset.draftAction = "edit";
    var discard = button("Discard", "btn--danger-ghost", function () {
      run(api("/drafts/" + draft.id + "/discard", { method: "POST" }));
    });
    discard.dataset.draftAction = "discard";
    bar.appendChild(confirm);
    bar.appendChild(edit);
    if (!buyer && !draft.awaiting_buyer) {
      var back = button("Send back", "btn--secondary", function () {
        run(api("/drafts/" + draft.id, { method: "PATCH", body: { send_back: true } }));
      });
      back.setAttribute("aria-label", "Send back for confirmation");
      back.title = "Ask the buyer to confirm the draft as it is";
      back.dataset.draftAction = "send-back";
      bar.appendChild(back);
    }
    bar.appendChild(discard);
    return bar;
  }

  function showError(box, text) {
    var line = box.querySelector("[data-draft-error]");
    if (!line) return;
    line.textContent = text;
    line.hidden = !text;
  }

  // -- the editor --------------------------------------------------------------------------

  function loadProducts(thread, q) {
    var query = "?limit=200" + (thread.side === "buyer" ? "&supplier_id=" + thread.supplierId : "") +
      (q ? "&q=" + encodeURIComponent(q) : "");
    return api("/products" + query).then(function (page) {
      var known = products[thread.supplierId] = products[thread.supplierId] || {};
      page.items.forEach(function (p) { known[p.id] = p; });
      return page.items;
    });
  }

  function fillSelect(select, items, keep) {
    var value = select.value || keep;
    var seen = {};
    select.replaceChildren();
    items.concat(keep && !items.some(function (p) { return String(p.id) === String(keep); }) ?
      [{ id: keep, name: select.dataset.keepName || "(current product)", sku: "" }] : [])
      .forEach(function (p) {
        if (seen[p.id]) return;
        seen[p.id] = true;
        var option = el("option", null, p.name + (p.sku ? " · " + p.sku : "") + (p.unit ? " (" + p.unit + ")" : ""));
        option.value = p.id;
        select.appendChild(option);
      });
    if (value) select.value = value;
  }

  function lineRow(line, items) {
    var row = el("div", "draft-edit-line");
    row.dataset.draftEditLine = "1";
    row.dataset.sourceText = line.source_text || "";
    var select = el("select", "input draft-edit-line__product");
    select.setAttribute("aria-label", "Product");
    select.dataset.draftProduct = "1";
    select.dataset.keepName = line.name || "";
    fillSelect(select, items, line.product_id ? String(line.product_id) : "");
    if (!line.product_id) select.value = "";
    var qty = el("input", "input draft-edit-line__qty");
    qty.type = "number";
    qty.min = "1";
    qty.step = "1";
    qty.inputMode = "numeric";
    qty.value = line.quantity ? quantity(line.quantity) : "1";
    qty.setAttribute("aria-label", "Quantity");
    qty.dataset.draftQuantity = "1";
    var remove = button("×", "btn--ghost draft-edit-line__remove", function () { row.remove(); });
    remove.setAttribute("aria-label", "Remove line");
    row.appendChild(qty);
    row.appendChild(select);
    row.appendChild(remove);
    if (line.source_text) {
      var words = el("span", "draft-edit-line__source", "“" + line.source_text + "”");
      words.dataset.draftSource = "1";
      row.appendChild(words);
    }
    return row;
  }

  function openEditor(draft, thread, box) {
    editing[draft.id] = true;
    var form = el("form", "draft-editor");
    form.dataset.draftEditor = draft.id;
    form.noValidate = true;
    form.appendChild(el("p", "draft-editor__title", thread.side === "buyer" ? "Edit the draft" : "Fix the draft"));
    var search = el("input", "input draft-editor__search");
    search.type = "search";
    search.placeholder = "Search products…";
    search.setAttribute("aria-label", "Search products");
    form.appendChild(search);
    var rows = el("div", "draft-editor__lines");
    form.appendChild(rows);
    var items = [];
    var add = button("+ Add line", "btn--ghost draft-editor__add", function () {
      rows.appendChild(lineRow({}, items));
    });
    add.dataset.draftAdd = "1";
    form.appendChild(add);
    var dateLabel = el("label", "draft-editor__date", "Delivery date ");
    var date = el("input", "input");
    date.type = "date";
    date.value = draft.requested_delivery_date || "";
    date.dataset.draftDate = "1";
    dateLabel.appendChild(date);
    form.appendChild(dateLabel);
    var error = el("p", "draft-card__error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    var bar = el("div", "draft-card__actions");
    var close = function () {
      delete editing[draft.id];
      renderDraft(draft.id);
    };
    var save = function (sendBack) {
      var lines = [];
      var missing = false;
      rows.querySelectorAll("[data-draft-edit-line]").forEach(function (row) {
        var product = Number(row.querySelector("[data-draft-product]").value);
        var qty = Number(row.querySelector("[data-draft-quantity]").value);
        if (!product || !(qty >= 1)) { missing = true; return; }
        lines.push({ product_id: product, quantity: Math.round(qty),
                     source_text: row.dataset.sourceText || null });
      });
      if (missing || !lines.length) {
        error.textContent = lines.length || missing ? "Pick a product and a quantity on every line." : "Keep at least one line.";
        error.hidden = false;
        return;
      }
      var body = { lines: lines, send_back: !!sendBack };
      if (date.value) body.requested_delivery_date = date.value;
      bar.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      api("/drafts/" + draft.id, { method: "PATCH", body: body }).then(function (fresh) {
        delete editing[draft.id];
        update(fresh);
      }).catch(function (e) {
        bar.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        error.textContent = errorText(e);
        error.hidden = false;
      });
    };
    var saveButton = button(thread.side === "buyer" ? "Save" : "Save changes", "btn--primary",
      function () { save(false); });
    saveButton.dataset.draftSave = "1";
    bar.appendChild(saveButton);
    if (thread.side !== "buyer") {
      var back = button("Save and send back", "btn--secondary", function () { save(true); });
      back.dataset.draftSendBack = "1";
      bar.appendChild(back);
    }
    bar.appendChild(button("Cancel", "btn--ghost", close));
    form.appendChild(bar);
    form.addEventListener("submit", function (event) { event.preventDefault(); save(false); });

    var actionsBar = box.querySelector(".draft-card__actions");
    if (actionsBar) actionsBar.replaceWith(form); else box.appendChild(form);
    draft.lines.forEach(function (line) { rows.appendChild(lineRow(line, [])); });
    loadProducts(thread, "").then(function (found) {
      items = found;
      rows.querySelectorAll("[data-draft-product]").forEach(function (s) {
        fillSelect(s, items, s.value);
      });
      form.dataset.ready = "1";
      bar.scrollIntoView({ block: "nearest" });  // the whole editor, down to its buttons
    }).catch(function (e) { error.textContent = errorText(e); error.hidden = false; });
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        loadProducts(thread, search.value.trim()).then(function (found) {
          items = found;
          rows.querySelectorAll("[data-draft-product]").forEach(function (s) {
            fillSelect(s, items, s.value);
          });
        }).catch(function () {});
      }, 250);
    });
  }

  // -- the supplier's open drafts panel ----------------------------------------------------

  var refreshing = null;
  function refreshPanel() {
    var panel = document.querySelector("[data-inbox-drafts]");
    if (!panel || refreshing) return;
    refreshing = fetch("/inbox/drafts", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        refreshing = null;
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-inbox-drafts]");
        var current = document.querySelector("[data-inbox-drafts]");
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { refreshing = null; });
  }

  // -- wiring ------------------------------------------------------------------------------

  function start() {
    document.querySelectorAll("[data-chat-drafts]").forEach(function (block) {
      try {
        var found = JSON.parse(block.textContent);
        Object.keys(found).forEach(function (k) { drafts[k] = found[k]; });
      } catch (e) { /* the cards fetch their drafts instead */ }
    });
    var ids = {};
    document.querySelectorAll("[data-chat] [data-draft-id]").forEach(function (li) {
      ids[li.dataset.draftId] = true;
    });
    Object.keys(ids).forEach(renderDraft);
    var target = /^#draft-\d+$/.test(location.hash) && document.querySelector(location.hash);
    if (target) target.scrollIntoView({ block: "center" });
    document.addEventListener("chat:message", function (event) {
      var node = event.detail && event.detail.node;
      if (node && node.dataset.draftId) renderDraft(node.dataset.draftId);
    });
    var socket = window.OrdertalkSocket && window.OrdertalkSocket.get();
    if (!socket) return;
    socket.on("draft", function (event) {
      if (!event || !event.draft) return;
      update(event.draft);
      refreshPanel();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
