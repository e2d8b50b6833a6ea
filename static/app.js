// Progress of uploads sent through htmx (the import form); without JavaScript the form posts normally.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("import-progress");
  if (bar && event.detail.lengthComputable) {
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});

// Forms with data-max-bytes refuse too big files before sending them (the server refuses them anyway,
// but only after the browser has sent everything; this says so at once and keeps what was typed).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.dataset || !form.dataset.maxBytes) { return; }
  var total = 0, tooBig = [];
  var perFile = parseInt(form.dataset.maxFileBytes || "0", 10);
  form.querySelectorAll("input[type=file]").forEach(function (input) {
    Array.prototype.forEach.call(input.files || [], function (file) {
      total += file.size;
      if (perFile && file.size > perFile) { tooBig.push(file.name); }
    });
  });
  var message = "";
  if (tooBig.length) {
    message = "以下文件超过每个 " + Math.round(perFile / 1048576) + " MB 的上限：" + tooBig.join("、");
  } else if (total > parseInt(form.dataset.maxBytes, 10)) {
    message = "本次选择的文件共 " + Math.round(total / 1048576) + " MB，超过每次 " +
      Math.round(parseInt(form.dataset.maxBytes, 10) / 1048576) + " MB 的上限，请分次上传。";
  }
  var box = form.querySelector("[data-upload-problem]");
  if (message) {
    event.preventDefault();
    if (box) { box.textContent = message; box.hidden = false; box.focus && box.focus(); }
  } else if (box) {
    box.hidden = true;
  }
});

// Irreversible actions (随机抽取, 登记已支付, 保存并报送) ask once with the browser's own dialog: the form (or the
// button that submits it) names the question in data-confirm; on "OK" the form posts confirmed=1, which the
// server takes as confirmed. Without JavaScript the server answers a first POST with a confirmation box instead
// (portal/confirming.py). htmx forms use hx-confirm with hx-vals instead, so that they do not ask twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.getAttribute) { return; }
  var trigger = event.submitter;
  var question = (trigger && trigger.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (!question || (window.htmx && form.hasAttribute("hx-post"))) { return; }
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  var field = form.querySelector("input[name=confirmed]");
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "confirmed";
    form.appendChild(field);
  }
  field.value = "1";
});
