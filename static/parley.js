// Parley's page behaviour, declared in the templates with data attributes so the pages need no
// inline script (the Content-Security-Policy forbids it):
//   <form data-confirm="Question?">  asks before submitting; Cancel stops the submission.
//   <select data-autosubmit>         submits its form when the choice changes.
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
})();
