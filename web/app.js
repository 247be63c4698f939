// The page: pick source(s) and target, options, submit; follow the job (progress, GPU chart), show and download
// its result; the job list. Uses ffApi (api.js) and ffGpuChart (gpu_chart.js). Text from the server is always set
// as text, never as HTML.
"use strict";

const FINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);
const EXTENSIONS = {
  "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/bmp": "bmp",
  "video/mp4": "mp4", "video/webm": "webm", "video/x-matroska": "mkv", "video/quicktime": "mov",
};

const JOBS_SHOWN = 50;  // rows of the job list

const $ = (id) => document.getElementById(id);

// The job the job panel shows: its id, the abort controller of its events stream, when it was opened (for the
// chart's time axis), and the blob URL of its result (revoked when another job is opened).
const current = { id: "", abort: null, openedAt: 0, resultUrl: "" };
let gpuChart = null;

// Shows `text` in the message element `id` ("" clears it); `kind` "error" or "info" styles it.
function say(id, text, kind = "error") {
  const element = $(id);
  element.textContent = text;
  element.dataset.kind = kind;
}

// The message of any error for the page: an ApiError's text as is, anything else with its name.
function messageOf(err) {
  return err instanceof ffApi.ApiError ? err.message : `${err.name}: ${err.message}`;
}

// Replaces the children of `container` with previews of `files` (images as <img>, videos as <video>); the blob
// URLs of the previous previews are revoked.
function showPreviews(container, files) {
  for (const old of container.querySelectorAll("[src^='blob:']")) URL.revokeObjectURL(old.src);
  container.replaceChildren();
  for (const file of files) {
    const isVideo = file.type.startsWith("video/");
    const media = document.createElement(isVideo ? "video" : "img");
    media.src = URL.createObjectURL(file);
    if (isVideo) media.muted = true;
    else media.alt = `preview of ${file.name}`;
    media.title = file.name;
    container.append(media);
  }
}

// Returns the options object of the form: every [data-option] control with a value, numbers as numbers (the
// server judges their range). Throws an Error naming the field whose text is not a number.
function collectOptions() {
  const options = {};
  for (const control of document.querySelectorAll("[data-option]")) {
    if (control.validity && control.validity.badInput) {
      throw new Error(`${control.labels[0].textContent}: not a number`);
    }
    const text = control.value.trim();
    if (!text) continue;
    options[control.dataset.option] = control.type === "number" ? Number(text) : text;
  }
  return options;
}

// Returns the fraction (0..1) of the job's progress: 1 once succeeded, else progress.fraction, else items done
// over items total (0 when unknown).
function progressFraction(job) {
  if (job.state === "succeeded") return 1;
  const progress = job.progress || {};
  if (Number.isFinite(progress.fraction)) return Math.min(1, Math.max(0, progress.fraction));
  if (progress.items_total > 0) return Math.min(1, progress.items_done / progress.items_total);
  return 0;
}

// Formats seconds as "m:ss" (or "h:mm:ss").
function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const minutes = `${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${minutes}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

// Returns the line for a succeeded job: "Done: 2 faces swapped." where the record counts them, else "Done.".
function doneText(job) {
  const faces = job.faces_swapped;
  return Number.isInteger(faces) ? `Done: ${faces} face${faces === 1 ? "" : "s"} swapped.` : "Done.";
}

// Shows one job record in the job panel: state, stage, progress, speed and ETA, error, GPU sample.
function renderJob(job) {
  $("job-id").textContent = job.id;
  $("job-state").textContent = job.state;
  $("job-stage").textContent = job.stage || "–";
  const percent = Math.floor(progressFraction(job) * 100);
  $("job-progress").value = percent;
  $("job-progress-text").textContent = `${percent} %`;
  const progress = job.progress || {};
  const running = job.state === "running";
  const unit = String(job.kind || "").includes("video") ? "fps" : "items/s";
  $("job-speed").textContent =
    running && Number.isFinite(progress.items_per_s) ? `${progress.items_per_s.toFixed(1)} ${unit}` : "";
  $("job-eta").textContent = running && Number.isFinite(progress.eta_s) ? `ETA ${clock(progress.eta_s)}` : "";
  $("cancel-button").hidden = job.state !== "queued";
  if (job.error) say("job-message", `${job.error.code}: ${job.error.message}`);
  else if (job.state === "succeeded") say("job-message", doneText(job), "info");
  gpuChart.add(job.gpu ?? null, (performance.now() - current.openedAt) / 1000, job.state);
}

// Returns "<id>-result.<ext>" for a result of type `type` ("bin" for a type not in EXTENSIONS).
function resultFileName(id, type) {
  return `${id}-result.${EXTENSIONS[type.split(";")[0]] || "bin"}`;
}

// Fetches the result of the succeeded job `job` (with the key), previews it (<img>, or <video> for a video) and
// points the download link at it. Errors are shown in the job panel.
async function showResult(job) {
  try {
    const blob = await ffApi.getBlob(job.result || `/v1/jobs/${encodeURIComponent(job.id)}/result`);
    if (job.id !== current.id) return;  // another job was opened meanwhile
    current.resultUrl = URL.createObjectURL(blob);
    const isVideo = blob.type.startsWith("video/");
    const media = document.createElement(isVideo ? "video" : "img");
    media.id = "result-media";
    media.src = current.resultUrl;
    if (isVideo) media.controls = true;
    else media.alt = `the result of ${job.id}`;
    $("result-preview").replaceChildren(media);
    const link = $("download-link");
    link.href = current.resultUrl;
    link.download = resultFileName(job.id, blob.type);
    link.textContent = `Download ${link.download}`;
    $("result").hidden = false;
  } catch (err) {
    say("job-message", `The result could not be fetched: ${messageOf(err)}`);
  }
}

// Follows the job `id` until it reaches a final state: the events stream, opened again when it ends early, and
// polling once a second where the stream cannot be had (a server without it). Stops when `signal` aborts.
// Returns the last record seen (null when aborted first).
async function followJob(id, signal) {
  let last = null;
  const onJob = (job) => {
    last = job;
    renderJob(job);
  };
  for (let attempt = 0; attempt < 5 && !signal.aborted; attempt++) {
    try {
      await ffApi.followJobEvents(id, onJob, signal);
      if (last && FINAL_STATES.has(last.state)) return last;
    } catch (err) {
      if (signal.aborted) return null;
      if (err.status === 401) throw err;
      break;  // no stream (an older server, or a proxy that will not pass it): poll instead
    }
  }
  while (!signal.aborted) {
    onJob(await ffApi.getJob(id));
    if (FINAL_STATES.has(last.state)) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return null;
}

// Opens the job `id` in the job panel: stops following the previous one, follows this one, then shows its result
// and refreshes the job list.
async function openJob(id) {
  if (current.abort) current.abort.abort();
  if (current.resultUrl) URL.revokeObjectURL(current.resultUrl);
  const abort = new AbortController();
  Object.assign(current, { id, abort, openedAt: performance.now(), resultUrl: "" });
  gpuChart.reset();
  $("job-section").hidden = false;
  $("result").hidden = true;
  $("result-preview").replaceChildren();
  say("job-message", "");
  $("job-id").textContent = id;
  try {
    const job = await followJob(id, abort.signal);
    if (!job || abort.signal.aborted) return;
    if (job.state === "succeeded") await showResult(job);
  } catch (err) {
    if (!abort.signal.aborted) say("job-message", messageOf(err));
  }
  if (!abort.signal.aborted) refreshJobs();
}

// Submits the form's files and options as a job and opens it. Problems are shown under the form.
async function submitForm(event) {
  event.preventDefault();
  const sources = [...$("source-input").files];
  const target = $("target-input").files[0];
  if (!sources.length || !target) {
    say("form-message", "Pick at least one source image and a target first.");
    return;
  }
  let options;
  try {
    options = collectOptions();
  } catch (err) {
    say("form-message", err.message);
    return;
  }
  const button = $("submit-button");
  button.disabled = true;
  say("form-message", "Uploading…", "info");
  try {
    const answer = await ffApi.submitJob(sources, target, options);
    const warnings = answer.warnings && answer.warnings.length ? ` Note: ${answer.warnings.join("; ")}` : "";
    say("form-message", `Submitted as ${answer.id}.${warnings}`, "info");
    refreshJobs();
    openJob(answer.id);
  } catch (err) {
    say("form-message", messageOf(err));
  } finally {
    button.disabled = false;
  }
}

// Fetches the file at `path` (with the key) and saves it as `name` (a name without an extension gets the one of
// the file's type); problems go to the message element `messageId`.
async function download(path, name, messageId) {
  try {
    const blob = await ffApi.getBlob(path);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name.includes(".") ? name : `${name}.${EXTENSIONS[blob.type.split(";")[0]] || "bin"}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    const text = err.status === 404 ? `${name}: not there (${err.message})` : messageOf(err);
    say(messageId, text);
  }
}

// Returns a <button> labelled `label` (with the accessible name `name`) that calls `onClick`.
function actionButton(label, name, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-label", name);
  button.addEventListener("click", onClick);
  return button;
}

// Returns the table row of one job record: id, kind, state, progress, created, and its actions.
function jobRow(job) {
  const row = document.createElement("tr");
  row.dataset.jobId = job.id;
  const cells = [job.id, job.kind, job.state, `${Math.floor(progressFraction(job) * 100)} %`, job.created || ""];
  for (const text of cells) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  row.children[2].className = `state state-${job.state}`;
  const actions = document.createElement("td");
  actions.append(actionButton("Open", `open ${job.id}`, () => openJob(job.id)));
  if (job.state === "succeeded") {
    const path = job.result || `/v1/jobs/${encodeURIComponent(job.id)}/result`;
    actions.append(actionButton("Download", `download the result of ${job.id}`,
                                () => download(path, `${job.id}-result`, "jobs-message")));
  }
  if (job.state === "queued") {
    actions.append(actionButton("Cancel", `cancel ${job.id}`, () => cancel(job.id, "jobs-message")));
  }
  row.append(actions);
  return row;
}

// Reloads the job list (with the state filter): the newest JOBS_SHOWN jobs, newest first (the API lists oldest
// first, so the total comes first and then the last page). Errors are shown above the table.
async function refreshJobs() {
  const state = $("jobs-state").value;
  try {
    const { total } = await ffApi.listJobs({ state, limit: 0 });
    const answer = await ffApi.listJobs({ state, limit: JOBS_SHOWN, offset: Math.max(0, total - JOBS_SHOWN) });
    $("job-rows").replaceChildren(...answer.jobs.reverse().map(jobRow));
    const shown = answer.total > answer.jobs.length ? `, the newest ${answer.jobs.length} shown` : "";
    $("jobs-total").textContent = `${answer.total} job${answer.total === 1 ? "" : "s"}${shown}`;
    say("jobs-message", "");
  } catch (err) {
    say("jobs-message", messageOf(err));
  }
}

// Cancels the queued job `id`; the answer's record refreshes the list (and the panel when it shows that job).
async function cancel(id, messageId) {
  try {
    const job = await ffApi.cancelJob(id);
    if (id === current.id) renderJob(job);
    refreshJobs();
  } catch (err) {
    say(messageId, messageOf(err));
  }
}

// Greys out the swappers and enhancers this server has no model for (GET /v1/models). Without an answer (no key
// yet, an old server) every choice stays: a job naming a missing model is refused with the reason.
async function markInstalledModels() {
  let listed;
  try {
    listed = await ffApi.listModels();
  } catch (err) {
    return;
  }
  const installed = new Map(listed.models.map((m) => [m.name, m.installed]));
  for (const option of document.querySelectorAll("#opt-swapper option, #opt-enhancer option")) {
    if (!installed.has(option.value)) continue;
    const missing = !installed.get(option.value);
    option.disabled = missing;
    option.textContent = option.value + (missing ? " (not installed)" : "");
    if (missing && option.selected) option.parentElement.value = option.parentElement.options[0].value;
  }
}

function init() {
  gpuChart = ffGpuChart.create($("gpu-chart"));
  const key = $("api-key");
  key.value = ffApi.apiKey();
  key.addEventListener("change", () => {
    ffApi.setApiKey(key.value);
    refreshJobs();
    markInstalledModels();
  });
  $("source-input").addEventListener("change", (e) => showPreviews($("source-previews"), e.target.files));
  $("target-input").addEventListener("change", (e) => showPreviews($("target-preview"), e.target.files));
  $("job-form").addEventListener("submit", submitForm);
  $("cancel-button").addEventListener("click", () => cancel(current.id, "job-message"));
  $("refresh-jobs").addEventListener("click", refreshJobs);
  $("jobs-state").addEventListener("change", refreshJobs);
  const report = (file) => () => download(`/v1/jobs/${encodeURIComponent(current.id)}/${file}`,
                                          `${current.id}-${file}`, "job-message");
  $("gpu-report-button").addEventListener("click", report("gpu.svg"));
  $("gpu-csv-button").addEventListener("click", report("gpu.csv"));
  refreshJobs();
  markInstalledModels();
}

document.addEventListener("DOMContentLoaded", init);
