// The portal works without this script; it only makes two pages nicer.
"use strict";
document.documentElement.classList.add("js");

// The topic picker shows the topics of the chosen format only.
function showTopicsOf(select) {
  for (const fieldset of document.querySelectorAll("fieldset.topics[data-format]")) {
    const chosen = fieldset.dataset.format === select.value;
    fieldset.hidden = !chosen;
    for (const box of fieldset.querySelectorAll("input")) box.disabled = !chosen;
  }
}

// A job's page follows its progress until it ends.
function followJob(box) {
  const bar = box.querySelector("[data-job-bar]");
  const text = box.querySelector("[data-job-text]");
  const status = box.querySelector("[data-job-status]");
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.jobProgress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok) return;
      const job = await answer.json();
      bar.max = Math.max(job.total, 1);
      bar.value = job.processed;
      status.textContent = job.status;
      text.textContent = job.processed + " of " + job.total + " deliveries queued." + (job.error ? " " + job.error : "");
      if (!job.done) setTimeout(poll, 1000);
    } catch (e) {
      setTimeout(poll, 3000);
    }
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  const format = document.querySelector("select[data-topic-format]");
  if (format) {
    showTopicsOf(format);
    format.addEventListener("change", () => showTopicsOf(format));
  }
  const job = document.querySelector("[data-job-progress]");
  if (job) followJob(job);
});
