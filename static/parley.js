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
