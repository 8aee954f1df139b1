// Counter intake: scans are sent with a visible progress, and a file over the limit is named
// before anything is sent. Without this script the form still posts as a plain form.
(function () {
  var form = document.getElementById("intake-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var max = Number(form.getAttribute("data-max-bytes") || "0");
  form.addEventListener("submit", function (e) {
    var files = form.querySelectorAll("input[type=file]");
    var total = 0;
    for (var i = 0; i < files.length; i++) {
      for (var j = 0; j < files[i].files.length; j++) {
        var f = files[i].files[j];
        if (max && f.size > max) {
          e.preventDefault();
          status.textContent = "Tệp \"" + f.name + "\" lớn hơn giới hạn " + Math.round(max / 1048576) + " MB.";
          files[i].focus();
          return;
        }
        total += f.size;
      }
    }
    if (total === 0) return; // nothing to upload: the plain post is as fast
    e.preventDefault();
    var data = new FormData(form, e.submitter || undefined);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.onprogress = function (p) {
      if (!p.lengthComputable) return;
      var pct = Math.round((p.loaded / p.total) * 100);
      bar.value = pct;
      status.textContent = "Đang tải bản quét lên: " + pct + "%";
    };
    xhr.onload = function () {
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = "Không gửi được: kiểm tra kết nối mạng rồi thử lại. Hồ sơ chưa được tiếp nhận.";
    };
    status.textContent = "Đang tải bản quét lên…";
    xhr.send(data);
  });
})();
