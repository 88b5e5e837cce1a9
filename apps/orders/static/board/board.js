/* The live order board (ARCHITECTURE §11.4): keeps the server-rendered columns current from
 * /ws (the Django session authenticates a same-origin socket), reconnects with `since` after a
 * lost connection and shows that state. Plain JavaScript, no build step. The cards are built
 * from the row the socket sends for the viewer's role — the same shape as apps/orders/board.py's
 * board_card — so a florist's board never receives money to show. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("board-config").textContent);
  var labels = config.labels;
  var NOT_ASSEMBLED = { "new": 1, "confirmed": 1, "in_production": 1 };
  var COLUMN_OF = {
    "new": "new", "confirmed": "confirmed", "in_production": "in_production", "assembled": "assembled",
    "out_for_delivery": "on_the_way", "ready_for_pickup": "on_the_way", "delivered": "delivered"
  };
  var cards = {}; // order id → card
  var since = config.since || 0; // the newest event the page (or the socket) has seen
  var socket = null;
  var retry = 0;
  var status = document.getElementById("connection");

  function deadline(card) {
    if (!card.delivery_date) { return null; }
    var d = card.delivery_date.split("-");
    var hhmm = (card.time_from || card.time_to || "23:59").split(":");
    var wall = Date.UTC(+d[0], +d[1] - 1, +d[2], +hhmm[0], +hhmm[1]);
    return wall - config.utc_offset_minutes * 60000 - config.preparation_minutes * 60000;
  }

  function isLate(card) {
    var due = deadline(card);
    return !!NOT_ASSEMBLED[card.status] && due !== null && Date.now() >= due;
  }

  function cardFromRow(row) {
    var from = row.delivery_time_from, to = row.delivery_time_to, window = "";
    if (from || to) { window = (from === to || !to) ? from : (from || "") + "–" + to; }
    var card = {
      id: row.id, number: row.number, status: row.status, column: COLUMN_OF[row.status] || null,
      delivery_date: row.delivery_date, time_from: from, time_to: to, window: window,
      recipient: row.recipient_name || "",
      items: (row.items || []).map(function (item) { return { name: item.name, quantity: item.quantity }; }),
      florist: row.florist ? row.florist.name : "",
      pickup: row.delivery_method === "pickup",
      issue: !!row.issue_type,
      unpaid: !!config.office && (row.payment_status === "unpaid" || row.payment_status === "partially_paid"),
      address: !!row.address_needs_clarification
    };
    card.late = isLate(card);
    return card;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render(card) {
    var node = el("article", "card" + (card.late ? " is-late" : "") + (card.issue ? " has-issue" : ""));
    node.dataset.id = card.id;
    node.dataset.number = card.number;
    node.dataset.status = card.status;
    var head = el("header", "card-head");
    head.appendChild(el("span", "card-number", "№ " + card.number));
    head.appendChild(el("span", "card-window", card.window || labels.any_time));
    node.appendChild(head);
    var recipient = el("p", "card-recipient", card.recipient);
    if (card.pickup) { recipient.appendChild(document.createTextNode(" ")); recipient.appendChild(el("span", "card-pickup", labels.pickup)); }
    node.appendChild(recipient);
    var items = el("ul", "card-items");
    card.items.forEach(function (item) {
      var li = el("li", "", item.name + " ");
      li.appendChild(el("b", "", "× " + item.quantity));
      items.appendChild(li);
    });
    node.appendChild(items);
    if (card.florist) { node.appendChild(el("p", "card-florist", labels.florist + " " + card.florist)); }
    var flags = el("p", "card-flags");
    [["late", "flag-late"], ["issue", "flag-issue"], ["unpaid", "flag-unpaid"], ["address", "flag-address"]].forEach(function (f) {
      if (card[f[0]]) { flags.appendChild(el("span", "flag " + f[1], labels[f[0]])); }
    });
    node.appendChild(flags);
    return node;
  }

  function sortKey(card) {
    return [card.time_from || "99:99", card.number];
  }

  function place(card) {
    var old = document.querySelector('.card[data-id="' + card.id + '"]');
    if (old) { old.remove(); }
    delete cards[card.id];
    var onBoard = card.column && card.delivery_date === config.day && config.columns.indexOf(card.column) >= 0;
    if (onBoard) {
      cards[card.id] = card;
      var list = document.querySelector('[data-column="' + card.column + '"] .column-cards');
      var node = render(card), key = sortKey(card), before = null;
      Array.prototype.some.call(list.children, function (child) {
        var other = cards[child.dataset.id];
        var k = other ? sortKey(other) : ["", 0];
        if (k[0] > key[0] || (k[0] === key[0] && k[1] > key[1])) { before = child; return true; }
        return false;
      });
      list.insertBefore(node, before);
    }
    counts();
  }

  function counts() {
    document.querySelectorAll(".column").forEach(function (column) {
      column.querySelector(".column-count").textContent = column.querySelectorAll(".card").length;
    });
  }

  function setState(state) {
    status.dataset.state = state;
    document.body.classList.toggle("is-offline", state !== "online");
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws?since=" + since;
    socket = new WebSocket(url);
    socket.onopen = function () { retry = 0; setState("online"); };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type !== "order_created" && data.type !== "order_update") { return; }
      if (typeof data.id === "number" && data.id > since) { since = data.id; }
      if (data.event === "unassigned" || !data.data || !data.data.status) { return; }
      place(cardFromRow(data.data));
    };
    socket.onclose = function (event) {
      setState("offline");
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        // The session ended or the role changed: the page (login, shop, 403) tells why.
        setTimeout(function () { location.reload(); }, 5000);
        return;
      }
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 500 * retry);
    };
  }

  // The server rendered the cards; rebuilt here from the same data so that one renderer keeps them.
  JSON.parse(document.getElementById("board-cards").textContent).forEach(function (card) {
    cards[card.id] = card;
  });
  // Cards turn late as time passes, without an event.
  setInterval(function () {
    Object.keys(cards).forEach(function (id) {
      var card = cards[id], late = isLate(card);
      if (late !== card.late) { card.late = late; place(card); }
    });
  }, 30000);
  window.flowercrmBoard = { state: function () { return status.dataset.state; } };
  connect();
})();
