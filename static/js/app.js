// Small progressive enhancements; every page works without them (the CSP forbids inline script).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Navigation toggle on phones.
  var toggle = document.querySelector("[data-nav-toggle]");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Ask before irreversible steps.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });

  // Dismissable flash messages.
  document.querySelectorAll(".flash").forEach(function (flash) {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "flash-close";
    close.setAttribute("aria-label", document.documentElement.lang === "en" ? "Close" : "关闭");
    close.textContent = "×";
    close.addEventListener("click", function () { flash.remove(); });
    flash.appendChild(close);
  });

  // Filters that apply as soon as they change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Client-side sorting of small tables.
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (header) {
      var ascending = true;
      header.addEventListener("click", function () {
        var index = Array.prototype.indexOf.call(header.parentNode.children, header);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = (a.cells[index] || {}).textContent || "";
          var y = (b.cells[index] || {}).textContent || "";
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.trim().localeCompare(y.trim(), "zh-CN");
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        ascending = !ascending;
      });
    });
  });
});

// Report generation: poll each running report's status and show its progress.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-report-status]").forEach(function (row) {
    var bar = row.querySelector("progress");
    var label = row.querySelector("[data-report-label]");
    var step = row.querySelector("[data-report-step]");
    var link = row.querySelector("[data-report-download]");
    function poll() {
      fetch(row.dataset.reportStatus, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (bar) bar.value = status.progress;
          if (label) label.textContent = status.label;
          if (step) step.textContent = status.step;
          if (status.download && link) { link.href = status.download; link.hidden = false; }
          if (status.state === "queued" || status.state === "running") window.setTimeout(poll, 1500);
          else if ("reloadWhenDone" in row.dataset) window.location.reload();  // the result is on the page
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  });
});
