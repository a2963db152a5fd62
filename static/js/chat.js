// A chat thread, live (an order's, or an account thread): takes over every [data-chat]
// element (templates/chat/_thread.html); it addresses an order's thread by order_id and an
// account thread by thread_id (Thread.key). Sends with a
// client_id (a retried send stores one message), replays what was missed after a reconnect
// (join with after_id), shows typing and read receipts, and marks messages read while the
// thread is on screen. User text only ever goes into the page as text nodes
// (OrdertalkChatText.render), never as HTML. Each message shown is announced with a
// bubbling `chat:message` event ({detail: {node, message}}); drafts.js listens for it.
(function () {
  "use strict";

  var SEND_TIMEOUT = 8000;
  var TYPING_EVERY = 2500;
  var TYPING_SHOWN = 4000;

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function timeOf(iso) {
    var node = el("time", "msg__time");
    if (!iso) return node;
    node.setAttribute("datetime", iso);
    var date = new Date(iso);
    if (isNaN(date)) return node;
    node.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    // The viewer's zone, named, as on the order's timeline.
    node.title = date.toLocaleString([], { year: "numeric", month: "short", day: "numeric",
      hour: "numeric", minute: "2-digit", timeZoneName: "short" });
    return node;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function Thread(root) {
    this.root = root;
    this.threadId = Number(root.dataset.threadId);
    this.orderId = root.dataset.orderId ? Number(root.dataset.orderId) : null;
    this.userId = Number(root.dataset.userId);
    this.side = root.dataset.side;
    this.lastId = Number(root.dataset.lastId || 0);
    this.postUrl = root.dataset.postUrl;
    this.otherReadSeq = Number(root.dataset.otherReadSeq || 0);
    this.otherReadName = root.dataset.otherReadName || "";
    this.list = root.querySelector("[data-chat-messages]");
    this.form = root.querySelector("[data-chat-form]");
    this.input = root.querySelector("[data-chat-input]");
    this.fileInput = root.querySelector("[data-chat-file]");
    this.internalBox = root.querySelector("[data-chat-internal]");
    this.noteBanner = root.querySelector("[data-chat-note-banner]");
    this.sendButton = root.querySelector("[data-chat-send]");
    this.placeholder = this.input.getAttribute("placeholder") || "";
    this.typingLine = root.querySelector("[data-chat-typing]");
    this.connectionLine = root.querySelector("[data-chat-connection]");
    this.errorLine = root.querySelector("[data-chat-error]");
    this.statusBadge = root.querySelector("[data-chat-order-status]");
    this.seen = {};
    this.queue = [];  // sends waiting for an ack, oldest first
    this.sending = false;
    this.joined = false;
    this.lastTypingSent = 0;
    this.typingTimer = null;
    this.readSent = 0;
    var self = this;
    Array.prototype.forEach.call(this.list.querySelectorAll("[data-message-id]"), function (li) {
      self.seen[li.dataset.messageId] = true;
      var t = li.querySelector("time[datetime]");
      if (t) t.replaceWith(timeOf(t.getAttribute("datetime")));
    });
    showZone(root.querySelector("[data-chat-zone]"));
    this.updateReceipt();
    this.scrollToEnd();
    this.bind();
  }

  // The messages' times are the viewer's: name the zone once, in the thread's header.
  function showZone(node) {
    if (!node || !window.Intl) return;
    var part = new Intl.DateTimeFormat([], { timeZoneName: "short" }).formatToParts(new Date())
      .filter(function (p) { return p.type === "timeZoneName"; })[0];
    if (!part) return;
    node.textContent = "Times in " + part.value;
    node.hidden = false;
  }

  Thread.prototype.bind = function () {
    var self = this;
    this.socket = window.OrdertalkSocket.get();
    if (!this.socket) return;  // no Socket.IO: the form posts as a plain page
    this.root.dataset.chatReady = "1";
    window.OrdertalkSocket.onStatus(function (state) { self.showConnection(state); });
    this.socket.on("connect", function () { self.join(); });
    if (this.socket.connected) this.join();
    this.socket.on("message", function (m) { if (self.owns(m)) self.receive(m); });
    this.socket.on("typing", function (t) { if (self.owns(t)) self.showTyping(t); });
    this.socket.on("read", function (r) { if (self.owns(r)) self.receiveRead(r); });
    this.socket.on("order", function (o) {
      if (self.orderId && o.order_id === self.orderId && o.status && self.statusBadge) {
        self.statusBadge.textContent = o.status.charAt(0).toUpperCase() + o.status.slice(1);
      }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    this.input.addEventListener("input", function () { self.typing(); });
    if (this.internalBox) {
      this.setNoteMode(this.internalBox.checked);  // a box the browser restored ticked
      this.internalBox.addEventListener("change", function () {
        self.setNoteMode(self.internalBox.checked);
      });
    }
    document.addEventListener("visibilitychange", function () { self.markRead(); });
    window.addEventListener("focus", function () { self.markRead(); });
  };

  // An order's thread is addressed by its order (the server makes the thread on first use);
  // an account thread by its id.
  Thread.prototype.key = function () {
    return this.orderId ? { order_id: this.orderId } : { thread_id: this.threadId };
  };

  // Is this event (message, typing, read) about this thread?
  Thread.prototype.owns = function (event) {
    return this.orderId ? event.order_id === this.orderId : event.thread_id === this.threadId;
  };

  Thread.prototype.showConnection = function (state) {
    var line = this.connectionLine;
    if (!line) return;
    if (state === "connected") {
      line.hidden = true;
      line.textContent = "";
    } else if (state === "refused") {
      line.hidden = false;
      line.textContent = "Signed out — reload the page";
    } else if (state === "reconnecting") {
      line.hidden = false;
      line.textContent = "Reconnecting…";
    }
    this.root.dataset.connection = state;
  };

  // (Re)join the room; the ack replays everything after the last message we have.
  Thread.prototype.join = function () {
    var self = this;
    this.joined = false;
    this.socket.timeout(SEND_TIMEOUT).emit(
      "join", Object.assign(this.key(), { after_id: this.lastId }),
      function (err, ack) {
        if (err) { setTimeout(function () { if (self.socket.connected) self.join(); }, 1000); return; }
        if (!ack || !ack.ok) {
          self.showError((ack && ack.error && ack.error.message) || "This conversation is unavailable.");
          return;
        }
        self.threadId = ack.thread_id;
        ack.messages.forEach(function (m) { self.receive(m); });
        self.joined = true;
        self.root.dataset.joined = "1";
        self.flush();
        self.markRead();
      }
    );
  };

  Thread.prototype.receive = function (m) {
    if (this.seen[m.id]) return;
    this.seen[m.id] = true;
    if (m.id > this.lastId) this.lastId = m.id;
    var empty = this.list.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
    var pending = m.client_id && this.list.querySelector(
      '[data-pending-client-id="' + cssEscape(m.client_id) + '"]');
    var node = this.render(m);
    var atEnd = this.nearEnd();
    if (pending) {
      pending.replaceWith(node);
    } else {
      this.insertInOrder(node, m.seq);
    }
    this.updateReceipt();
    this.root.dispatchEvent(new CustomEvent("chat:message", {
      bubbles: true, detail: { node: node, message: m } }));
    if (atEnd || (m.author && m.author.id === this.userId)) this.scrollToEnd();
    if (!m.author || m.author.id !== this.userId) {
      this.hideTyping();
      this.markRead();
    }
  };

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  Thread.prototype.insertInOrder = function (node, seq) {
    var items = this.list.querySelectorAll("[data-seq]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.seq) < seq) {
        items[i].after(node);
        return;
      }
    }
    var firstPending = this.list.querySelector("[data-pending-client-id]");
    if (items.length === 0 && !firstPending) { this.list.appendChild(node); return; }
    this.list.insertBefore(node, items.length ? items[0] : firstPending);
  };

  function attachmentLink(a) {
    var link = el("a", a.is_image ? "msg__image" : "msg__file");
    link.href = a.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (a.is_image) {
      var img = document.createElement("img");
      img.src = a.url;
      img.alt = a.filename;
      img.loading = "lazy";
      link.appendChild(img);
    } else {
      link.textContent = a.filename + " (" + Math.ceil(a.size / 1024) + " KB)";
    }
    return link;
  }

  Thread.prototype.render = function (m) {
    var mine = m.author && m.author.id === this.userId;
    var li = el("li", "msg msg--" + m.kind + (mine ? " msg--mine" : ""));
    li.id = "message-" + m.id;
    li.dataset.messageId = m.id;
    li.dataset.seq = m.seq;
    li.dataset.kind = m.kind;
    if (m.client_id) li.dataset.clientId = m.client_id;
    if (m.kind === "event") {
      var line = el("div", "msg__event");
      var text = window.OrdertalkChatText.render(m.body, el("span", "msg__text"));
      line.appendChild(text);
      line.appendChild(document.createTextNode(" "));
      line.appendChild(timeOf(m.created_at));
      li.appendChild(line);
      if (m.attachments && m.attachments.length) {  // a delivery's signature or photo
        var proof = el("div", "msg__proof");
        m.attachments.forEach(function (a) { proof.appendChild(attachmentLink(a)); });
        li.appendChild(proof);
      }
      if (m.event && m.event.type === "draft" && m.event.draft_id) {
        li.classList.add("msg--draft");
        li.dataset.draftId = m.event.draft_id;
        var slot = el("div", "draft-slot");
        slot.dataset.draftSlot = "1";
        li.appendChild(slot);
      }
      return li;
    }
    var bubble = el("div", "msg__bubble");
    var meta = el("div", "msg__meta");
    meta.appendChild(el("span", "msg__author", m.author ? m.author.name : "Ordertalk"));
    if (m.kind === "note") meta.appendChild(el("span", "msg__tag", "Internal note"));
    meta.appendChild(timeOf(m.created_at));
    bubble.appendChild(meta);
    if (m.body) bubble.appendChild(window.OrdertalkChatText.render(m.body, el("div", "msg__text")));
    (m.attachments || []).forEach(function (a) { bubble.appendChild(attachmentLink(a)); });
    li.appendChild(bubble);
    return li;
  };

  Thread.prototype.renderPending = function (item) {
    var li = this.render({
      id: "", seq: Number.MAX_SAFE_INTEGER, kind: item.internal ? "note" : "text",
      author: { id: this.userId, name: "You" }, body: item.body, attachments: [],
      created_at: new Date().toISOString(),
    });
    li.removeAttribute("id");
    delete li.dataset.messageId;
    delete li.dataset.seq;
    li.classList.add("msg--pending");
    li.dataset.pendingClientId = item.clientId;
    this.list.appendChild(li);
    var empty = this.list.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
    this.scrollToEnd();
    return li;
  };

  // Send `body` as if typed (a draft question's option: "2").
  Thread.prototype.sendText = function (body) {
    var item = { clientId: newClientId(), body: body, internal: false };
    item.node = this.renderPending(item);
    this.queue.push(item);
    this.flush();
  };

  // Note mode is shown on the whole composer (banner, colour, placeholder, button), and
  // lasts for one message: every send returns the composer to a reply the buyer sees.
  Thread.prototype.setNoteMode = function (on) {
    if (!this.internalBox) return;
    this.internalBox.checked = on;
    this.root.classList.toggle("chat--note-mode", on);
    if (this.noteBanner) this.noteBanner.hidden = !on;
    if (this.sendButton) this.sendButton.textContent = on ? "Add note" : "Send";
    this.input.setAttribute("placeholder",
      on ? "Internal note: only your team sees it…" : this.placeholder);
  };

  Thread.prototype.submit = function () {
    this.showError("");
    var file = this.fileInput && this.fileInput.files && this.fileInput.files[0];
    var body = this.input.value.trim();
    var internal = !!(this.internalBox && this.internalBox.checked);
    if (file) { this.upload(file, body, internal); return; }
    if (!body) return;
    var item = { clientId: newClientId(), body: body, internal: internal };
    item.node = this.renderPending(item);
    this.queue.push(item);
    this.input.value = "";
    this.setNoteMode(false);
    this.flush();
  };

  // Sends one at a time, in order; an unacknowledged send is retried with the same
  // client_id after a reconnect (the server stores it once).
  Thread.prototype.flush = function () {
    var self = this;
    if (this.sending || !this.joined || !this.socket.connected || !this.queue.length) return;
    var item = this.queue[0];
    this.sending = true;
    this.socket.timeout(SEND_TIMEOUT).emit("send", Object.assign(this.key(), {
      body: item.body, client_id: item.clientId, internal: item.internal,
    }), function (err, ack) {
      self.sending = false;
      if (err) {  // no answer: try again (same client_id) once connected
        setTimeout(function () { self.flush(); }, 1000);
        return;
      }
      self.queue.shift();
      if (ack && ack.ok) {
        self.receive(ack.message);
      } else {
        item.node.classList.remove("msg--pending");
        item.node.classList.add("msg--failed");
        item.node.appendChild(el("div", "msg__error",
          "Not sent: " + ((ack && ack.error && ack.error.message) || "error")));
      }
      self.flush();
    });
  };

  Thread.prototype.upload = function (file, body, internal) {
    var self = this;
    var data = new FormData();
    data.append("body", body);
    data.append("file", file);
    data.append("client_id", newClientId());
    if (internal) data.append("internal", "1");
    fetch(this.postUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (!result.ok) {
        var error = result.json.error || {};
        var fields = error.fields || {};
        var first = Object.keys(fields)[0];
        self.showError(first ? fields[first][0] : (error.message || "Upload failed."));
        return;
      }
      self.input.value = "";
      self.fileInput.value = "";
      self.setNoteMode(false);
      self.receive(result.json.message);
    }).catch(function () { self.showError("Upload failed; check your connection."); });
  };

  Thread.prototype.showError = function (text) {
    if (!this.errorLine) return;
    this.errorLine.textContent = text;
    this.errorLine.hidden = !text;
  };

  Thread.prototype.typing = function () {
    var now = Date.now();
    if (!this.joined || now - this.lastTypingSent < TYPING_EVERY || !this.input.value) return;
    this.lastTypingSent = now;
    this.socket.emit("typing", Object.assign(this.key(), {
      internal: !!(this.internalBox && this.internalBox.checked),
    }));
  };

  Thread.prototype.showTyping = function (t) {
    var self = this;
    if (!t.user || t.user.id === this.userId) return;
    this.typingLine.textContent = t.user.name + " is typing…";
    this.typingLine.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.hideTyping(); }, TYPING_SHOWN);
  };

  Thread.prototype.hideTyping = function () {
    clearTimeout(this.typingTimer);
    this.typingLine.hidden = true;
    this.typingLine.textContent = "";
  };

  // Tell the server how far we have read: the newest message shown, while on screen.
  // Shown to the person: the page is visible and the thread is not behind a tab.
  Thread.prototype.onScreen = function () {
    return document.visibilityState === "visible" && this.root.getClientRects().length > 0;
  };

  Thread.prototype.markRead = function () {
    if (!this.joined || !this.onScreen()) return;
    var items = this.list.querySelectorAll("[data-message-id]");
    if (!items.length) return;
    var last = items[items.length - 1];
    var id = Number(last.dataset.messageId);
    if (!id || id <= this.readSent) return;
    this.readSent = id;
    this.socket.emit("read", Object.assign(this.key(), { message_id: id }));
  };

  Thread.prototype.receiveRead = function (r) {
    if (!r.user || r.user.side === this.side) return;  // receipts show the other side
    if (r.seq > this.otherReadSeq) {
      this.otherReadSeq = r.seq;
      this.otherReadName = r.user.name;
      this.updateReceipt();
    }
  };

  // "Read by <name>" under my newest message the other side has read. The other side is
  // never shown an internal note, so a note never carries its receipt.
  Thread.prototype.updateReceipt = function () {
    var old = this.list.querySelector("[data-chat-receipt]");
    if (old) old.remove();
    if (!this.otherReadSeq) return;
    var mine = this.list.querySelectorAll(".msg--mine[data-seq]:not(.msg--note)");
    for (var i = mine.length - 1; i >= 0; i--) {
      if (Number(mine[i].dataset.seq) <= this.otherReadSeq) {
        var receipt = el("div", "msg__receipt", "Read by " + (this.otherReadName || "them"));
        receipt.dataset.chatReceipt = "1";
        mine[i].appendChild(receipt);
        return;
      }
    }
  };

  Thread.prototype.nearEnd = function () {
    var list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  };

  Thread.prototype.scrollToEnd = function () {
    this.list.scrollTop = this.list.scrollHeight;
  };

  function start() {
    window.OrdertalkChat = window.OrdertalkChat || { threads: {} };
    Array.prototype.forEach.call(document.querySelectorAll("[data-chat]"), function (root) {
      if (root.dataset.chatStarted) return;
      root.dataset.chatStarted = "1";
      var thread = new Thread(root);
      window.OrdertalkChat.threads[thread.threadId] = thread;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
