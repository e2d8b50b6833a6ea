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

// Specialty pickers (templates/_macros/specialties.html): the filter box hides the specialties whose code and
// name do not contain what is typed (ticked ones stay visible), and the count follows the ticks. Without
// JavaScript the grouped checkboxes work as they are.
function setUpPicker(picker) {
  if (picker.getAttribute("data-picker-ready")) { return; }
  picker.setAttribute("data-picker-ready", "1");
  var tools = picker.querySelector("[data-picker-tools]");
  var filter = picker.querySelector("[data-picker-filter]");
  var count = picker.querySelector("[data-picker-count]");
  var empty = picker.querySelector("[data-picker-empty]");
  var limit = parseInt(picker.getAttribute("data-picker-limit") || "0", 10);
  if (tools) { tools.hidden = false; }
  function refresh() {
    var query = filter ? filter.value.trim().toLowerCase() : "";
    var matches = 0;
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("[data-picker-item]").forEach(function (item) {
        var box = item.querySelector("input");
        var match = !query || item.getAttribute("data-picker-item").toLowerCase().indexOf(query) !== -1;
        var show = match || (box && box.checked);
        item.hidden = !show;
        if (show) { visible += 1; }
        if (match) { matches += 1; }
      });
      group.hidden = visible === 0;
    });
    var chosen = picker.querySelectorAll("input[type=checkbox]:checked").length;
    if (count) {
      count.textContent = "已选 " + chosen + " 个" + (limit && chosen > limit ? "（最多 " + limit + " 个）" : "");
    }
    if (empty) { empty.hidden = matches > 0; }
  }
  if (filter) {
    filter.addEventListener("input", refresh);
    // Enter in the filter box filters; it does not submit the form around the picker.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }
  picker.addEventListener("change", refresh);
  refresh();
}

function setUpPickers(root) {
  var scope = root && root.querySelectorAll ? root : document;
  scope.querySelectorAll("[data-specialty-picker]").forEach(setUpPicker);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { setUpPickers(document); });
} else {
  setUpPickers(document);
}
document.addEventListener("htmx:load", function (event) { setUpPickers(event.target); });
