// Parley's page behaviour, declared in the templates with data attributes so the pages need no
// inline script (the Content-Security-Policy forbids it):
//   <form data-confirm="Question?">  asks before submitting; Cancel stops the submission.
//   <select data-autosubmit>         submits its form when the choice changes.
//   <select data-insert-into="id">   inserts the chosen option's value into that textarea.
//   [data-shortcuts]                 inbox keys: j/k next/previous conversation, r reply,
//                                    a assign to me ([data-shortcut=a]), c close
//                                    ([data-shortcut=c]), ? the list (dialog#shortcuts).
//   [data-step-of="select-id"][data-step-values="a b"]  shown only while that select has one
//                                    of those values (the route editor's steps);
//   <label data-label-of="select-id" data-label-VALUE="text">  its text follows that select.
//   <body data-poll-url=...>         polls for notifications: the unread total in the navigation
//                                    and the tab title, browser notifications and a sound.
//   <button data-notify-permission>  asks the browser for permission to notify.
(function () {
  "use strict";

  // Capture phase: runs before htmx or any handler on the form itself.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
        return;
      }
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element) || !field.hasAttribute("data-autosubmit")) {
      return;
    }
    var form = field.form;
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLSelectElement) || !field.hasAttribute("data-insert-into")) {
      return;
    }
    var target = document.getElementById(field.getAttribute("data-insert-into"));
    if (!target || !field.value) {
      return;
    }
    var start = target.selectionStart || 0;
    var end = target.selectionEnd || 0;
    target.value = target.value.slice(0, start) + field.value + target.value.slice(end);
    field.value = "";
    target.focus();
    target.dispatchEvent(new Event("input", { bubbles: true }));
  });

  function typing(element) {
    if (!(element instanceof Element)) {
      return false;
    }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function moveConversation(step) {
    var list = document.getElementById("conversation-rows");
    if (list && list.getAttribute("aria-busy") === "true") {
      // The list beside a thread arrives just after the page: move once it is there.
      document.body.addEventListener("htmx:afterSettle", function once() {
        var now = document.getElementById("conversation-rows");
        if (now && now.getAttribute("aria-busy") !== "true") {
          document.body.removeEventListener("htmx:afterSettle", once);
          moveConversation(step);
        }
      });
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll("#conversation-rows a.convo"));
    if (!rows.length) {
      return;
    }
    var current = rows.findIndex(function (row) {
      return row.getAttribute("aria-current") === "true";
    });
    var next = current === -1 ? 0 : current + step;
    if (next >= 0 && next < rows.length && next !== current) {
      window.location.assign(rows[next].href);
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-shortcuts]") || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var dialog = document.getElementById("shortcuts");
    if (typing(event.target) || (dialog && dialog.open)) {
      return;
    }
    var button;
    switch (event.key) {
      case "j":
        moveConversation(1);
        break;
      case "k":
        moveConversation(-1);
        break;
      case "r":
        var text = document.getElementById("text");
        if (!text || text.disabled || text.closest("fieldset[disabled]")) {
          return;
        }
        text.focus();
        break;
      case "a":
      case "c":
        button = document.querySelector('[data-shortcut="' + event.key + '"]');
        if (!button) {
          return;
        }
        button.click();
        break;
      case "?":
        if (dialog && typeof dialog.showModal === "function") {
          dialog.showModal();
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  function syncSteps() {
    var steps = document.querySelectorAll("[data-step-of]");
    Array.prototype.forEach.call(steps, function (step) {
      var select = document.getElementById(step.getAttribute("data-step-of"));
      if (!select) {
        return;
      }
      var wanted = (step.getAttribute("data-step-values") || "").split(" ");
      var value = select.type === "checkbox" ? (select.checked ? "on" : "") : select.value;
      step.hidden = wanted.indexOf(value) === -1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-label-of]"), function (label) {
      var select = document.getElementById(label.getAttribute("data-label-of"));
      var text = select && label.getAttribute("data-label-" + select.value);
      if (text) {
        label.textContent = text;
      }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target instanceof Element && event.target.id) {
      var id = event.target.id;
      if (document.querySelector('[data-step-of="' + id + '"], [data-label-of="' + id + '"]')) {
        syncSteps();
      }
    }
  });
  document.addEventListener("DOMContentLoaded", syncSteps);
})();

// Notifications: one poll every few seconds; a poll that finds nothing new is a 304.
(function () {
  "use strict";

  var body = document.body;
  var pollUrl = body && body.getAttribute("data-poll-url");
  var interval = 5000;
  var etag = null;
  var cursor = null;
  var baseTitle = document.title;
  var sound = null;

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-notify-permission]");
    if (!button || !("Notification" in window)) {
      return;
    }
    event.preventDefault();
    Notification.requestPermission().then(function (answer) {
      var status = document.querySelector("[data-notify-permission-status]");
      if (status) {
        status.textContent =
          answer === "granted" ? "Browser notifications are allowed." : "The browser did not allow notifications.";
      }
    });
  });

  if (!pollUrl || !window.fetch) {
    // Signed out (or no tenant): forget what the last member's pages knew.
    try {
      window.sessionStorage.removeItem("parley-poll:/notifications/poll/");
    } catch (ignored) {}
    return;
  }

  function showUnread(total) {
    var badge = document.querySelector("[data-unread]");
    var count = document.querySelector("[data-unread-count]");
    if (badge && count) {
      count.textContent = String(total);
      badge.hidden = total === 0;
    }
    document.title = total > 0 ? "(" + total + ") " + baseTitle : baseTitle;
  }

  function announce(event) {
    if (body.getAttribute("data-notify-browser") === "1" && "Notification" in window &&
        Notification.permission === "granted") {
      var shown = new Notification(event.title, { body: event.body, tag: "parley-" + event.id });
      shown.onclick = function () {
        window.focus();
        window.location.href = event.url;
      };
    }
    if (body.getAttribute("data-notify-sound") === "1") {
      sound = sound || new Audio(body.getAttribute("data-sound-url"));
      var playing = sound.play();
      if (playing && playing.catch) {
        playing.catch(function () {});
      }
    }
  }

  // The last answer survives page loads in this tab, so a new page starts with the total and
  // its first poll is a 304 too when nothing changed.
  var STORE = "parley-poll:" + pollUrl;
  function remember(total) {
    try {
      window.sessionStorage.setItem(STORE, JSON.stringify({ etag: etag, cursor: cursor, unread: total }));
    } catch (ignored) {}
  }
  try {
    var kept = JSON.parse(window.sessionStorage.getItem(STORE) || "null");
    if (kept && kept.etag) {
      etag = kept.etag;
      cursor = kept.cursor;
      showUnread(kept.unread);
    }
  } catch (ignored) {}

  function poll() {
    var url = pollUrl + (cursor === null ? "" : "?after=" + cursor);
    var headers = {};
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) {
          return null;
        }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        showUnread(data.unread);
        if (cursor !== null) {
          data.events.forEach(announce);
        }
        cursor = data.cursor;
        remember(data.unread);
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, interval);
      });
  }

  poll();
})();

// Inline errors: an error fragment naming a field (data-field) marks that field invalid, points
// it at the message and moves the focus there; the other fields of the form are cleared.
(function () {
  "use strict";

  function markInvalid(root) {
    var error = root.querySelector ? root.querySelector(".inline-error[data-field]") : null;
    var form = document.getElementById("search-form");
    if (!form) {
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
    if (!error) {
      return;
    }
    var field = form.querySelector("#" + error.getAttribute("data-field"));
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", error.id);
      field.focus();
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    markInvalid(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    markInvalid(document);
  });
})();
