// browser.job_page: the web page in headless Chromium against a real `facefuse serve`. It picks a source and a
// target from the fixtures, submits the job through the form, sees the progress bar reach 100 %, checks the
// result's preview and its download (an image of the target's format and size), checks the job list and the API
// key (sent as a Bearer token; a stubbed 401 read out), and keeps a screenshot.
//
//   node job_page.test.mjs FACEFUSE REPO_ROOT OUT_DIR [--web-dir DIR] [--fake-nvml LIB]
//
// FACEFUSE: the binary; REPO_ROOT: the repository (fixtures are REPO_ROOT/../shared/fixtures); OUT_DIR: where the
// screenshot goes (its path is printed). --web-dir DIR: serve the page from DIR instead of the binary's embedded
// copy. --fake-nvml LIB: serve with the test NVML (tests/fake_nvml), and require the GPU chart to draw its
// readings; without it the chart must show readings or say "no GPU on this server". FACEFUSE_CHROMIUM overrides
// the browser (default /usr/bin/chromium-headless-shell).
// Exit status: 0 passed, 1 failed, 77 skipped (Chromium, node_modules or a fixture missing, and CI is not "true";
// under CI=true a missing part fails).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SKIP = 77;
const TEST_TIMEOUT_MS = 280_000;  // under CTest's TIMEOUT, so that the cleanup still runs
const JOB_TIMEOUT_MS = 200_000;   // a classical swap takes seconds; the 2-core machines run other tests meanwhile
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--no-first-run",
];

class TestFailure extends Error {}

let liveServer = null;  // the serve process while it runs, for the watchdog to end

// Fails the test with `message` unless `condition` holds.
function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

// Exits SKIP with `why`, or fails when CI=true (a CI machine must have every part).
function skipOrFail(why) {
  if (process.env.CI === "true") {
    console.error(`FAIL: ${why} (CI=true: nothing may be missing)`);
    process.exit(1);
  }
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}

// Returns {binary, repo, outDir, webDir, fakeNvml} from the command line; exits 1 on a usage error.
function parseArgs(argv) {
  const positional = [];
  let webDir = "";
  let fakeNvml = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--web-dir" && i + 1 < argv.length) webDir = resolve(argv[++i]);
    else if (argv[i] === "--fake-nvml" && i + 1 < argv.length) fakeNvml = resolve(argv[++i]);
    else positional.push(argv[i]);
  }
  if (positional.length !== 3) {
    console.error("usage: node job_page.test.mjs FACEFUSE REPO_ROOT OUT_DIR [--web-dir DIR] [--fake-nvml LIB]");
    process.exit(1);
  }
  const [binary, repo, outDir] = positional.map((p) => resolve(p));
  return { binary, repo, outDir, webDir, fakeNvml };
}

// Returns {format, width, height} from the header of a PNG or JPEG file's bytes, or null for anything else.
function imageHeader(bytes) {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString("latin1", 12, 16) === "IHDR") {
    return { format: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; }
    const length = bytes.readUInt16BE(at + 2);
    const startOfFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (startOfFrame) return { format: "jpeg", width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
    at += 2 + length;
  }
  return null;
}

// Starts `facefuse serve --port 0` on a data dir in `tmp` (with the test NVML `fakeNvml` when given). Returns
// {url, server, log()}; throws TestFailure when it does not print its URL within 60 s or exits first.
function startServer(binary, tmp, webDir, fakeNvml) {
  const args = ["serve", "--port", "0", "--data-dir", join(tmp, "data")];
  if (webDir) args.push("--web-dir", webDir);
  const env = { ...process.env };
  if (fakeNvml) Object.assign(env, { FACEFUSE_NVML_LIBRARY: fakeNvml, FACEFUSE_FAKE_NVML_CURVE: "30 70 95 50" });
  env.FACEFUSE_MODELS_DIR = join(tmp, "models");  // empty: only the bundled models are installed
  const server = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], env });
  liveServer = server;
  let output = "";
  const log = () => output;
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => rejectStart(new TestFailure(`serve printed no URL in 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      const found = /job API at (http:\/\/[0-9.]+:[0-9]+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolveStart({ url: found[1], server, log });
      }
    };
    server.stdout.setEncoding("utf8").on("data", onData);
    server.stderr.setEncoding("utf8").on("data", onData);
    server.on("error", (err) => rejectStart(new TestFailure(`cannot start ${binary}: ${err.message}`)));
    server.on("exit", (code, signal) => {
      clearTimeout(timer);
      rejectStart(new TestFailure(`serve exited (${signal || code}) before printing its URL:\n${output}`));
    });
  });
}

// Ends the server: SIGTERM, then SIGKILL after 5 s.
async function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((done) => server.once("exit", done));
  server.kill("SIGTERM");
  const killer = setTimeout(() => server.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(killer);
}

// Picks the files and chooses the options (with an out-of-range mask blur first: the page must show the server's
// message, and no job); then submits the valid form. Returns the job id the page shows.
async function submitThroughPage(page, source, target) {
  await page.setInputFiles("#source-input", source);
  await page.setInputFiles("#target-input", target);
  await page.waitForFunction(() => {
    const previews = [...document.querySelectorAll("#source-previews img, #target-preview img")];
    return previews.length === 2 && previews.every((img) => img.complete && img.naturalWidth > 0);
  }, null, { timeout: 10_000 });
  // The server has no inswapper_128 (an empty models dir): the page greys it out; the built-in swapper stays.
  await page.waitForFunction(() => document.querySelector('#opt-swapper option[value="inswapper_128"]').disabled,
                             null, { timeout: 10_000 });
  const missing = await page.textContent('#opt-swapper option[value="inswapper_128"]');
  check(missing === "inswapper_128 (not installed)", `the missing swapper reads "${missing}"`);
  check(!(await page.$eval('#opt-swapper option[value="classical"]', (o) => o.disabled)),
        "the built-in classical swapper was greyed out");
  await page.selectOption("#opt-swapper", "classical");
  await page.selectOption("#opt-selector", "one");

  await page.fill("#opt-mask-blur", "1.5");
  await page.click("#submit-button");
  await page.waitForFunction(() => document.getElementById("form-message").dataset.kind === "error",
                             null, { timeout: 30_000 });
  const refused = await page.textContent("#form-message");
  check(refused.includes('"mask-blur" must be in 0..1'),
        `a mask blur of 1.5 shows "${refused}", not the server's message`);
  check(await page.textContent("#job-id") === "", "a refused submission opened a job");
  console.log(`refused as expected: ${refused}`);

  await page.fill("#opt-mask-blur", "");
  await page.click("#submit-button");
  await page.waitForFunction(() => document.getElementById("job-id").textContent !== "" ||
                                   document.getElementById("form-message").dataset.kind === "error",
                             null, { timeout: 30_000 });
  const formMessage = await page.textContent("#form-message");
  const id = await page.textContent("#job-id");
  check(id, `the page shows no job after submitting: "${formMessage}"`);
  console.log(`submitted ${id} (${formMessage})`);
  return id;
}

// Waits for the job panel's final state; fails unless it succeeded with the progress bar at 100 %. Returns the
// percentages the progress text showed on the way.
async function waitForSuccess(page) {
  const seen = new Set();
  await page.exposeFunction("ffRecordProgress", (text) => seen.add(text));
  await page.evaluate(() => {
    const text = document.getElementById("job-progress-text");
    window.ffRecordProgress(text.textContent);
    new MutationObserver(() => window.ffRecordProgress(text.textContent))
      .observe(text, { childList: true, characterData: true, subtree: true });
  });
  await page.waitForFunction(() => ["succeeded", "failed", "cancelled"].includes(
    document.getElementById("job-state").textContent), null, { timeout: JOB_TIMEOUT_MS });
  const state = await page.textContent("#job-state");
  check(state === "succeeded", `the job ended ${state}: "${await page.textContent("#job-message")}"`);
  const text = await page.textContent("#job-progress-text");
  const value = await page.$eval("#job-progress", (bar) => bar.value);
  check(text === "100 %" && value === 100, `the progress bar ended at ${value} ("${text}"), not 100 %`);
  return [...seen];
}

// Checks the result's preview and downloads it through the page's link; returns the downloaded file's bytes and
// its suggested name.
async function checkResult(page, tmp, target) {
  await page.waitForSelector("#result-media", { state: "visible", timeout: 30_000 });
  await page.waitForFunction(() => {
    const media = document.getElementById("result-media");
    return media.tagName !== "IMG" || (media.complete && media.naturalWidth > 0);
  }, null, { timeout: 10_000 });
  const shown = await page.$eval("#result-media", (img) => [img.naturalWidth, img.naturalHeight]);
  check(shown[0] === target.width && shown[1] === target.height,
        `the preview decodes to ${shown.join("x")}, the target is ${target.width}x${target.height}`);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-link")]);
  const name = download.suggestedFilename();
  const file = join(tmp, "download-" + name);
  await download.saveAs(file);
  return { bytes: readFileSync(file), name };
}

// Clicks "GPU report (SVG)": the job's report downloads as <id>-gpu.svg, or the page says the job has none (404).
// Returns what happened, for the log.
async function checkGpuReport(page, id, tmp) {
  const downloaded = page.waitForEvent("download", { timeout: 15_000 }).then((d) => d);
  const refused = page.waitForFunction(() => document.getElementById("job-message").textContent.includes("not there"),
                                       null, { timeout: 15_000 }).then(() => null);
  await page.click("#gpu-report-button");
  const download = await Promise.race([downloaded, refused]);
  downloaded.catch(() => {});
  refused.catch(() => {});
  if (!download) return `no GPU report: ${await page.textContent("#job-message")}`;
  check(download.suggestedFilename() === `${id}-gpu.svg`, `the GPU report is named "${download.suggestedFilename()}"`);
  const file = join(tmp, "download-" + download.suggestedFilename());
  await download.saveAs(file);
  const text = readFileSync(file, "utf8");
  check(text.includes("<svg"), `the GPU report is no SVG: "${text.slice(0, 80)}"`);
  return `GPU report ${download.suggestedFilename()} (${text.length} bytes)`;
}

// Refreshes the job list and checks that it shows `id` succeeded.
async function checkJobList(page, id) {
  await page.click("#refresh-jobs");
  await page.waitForFunction((jobId) => {
    const row = document.querySelector(`#job-rows tr[data-job-id="${jobId}"]`);
    return row && row.children[2].textContent === "succeeded";
  }, id, { timeout: 10_000 });
}

// The API key: once typed, the page sends it as a Bearer token (the list's request carries it) and keeps it in
// localStorage; a 401 answer (stubbed here: the server under test has no keys) reads "Not signed in".
async function checkApiKey(page) {
  await page.fill("#api-key", "test-key");
  const [listed] = await Promise.all([
    // (the list the page asked for at load may still be on its way: wait for the first one with a key)
    page.waitForRequest((request) => new URL(request.url()).pathname === "/v1/jobs" && request.method() === "GET" &&
                                     request.headers()["authorization"] !== undefined, { timeout: 10_000 }),
    page.press("#api-key", "Tab"),  // leaving the field saves the key
  ]);
  const sent = listed.headers()["authorization"];
  check(sent === "Bearer test-key", `the page sent Authorization "${sent}", not "Bearer test-key"`);
  const kept = await page.evaluate(() => localStorage.getItem("facefuse.apiKey"));
  check(kept === "test-key", `the page kept the key as "${kept}"`);
  await page.route("**/v1/jobs?*", (route) => route.fulfill({
    status: 401, contentType: "application/json",
    body: JSON.stringify({ error: { code: "Unauthenticated", message: "the API key is not valid" } }),
  }));
  await page.click("#refresh-jobs");
  await page.waitForFunction(() => document.getElementById("jobs-message").textContent.startsWith("Not signed in"),
                             null, { timeout: 10_000 });
  const said = await page.textContent("#jobs-message");
  check(said.includes("the API key is not valid"), `a 401 reads "${said}", without the server's message`);
  await page.unroute("**/v1/jobs?*");
  await page.fill("#api-key", "");
  await page.press("#api-key", "Tab");
  await page.waitForFunction(() => document.getElementById("jobs-message").textContent === "",
                             null, { timeout: 10_000 });
  return said;
}

async function run({ binary, outDir, webDir, fakeNvml }, chromium, executablePath, fixtures) {
  const tmp = mkdtempSync(join(tmpdir(), "facefuse-browser-"));
  let browser = null;
  let served = null;
  try {
    served = await startServer(binary, tmp, webDir, fakeNvml);
    console.log(`serve: ${served.url}${webDir ? ` (page from ${webDir})` : " (embedded page)"}`);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, timeout: 60_000 });
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
    const pageErrors = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => { if (msg.type() === "error") console.log(`page console: ${msg.text()}`); });
    const streams = [];  // the answers to the page's /events requests
    page.on("response", (response) => {
      if (/\/v1\/jobs\/[^/]+\/events$/.test(new URL(response.url()).pathname)) {
        streams.push(`${response.status()} ${response.headers()["content-type"]}`);
      }
    });
    const answer = await page.goto(served.url + "/");
    check(answer && answer.ok(), `GET / answered ${answer && answer.status()}`);
    check(await page.title() === "facefuse", `GET / is not the page (title "${await page.title()}")`);

    const target = imageHeader(readFileSync(fixtures.target));
    const id = await submitThroughPage(page, fixtures.source, fixtures.target);
    const seen = await waitForSuccess(page);
    console.log(`progress seen: ${seen.join(", ")}; event streams: ${streams.join(", ")}`);
    check(streams.some((s) => s.startsWith("200 text/event-stream")), "the page did not follow the job's events");
    const result = await checkResult(page, tmp, target);
    const header = imageHeader(result.bytes);
    check(header, `the download ${result.name} (${result.bytes.length} bytes) is not a PNG or JPEG`);
    check(header.format === target.format && header.width === target.width && header.height === target.height,
          `the download is a ${header.format} ${header.width}x${header.height}, the target a ` +
          `${target.format} ${target.width}x${target.height}`);
    check(result.name === `${id}-result.png`, `the download is named "${result.name}", not "${id}-result.png"`);
    console.log(`downloaded ${result.name}: ${header.format} ${header.width}x${header.height}, ` +
                `${result.bytes.length} bytes`);

    const chart = await page.$eval("#gpu-chart",
                                   (c) => ({ text: c.textContent, lines: c.querySelectorAll("polyline").length }));
    if (fakeNvml) {
      check(chart.lines === 4, `the GPU chart draws no readings of the test NVML: "${chart.text}"`);
      check(/Utilisation: (30|70|95|50) %/.test(chart.text),
            `the GPU chart's utilisation is not one of the test NVML's (30, 70, 95, 50 %): "${chart.text}"`);
    } else {
      check(chart.lines === 4 || chart.text.includes("no GPU on this server"),
            `the GPU chart shows neither readings nor "no GPU on this server": "${chart.text}"`);
    }
    console.log(`GPU chart: ${chart.lines ? `${chart.lines} series` : chart.text}`);
    console.log(await checkGpuReport(page, id, tmp));
    await checkJobList(page, id);
    console.log(`API key: sent as a Bearer token; a 401 reads "${await checkApiKey(page)}"`);
    check(!pageErrors.length, `the page threw: ${pageErrors.join("; ")}`);

    mkdirSync(outDir, { recursive: true });
    const screenshot = join(outDir, "job_page.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
  } catch (err) {
    if (served) console.error(`serve's output:\n${served.log()}`);
    throw err;
  } finally {
    if (browser) await browser.close();
    if (served) await stopServer(served.server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const executablePath = process.env.FACEFUSE_CHROMIUM || "/usr/bin/chromium-headless-shell";
  if (!existsSync(executablePath)) skipOrFail(`no Chromium at ${executablePath} (scripts/install-deps.sh installs it)`);
  let chromium;
  try {
    ({ chromium } = createRequire(join(HERE, "package.json"))("playwright-core"));
  } catch {
    skipOrFail(`no playwright-core in ${join(HERE, "node_modules")} (npm ci --prefix tests/browser)`);
  }
  const images = join(args.repo, "..", "shared", "fixtures", "media", "images");
  const fixtures = { source: join(images, "obama.jpg"), target: join(images, "astronaut.png") };
  for (const file of Object.values(fixtures)) if (!existsSync(file)) skipOrFail(`fixture missing: ${file}`);
  if (args.fakeNvml && !existsSync(args.fakeNvml)) {
    console.error(`FAIL: no test NVML at ${args.fakeNvml} (build the fake_nvml target)`);
    process.exit(1);
  }

  const watchdog = setTimeout(() => {
    console.error(`FAIL: the test ran over ${TEST_TIMEOUT_MS / 1000} s`);
    if (liveServer) liveServer.kill("SIGKILL");
    process.exit(1);
  }, TEST_TIMEOUT_MS);
  try {
    await run(args, chromium, executablePath, fixtures);
    console.log("PASS: browser.job_page");
  } catch (err) {
    console.error(`FAIL: ${err instanceof TestFailure ? err.message : err.stack}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
  }
}

await main();
