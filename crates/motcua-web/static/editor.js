// The procedure editor: "Thêm …" adds an empty row (a copy of the last, renumbered), and the
// internal process's sum is checked against the time limit as it is typed. The server checks
// the same on saving (a day counts 8 working hours).
(function () {
  var form = document.getElementById("editor");
  if (!form) return;
  var HOURS_PER_DAY = 8;

  function renumber(row, n) {
    row.querySelectorAll("[id],[name],[for]").forEach(function (el) {
      ["id", "name", "for"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(/_(\d+)(_|$)/, "_" + n + "$2"));
      });
    });
    row.querySelectorAll("input").forEach(function (el) {
      if (el.type === "checkbox") el.checked = el.name.indexOf("doc_required") === 0;
      else if (el.type !== "hidden" || el.name.indexOf("doc_template") === 0) el.value = "";
    });
    row.querySelectorAll(".sr-only").forEach(function (el) {
      el.textContent = el.textContent.replace(/\d+$/, String(n + 1));
    });
  }

  form.querySelectorAll(".add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = form.querySelector("table[data-rows='" + button.getAttribute("data-for") + "'] tbody");
      var last = body.lastElementChild;
      var row = last.cloneNode(true);
      renumber(row, body.children.length);
      body.appendChild(row);
      var first = row.querySelector("input:not([type=hidden])");
      if (first) first.focus();
      check();
    });
  });

  function hours(value, unit) {
    var n = Number(value);
    if (!n || n < 0) return 0;
    return unit === "d" ? n * HOURS_PER_DAY : unit === "h" ? n : HOURS_PER_DAY;
  }

  function describe(h) {
    var d = Math.floor(h / HOURS_PER_DAY), r = h % HOURS_PER_DAY;
    if (!d) return r + " giờ";
    return r ? d + " ngày " + r + " giờ" : d + " ngày";
  }

  var out = document.getElementById("steps-sum");
  function check() {
    var limit = hours(form.querySelector("[data-limit]").value, form.querySelector("[data-limit-unit]").value);
    var sum = 0;
    form.querySelectorAll("table[data-rows='step'] tbody tr").forEach(function (row) {
      var name = row.querySelector("input[name^='step_name_']");
      if (!name || !name.value.trim()) return;
      sum += hours(row.querySelector("[data-budget]").value, row.querySelector("[data-budget-unit]").value);
    });
    var text = "Tổng thời gian các bước: " + describe(sum) + "; thời hạn: " + describe(limit);
    if (!limit) {
      out.textContent = "Nhập thời hạn giải quyết để kiểm tra tổng thời gian các bước.";
      out.className = "hint";
    } else if (sum === limit) {
      out.textContent = text + " — khớp.";
      out.className = "hint ok";
    } else {
      out.textContent = text + (sum < limit ? " — thiếu " + describe(limit - sum) : " — thừa " + describe(sum - limit)) + ".";
      out.className = "hint mismatch";
    }
  }
  form.addEventListener("input", check);
  form.addEventListener("change", check);
  check();
})();
