// Message text as DOM nodes: plain text, with http(s) links made clickable. Never parses
// user text as HTML (no innerHTML): the same rules as messaging/chat/text.py.
(function () {
  "use strict";

  var URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  var TRAILING = ".,;:!?)]}";

  function splitLinks(text) {
    var pieces = [];
    var pos = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = match[0];
      while (url.length && TRAILING.indexOf(url.charAt(url.length - 1)) !== -1) {
        url = url.slice(0, -1);
      }
      if (url.length <= "https://".length) continue;
      if (match.index > pos) pieces.push({ text: text.slice(pos, match.index), link: false });
      pieces.push({ text: url, link: true });
      pos = match.index + url.length;
      URL_RE.lastIndex = pos;
    }
    if (pos < text.length) pieces.push({ text: text.slice(pos), link: false });
    return pieces;
  }

  function render(text, into) {
    splitLinks(text || "").forEach(function (piece) {
      if (piece.link && /^https?:\/\//i.test(piece.text)) {
        var a = document.createElement("a");
        a.href = piece.text;
        a.textContent = piece.text;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        into.appendChild(a);
      } else {
        into.appendChild(document.createTextNode(piece.text));
      }
    });
    return into;
  }

  window.OrdertalkChatText = { render: render, splitLinks: splitLinks };
})();
