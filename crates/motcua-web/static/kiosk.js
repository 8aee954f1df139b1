// Kiosk: back to the start screen after 60 seconds without a touch or a key.
(function () {
  var idle = Number(document.body.getAttribute("data-idle-seconds") || "60") * 1000;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.href = "/kiosk"; }, idle);
  }
  ["click", "keydown", "touchstart", "input"].forEach(function (e) { document.addEventListener(e, reset, true); });
  reset();
})();
