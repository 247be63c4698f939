// The load client of bench/service_load.sh: C clients against a running `facefuse serve --port` for D seconds.
//
//   node bench/service_load.mjs --url URL --source IMAGE --target IMAGE [--duration 60] [--clients 50]
//                               [--readers N] [--swappers N] [--poll-ms 200] [--drain 300]
//
// Clients (each on its own keep-alive connection, one request at a time):
// - submitters (what is left after the others): POST /v1/jobs (classical swap of SOURCE onto TARGET), then
//   GET /v1/jobs/{id} every --poll-ms until the job is final, then GET /v1/jobs/{id}/result; a 503 waits the
//   Retry-After it carries (at most until the end);
// - readers (default a fifth of the clients): GET /v1/jobs/{id} of a random accepted job, GET /v1/jobs?limit=20 and
//   GET /metrics in turn, without pause;
// - swappers (default 3): POST /v1/swap in a loop, waiting the Retry-After of a 503.
// After D seconds no new request starts; the jobs still queued or running are followed (GET /v1/jobs/{id}, not
// counted in the table) until final, for at most --drain seconds.
//
// Prints a Markdown table to stdout: per route and status the requests, their share of the route, req/s and
// p50/p95/p99 latency; the jobs accepted and completed per second, the CPU the server and the clients used; then
// the checks. Exit status 1 when a check fails:
// a 5xx other than 503, any other unexpected status or a request that got no answer, an accepted job that did not
// succeed (or not within --drain), /health/live not answering 200 at the end. Exit 2 on bad arguments.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const kFinalStates = new Set(['succeeded', 'failed', 'cancelled']);
const kRequestTimeoutMs = 60000;
// The statuses each route may answer under this load; anything else fails the run.
const kExpected = {
  'POST /v1/jobs': [202, 503],
  'GET /v1/jobs/{id}': [200],
  'GET /v1/jobs/{id}/result': [200],
  'GET /v1/jobs': [200],
  'GET /metrics': [200],
  'POST /v1/swap': [200, 503],
};

function usage(message) {
  console.error(`service_load.mjs: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = {duration: 60, clients: 50, readers: null, swappers: 3, pollMs: 200, drain: 300};
  const numeric = {'--duration': 'duration', '--clients': 'clients', '--readers': 'readers',
                   '--swappers': 'swappers', '--poll-ms': 'pollMs', '--drain': 'drain'};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--url') args.url = value.replace(/\/$/, '');
    else if (flag === '--source') args.source = value;
    else if (flag === '--target') args.target = value;
    else if (flag in numeric) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) usage(`${flag} must be a number >= 0, got ${value}`);
      args[numeric[flag]] = n;
    } else usage(`unknown option ${flag}`);
  }
  if (!args.url || !args.source || !args.target) usage('--url, --source and --target are needed');
  if (args.readers === null) args.readers = Math.round(args.clients / 5);
  if (args.clients < 1 || args.readers + args.swappers >= args.clients) {
    usage(`--clients (${args.clients}) must exceed --readers (${args.readers}) + --swappers (${args.swappers})`);
  }
  return args;
}

// The multipart body of a classical swap of `source` onto `target`, built once and sent by every client.
function swapBody(source, target) {
  const boundary = 'facefuse-load-' + Date.now().toString(16);
  const part = (name, filename, type, bytes) => Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"` +
                (filename ? `; filename="${filename}"` : '') + `\r\nContent-Type: ${type}\r\n\r\n`),
    bytes, Buffer.from('\r\n')]);
  const body = Buffer.concat([
    part('source', path.basename(source), 'application/octet-stream', fs.readFileSync(source)),
    part('target', path.basename(target), 'application/octet-stream', fs.readFileSync(target)),
    part('options', null, 'application/json', Buffer.from('{"swapper": "classical"}')),
    Buffer.from(`--${boundary}--\r\n`)]);
  return {body, type: `multipart/form-data; boundary=${boundary}`};
}

// Per route: latencies (ms) by status (a number, or 'error' for a request that got no answer), during the load.
class Recorder {
  constructor() { this.routes = new Map(); }
  add(route, status, ms) {
    if (!this.routes.has(route)) this.routes.set(route, new Map());
    const byStatus = this.routes.get(route);
    if (!byStatus.has(status)) byStatus.set(status, []);
    byStatus.get(status).push(ms);
  }
}

// The value of the sample `name` (a metric name with its labels, if any) in Prometheus text; NaN when absent.
function metricValue(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// One request on `agent`; resolves {status, headers, body} or {status: 'error', error} (never rejects).
function request(agent, url, method, upload) {
  return new Promise((resolve) => {
    const headers = upload ? {'Content-Type': upload.type, 'Content-Length': upload.body.length} : {};
    const req = http.request(url, {method, agent, headers, timeout: kRequestTimeoutMs}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks)}));
      res.on('error', (e) => resolve({status: 'error', error: e.message}));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${kRequestTimeoutMs / 1000} s`)));
    req.on('error', (e) => resolve({status: 'error', error: e.message}));
    req.end(upload ? upload.body : undefined);
  });
}

// The shared state of a run: where to send, what was seen, when to stop.
class LoadRun {
  constructor(args) {
    this.args = args;
    this.upload = swapBody(args.source, args.target);
    this.recorder = new Recorder();
    this.accepted = [];               // ids of the jobs POST /v1/jobs accepted, in order
    this.finalState = new Map();      // id -> the final state a client saw
    this.completedInLoad = 0;         // jobs seen succeeded before the end of the load
    this.errors = [];                 // requests without an answer, unexpected answers: one line each
    this.start = 0;
    this.end = 0;
  }
  running() { return Date.now() < this.end; }

  // Sends and records one request of `route`; returns the answer.
  async send(agent, route, urlPath, method = 'GET', upload = null) {
    const started = process.hrtime.bigint();
    const answer = await request(agent, this.args.url + urlPath, method, upload);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.recorder.add(route, answer.status, ms);
    if (answer.status === 'error') this.note(`${method} ${urlPath}: no answer: ${answer.error}`);
    else if (!kExpected[route].includes(answer.status)) {
      this.note(`${method} ${urlPath}: ${answer.status} ${answer.body.toString().slice(0, 200)}`);
    }
    return answer;
  }
  note(line) { if (this.errors.push(line) <= 10) console.error(`service_load: ${line}`); }

  // Waits what a 503's Retry-After asks (1 s when it has none), at most until the end of the load.
  async honourRetryAfter(answer) {
    const seconds = Number.parseInt(answer.headers?.['retry-after'] ?? '1', 10);
    await sleep(Math.min((Number.isFinite(seconds) ? seconds : 1) * 1000, this.end - Date.now()));
  }

  async submitter(agent) {
    while (this.running()) {
      const submitted = await this.send(agent, 'POST /v1/jobs', '/v1/jobs', 'POST', this.upload);
      if (submitted.status === 503) { await this.honourRetryAfter(submitted); continue; }
      if (submitted.status !== 202) { await sleep(100); continue; }
      const id = JSON.parse(submitted.body).id;
      this.accepted.push(id);
      let state = 'queued';
      while (this.running() && !kFinalStates.has(state)) {
        await sleep(this.args.pollMs);
        const polled = await this.send(agent, 'GET /v1/jobs/{id}', `/v1/jobs/${id}`);
        if (polled.status === 200) state = JSON.parse(polled.body).state;
      }
      if (!kFinalStates.has(state)) continue;  // the load ended first: the drain follows it
      this.finalState.set(id, state);
      if (state !== 'succeeded') continue;
      if (Date.now() < this.end) this.completedInLoad++;
      await this.send(agent, 'GET /v1/jobs/{id}/result', `/v1/jobs/${id}/result`);
    }
  }

  async reader(agent) {
    for (let turn = 0; this.running(); turn++) {
      if (turn % 3 === 0 && this.accepted.length > 0) {
        const id = this.accepted[Math.floor(Math.random() * this.accepted.length)];
        await this.send(agent, 'GET /v1/jobs/{id}', `/v1/jobs/${id}`);
      } else if (turn % 3 === 2) {
        await this.send(agent, 'GET /metrics', '/metrics');
      } else {
        await this.send(agent, 'GET /v1/jobs', '/v1/jobs?limit=20');
      }
    }
  }

  async swapper(agent) {
    while (this.running()) {
      const answer = await this.send(agent, 'POST /v1/swap', '/v1/swap', 'POST', this.upload);
      if (answer.status === 503) await this.honourRetryAfter(answer);
      else if (answer.status !== 200) await sleep(100);
    }
  }

  // The server's CPU seconds and queue-full refusals so far, from /metrics (not counted in the table).
  async serverCounters() {
    const answer = await request(undefined, `${this.args.url}/metrics`, 'GET');
    const text = answer.status === 200 ? answer.body.toString() : '';
    return {cpu: metricValue(text, 'process_cpu_seconds_total'),
            queueFull: metricValue(text, 'facefuse_rejected_requests_total{reason="queue_full"}')};
  }

  // Follows every accepted job not yet seen final until it is, for at most --drain seconds. Returns the seconds.
  async drain() {
    const agent = new http.Agent({keepAlive: true, maxSockets: 4});
    const started = Date.now();
    const deadline = started + this.args.drain * 1000;
    let open = this.accepted.filter((id) => !this.finalState.has(id));
    while (open.length > 0 && Date.now() < deadline) {
      for (const id of open) {
        const answer = await request(agent, `${this.args.url}/v1/jobs/${id}`, 'GET');
        if (answer.status === 200) {
          const state = JSON.parse(answer.body).state;
          if (kFinalStates.has(state)) this.finalState.set(id, state);
        }
      }
      open = open.filter((id) => !this.finalState.has(id));
      if (open.length > 0) await sleep(500);
    }
    agent.destroy();
    return (Date.now() - started) / 1000;
  }

  async run() {
    const {clients, readers, swappers, duration} = this.args;
    const submitters = clients - readers - swappers;
    const before = await this.serverCounters();
    const clientCpu = process.cpuUsage();
    this.start = Date.now();
    this.end = this.start + duration * 1000;
    const loops = [];
    for (let i = 0; i < clients; i++) {
      const agent = new http.Agent({keepAlive: true, maxSockets: 1});
      const loop = i < submitters ? this.submitter(agent)
                 : i < submitters + readers ? this.reader(agent) : this.swapper(agent);
      loops.push(loop.finally(() => agent.destroy()));
    }
    await Promise.all(loops);
    this.loadSeconds = (Date.now() - this.start) / 1000;
    const after = await this.serverCounters();
    const clientUsed = process.cpuUsage(clientCpu);
    this.serverCpuSeconds = after.cpu - before.cpu;
    this.serverQueueFull = after.queueFull - before.queueFull;
    this.clientCpuSeconds = (clientUsed.user + clientUsed.system) / 1e6;
    console.error(`service_load: load over after ${this.loadSeconds.toFixed(1)} s; following the jobs still open`);
    this.drainSeconds = await this.drain();
    const live = await request(undefined, `${this.args.url}/health/live`, 'GET');
    this.liveStatus = live.status;
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Prints the table and the checks; returns the failed checks.
function report(run) {
  const {args, recorder, loadSeconds} = run;
  const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const submitters = args.clients - args.readers - args.swappers;
  console.log(`Load: ${args.clients} clients for ${fmt(loadSeconds)} s (${submitters} submit and follow jobs, ` +
              `${args.readers} read, ${args.swappers} POST /v1/swap), poll every ${args.pollMs} ms; ` +
              `source ${path.basename(args.source)}, target ${path.basename(args.target)}, classical swapper.`);
  console.log('');
  console.log('| route | answer | requests | share | req/s | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  const failures = [];
  for (const route of Object.keys(kExpected)) {
    const byStatus = recorder.routes.get(route);
    if (!byStatus) continue;
    const total = [...byStatus.values()].reduce((n, ms) => n + ms.length, 0);
    for (const [status, ms] of [...byStatus].sort(([a], [b]) => String(a).localeCompare(String(b)))) {
      const sorted = Float64Array.from(ms).sort();
      const n = sorted.length;
      console.log(`| ${route} | ${status === 'error' ? 'no answer' : status} | ${n} | ${fmt((100 * n) / total)} % | ` +
                  `${fmt(n / loadSeconds)} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 95))} | ` +
                  `${fmt(percentile(sorted, 99))} |`);
      if (status === 'error') failures.push(`${route}: ${n} request(s) got no answer`);
      else if (status >= 500 && status !== 503) failures.push(`${route}: ${n} answer(s) ${status}`);
      else if (!kExpected[route].includes(status)) failures.push(`${route}: ${n} unexpected ${status}`);
    }
  }
  const requests = [...recorder.routes.values()].flatMap((byStatus) => [...byStatus.values()])
                                                 .reduce((n, ms) => n + ms.length, 0);
  console.log('');
  console.log(`All routes: ${requests} requests, ${fmt(requests / loadSeconds)} req/s.`);
  const accepted = run.accepted.length;
  const states = {};
  for (const id of run.accepted) {
    const state = run.finalState.get(id) ?? 'not final';
    states[state] = (states[state] ?? 0) + 1;
  }
  const succeeded = states.succeeded ?? 0;
  console.log(`Jobs: ${accepted} accepted (${fmt(accepted / loadSeconds, 2)}/s), ${run.completedInLoad} completed ` +
              `during the load (${fmt(run.completedInLoad / loadSeconds, 2)}/s), ` +
              `${accepted - run.completedInLoad} followed after it (${fmt(run.drainSeconds)} s); final states: ` +
              Object.entries(states).map(([s, n]) => `${s} ${n}`).join(', ') + '.');
  const cores = os.availableParallelism();
  console.log(`CPU during the load: serve ${fmt(run.serverCpuSeconds)} s, ` +
              `the clients ${fmt(run.clientCpuSeconds)} s, ` +
              `of ${fmt(cores * loadSeconds)} core-seconds (${cores} cores); the server counted ` +
              `${run.serverQueueFull} queue-full refusals.`);
  if (succeeded !== accepted) failures.push(`${accepted - succeeded} of ${accepted} accepted jobs did not succeed`);
  if (run.liveStatus !== 200) failures.push(`/health/live answered ${run.liveStatus} after the load`);
  console.log(failures.length === 0
    ? 'Checks: no 5xx but 503, no unexpected status, every request answered, every accepted job succeeded, ' +
      '/health/live 200 after the load: OK'
    : `Checks FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
  if (run.errors.length > 10) console.error(`service_load: ${run.errors.length - 10} more unexpected answers`);
  return failures;
}

const run = new LoadRun(parseArgs(process.argv.slice(2)));
await run.run();
process.exit(report(run).length === 0 ? 0 : 1);
