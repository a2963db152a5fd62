// One Socket.IO connection per page, shared by the chat threads, the inbox and the unread
// badges. It authenticates with the portal session cookie, reconnects by itself, and tells
// its listeners the connection state ("connected", "reconnecting", "refused").
(function () {
  "use strict";

  var socket = null;
  var statusListeners = [];
  var state = "connecting";

  function setState(next) {
    state = next;
    statusListeners.forEach(function (fn) { fn(next); });
  }

  function get() {
    if (socket) return socket;
    if (typeof window.io !== "function") return null;
    socket = window.io({
      withCredentials: true,
      reconnectionDelay: 300,
      reconnectionDelayMax: 3000,
      timeout: 8000,
    });
    socket.on("connect", function () { setState("connected"); });
    socket.on("disconnect", function (reason) {
      if (reason === "io server disconnect") {
        setState("refused");  // the server ended the session: sign in again
      } else {
        setState("reconnecting");
      }
    });
    socket.on("connect_error", function () {
      setState(socket.active ? "reconnecting" : "refused");
    });
    return socket;
  }

  function onStatus(fn) {
    statusListeners.push(fn);
    fn(state);
  }

  window.OrdertalkSocket = {
    get: get,
    onStatus: onStatus,
    state: function () { return state; },
  };
})();
