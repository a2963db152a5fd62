// The order board: keyboard navigation (j/k within a column, h/l across columns, x to
// select, Enter to open, Esc to clear) and the selected count. Without JavaScript the
// checkboxes and buttons work as a plain form. The columns follow the orders' events
// (live-parts.js swaps the board in); the selection and the cursor stay where they were.
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  var bulk = document.querySelector("[data-bulk]");
  if (!board || !bulk) return;

  var counter = bulk.querySelector("[data-selected-count]");
  var cursor = null;

  function columns() {
    return Array.prototype.filter.call(board.querySelectorAll("[data-column]"), function (col) {
      return col.querySelector("[data-card]");
    });
  }

  function cardsOf(column) {
    return Array.prototype.slice.call(column.querySelectorAll("[data-card]"));
  }

  function setCursor(card) {
    if (!card) return;
    if (cursor) {
      cursor.classList.remove("is-cursor");
      cursor.setAttribute("tabindex", "-1");
    }
    cursor = card;
    card.classList.add("is-cursor");
    card.setAttribute("tabindex", "0");
    card.focus({ preventScroll: false });
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function move(dy, dx) {
    var cols = columns();
    if (!cols.length) return;
    if (!cursor) {
      setCursor(cardsOf(cols[0])[0]);
      return;
    }
    var column = cursor.closest("[data-column]");
    var ci = cols.indexOf(column);
    var cards = cardsOf(column);
    var ri = cards.indexOf(cursor);
    if (dx) {
      var next = cols[Math.min(cols.length - 1, Math.max(0, ci + dx))];
      var nextCards = cardsOf(next);
      setCursor(nextCards[Math.min(ri, nextCards.length - 1)]);
    } else {
      setCursor(cards[Math.min(cards.length - 1, Math.max(0, ri + dy))]);
    }
  }

  function refresh() {
    var boxes = board.querySelectorAll("[data-select]");
    var n = 0;
    Array.prototype.forEach.call(boxes, function (box) {
      var card = box.closest("[data-card]");
      card.classList.toggle("is-selected", box.checked);
      if (box.checked) n += 1;
    });
    counter.textContent = String(n);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-board] [data-select]")) refresh();
  });
  document.addEventListener("click", function (event) {
    var card = event.target.closest("[data-board] [data-card]");
    if (card && !event.target.closest("a, input")) setCursor(card);
  });
  document.addEventListener("ordertalk:live", function (event) {
    if (event.detail.parts.indexOf("board") < 0) return;
    board = document.querySelector("[data-board]");
    var id = cursor && cursor.dataset.orderId;
    cursor = null;
    var card = id && board.querySelector('[data-card][data-order-id="' + id + '"]');
    if (card) {
      card.classList.add("is-cursor");
      card.setAttribute("tabindex", "0");
      cursor = card;
      if (document.activeElement === document.body) card.focus({ preventScroll: true });
    }
    refresh();
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if ((tag === "input" && event.target.type !== "checkbox") || tag === "select" || tag === "textarea") return;
    var key = event.key;
    if (key === "j" || (key === "ArrowDown" && cursor)) { move(1, 0); }
    else if (key === "k" || (key === "ArrowUp" && cursor)) { move(-1, 0); }
    else if (key === "l") { move(0, 1); }
    else if (key === "h") { move(0, -1); }
    else if (key === "x" && cursor) {
      var box = cursor.querySelector("[data-select]");
      box.checked = !box.checked;
      refresh();
    } else if (key === "Enter" && cursor && event.target === cursor) {
      window.location.href = cursor.querySelector("[data-open]").href;
    } else if (key === "Escape") {
      Array.prototype.forEach.call(board.querySelectorAll("[data-select]"), function (box) {
        box.checked = false;
      });
      refresh();
    } else {
      return;
    }
    event.preventDefault();
  });

  refresh();
})();
