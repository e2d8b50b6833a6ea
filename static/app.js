// Progress of uploads sent through htmx (the import form); without JavaScript the form posts normally.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("import-progress");
  if (bar && event.detail.lengthComputable) {
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
