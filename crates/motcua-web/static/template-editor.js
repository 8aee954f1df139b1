// Template editor: re-renders the preview and the SMS segment count while the administrator
// types (the page works without it: "Xem trước" posts the form).
(function () {
  var form = document.getElementById("template-form");
  if (!form || !window.fetch) return;
  var timer;
  function show(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }
  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (a) {
        var errors = (a.errors || []).map(function (e) { return e.field + ": " + e.message; }).join("\n");
        show("preview-errors", errors);
        if (errors) return;
        show("preview-subject", a.preview.subject);
        show("preview-sms", a.preview.sms);
        show("preview-sms-cost", a.preview.sms_cost);
        show("preview-sms-marks-cost", a.preview.sms_with_marks_cost);
        show("preview-body-text", a.preview.body_text);
        show("preview-body-html", a.preview.body_html);
      })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
