/* Admin large-file upload with tus-js-client: resumes an interrupted upload of the same file
   (fingerprints are kept in localStorage) and shows progress. */
function dangkeUploadPage() {
  "use strict";
  var form = document.getElementById("tus-upload-form");
  if (!form || !window.tus) return;
  var titleInput = document.getElementById("upload-title");
  var fileInput = document.getElementById("upload-file");
  var membersOnly = document.getElementById("upload-members-only");
  var startButton = document.getElementById("upload-start");
  var pauseButton = document.getElementById("upload-pause");
  var progress = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var percent = document.getElementById("upload-percent");
  var message = document.getElementById("upload-message");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var current = null;

  function say(text) { message.textContent = text; }

  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (file && !titleInput.value) titleInput.value = file.name.replace(/\.[^.]+$/, "");
  });

  pauseButton.addEventListener("click", function () {
    if (!current) return;
    if (pauseButton.dataset.paused) {
      delete pauseButton.dataset.paused;
      pauseButton.textContent = "暂停";
      current.start();
      say("继续上传……");
    } else {
      current.abort();
      pauseButton.dataset.paused = "1";
      pauseButton.textContent = "继续";
      say("已暂停。");
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = fileInput.files[0];
    if (!file) { say("请选择要上传的文件。"); fileInput.focus(); return; }
    if (!titleInput.value.trim()) { say("请填写标题。"); titleInput.focus(); return; }
    if (file.size > Number(form.dataset.maxSize)) { say("文件太大，超过了上限。"); return; }
    startButton.disabled = true;
    pauseButton.hidden = false;
    progress.hidden = false;
    current = new tus.Upload(file, {
      endpoint: form.dataset.tusEndpoint,
      chunkSize: Number(form.dataset.chunkSize),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      removeFingerprintOnSuccess: true,
      headers: {"X-CSRFToken": csrf},
      metadata: {
        filename: file.name,
        filetype: file.type,
        title: titleInput.value.trim(),
        members_only: membersOnly.checked ? "1" : "0"
      },
      onError: function (error) {
        startButton.disabled = false;
        say("上传中断：" + (error && error.message ? error.message : error) + "。再次点击“开始上传”会从中断处继续。");
      },
      onProgress: function (sent, total) {
        var value = total ? Math.floor(sent / total * 1000) / 10 : 0;
        bar.value = value;
        percent.textContent = value + "%";
      },
      onSuccess: function () {
        pauseButton.hidden = true;
        say("上传完成，正在检测和转码……");
        fetch(current.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
          if (data.edit_url) window.location.href = data.edit_url;
        });
      }
    });
    current.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        current.resumeFromPreviousUpload(previous[0]);
        say("找到上次未完成的上传，从中断处继续。");
      } else {
        say("开始上传……");
      }
      current.start();
    });
  });
}
// Wagtail's admin puts extra_js in the head: wait for the form.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", dangkeUploadPage);
else dangkeUploadPage();
