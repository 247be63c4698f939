// The job API as the page uses it: requests with the API key, errors as readable messages, the job events stream.
// Loaded before gpu_chart.js and app.js; defines the one global `ffApi`.
"use strict";

const ffApi = (() => {
  const KEY_STORAGE = "facefuse.apiKey";

  // An error whose message is fit to show: the server's {"error": {"code", "message"}} or what went wrong on the way.
  class ApiError extends Error {
    // status: the HTTP status (0 when the request got no answer); code: the server's error code, or "".
    constructor(message, status, code) {
      super(message);
      this.name = "ApiError";
      this.status = status;
      this.code = code;
    }
  }

  // Reads the key saved in this browser ("" when none, or when storage is disabled).
  function loadKey() {
    try {
      return localStorage.getItem(KEY_STORAGE) || "";
    } catch {
      return "";
    }
  }

  let currentKey = loadKey();

  // Returns the API key the requests send ("" when none).
  function apiKey() {
    return currentKey;
  }

  // Sets the key (trimmed) for the next requests and saves it for the next visits; "" removes it.
  function setApiKey(key) {
    currentKey = key.trim();
    try {
      if (currentKey) localStorage.setItem(KEY_STORAGE, currentKey);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      // storage disabled: the key serves this visit only
    }
  }

  // The headers every /v1 request carries: Authorization when a key is set.
  function authHeaders() {
    return currentKey ? { Authorization: "Bearer " + currentKey } : {};
  }

  // Returns the ApiError for a response that is not ok: the server's message where the body has the error shape,
  // a clear word on 401 (no key, or one the server refused).
  async function errorFrom(response) {
    let code = "";
    let message = "";
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code || "";
        message = body.error.message || "";
      }
    } catch {
      // not JSON: fall back to the status below
    }
    if (response.status === 401) {
      const why = currentKey ? "the server refused the API key" : "the server needs an API key";
      message = `Not signed in: ${why}. Enter a valid key in "API key" above.` + (message ? ` (${message})` : "");
    } else if (!message) {
      message = `the server answered ${response.status} ${response.statusText}`.trim();
    }
    return new ApiError(message, response.status, code || (response.status === 401 ? "Unauthenticated" : ""));
  }

  // fetch() with the API key. Returns the response when it is ok; throws ApiError otherwise (or when there is no
  // answer at all).
  async function request(path, init = {}) {
    const headers = Object.assign({}, init.headers || {}, authHeaders());
    let response;
    try {
      response = await fetch(path, Object.assign({}, init, { headers }));
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(`no answer from the server (${err.message})`, 0, "");
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  // Returns the parsed JSON of a successful request; throws ApiError.
  async function requestJson(path, init = {}) {
    const response = await request(path, init);
    return response.json();
  }

  // Submits a swap: `sources` (File[]), `target` (File), `options` (object of docs/api.md options).
  // Returns {"id", "state", "warnings"}; throws ApiError (400 with the server's message for a bad request).
  function submitJob(sources, target, options) {
    const form = new FormData();
    for (const file of sources) form.append("source", file, file.name);
    form.append("target", target, target.name);
    form.append("options", JSON.stringify(options));
    return requestJson("/v1/jobs", { method: "POST", body: form });
  }

  // Returns the job record; throws ApiError (404 for an unknown id).
  function getJob(id) {
    return requestJson(`/v1/jobs/${encodeURIComponent(id)}`);
  }

  // Returns {"jobs", "total", "offset", "limit"}; `state` "" means any state.
  function listJobs({ state = "", limit = 100, offset = 0 } = {}) {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (state) query.set("state", state);
    return requestJson(`/v1/jobs?${query}`);
  }

  // Cancels a queued job; returns its record. Throws ApiError (409 when it is running or finished).
  function cancelJob(id) {
    return requestJson(`/v1/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  // Returns {"models": [{"name", "kind", "installed"}], "builtin_swappers"}: what this server can run.
  function listModels() {
    return requestJson("/v1/models");
  }

  // Returns the Blob at `path` (a result or a GPU report) with the key sent; throws ApiError (404 when the job has
  // no such file, 409 for a result before success).
  async function getBlob(path) {
    const response = await request(path);
    return response.blob();
  }

  // Splits text/event-stream text into events. Feed it chunks of text with push(); it calls onEvent(name, data)
  // for every complete event (name "message" when the event has no `event:` line; data lines joined by "\n").
  // Comment lines and unknown fields are skipped.
  function eventStreamParser(onEvent) {
    let buffer = "";
    let name = "";
    let data = [];
    function line(text) {
      if (text === "") {
        if (data.length) onEvent(name || "message", data.join("\n"));
        name = "";
        data = [];
        return;
      }
      if (text.startsWith(":")) return;
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    return {
      push(chunk) {
        buffer += chunk;
        let end;
        while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
          if (buffer[end] === "\r" && end + 1 === buffer.length) break;  // a "\r" whose "\n" may come next
          const breakLength = buffer.startsWith("\r\n", end) ? 2 : 1;
          line(buffer.slice(0, end));
          buffer = buffer.slice(end + breakLength);
        }
      },
    };
  }

  // Follows GET /v1/jobs/{id}/events: calls onJob(record) for every `job` event until the stream ends or `signal`
  // aborts. Resolves when the stream ends; throws ApiError when the request fails (404: unknown job or a server
  // without the events route), AbortError when aborted. fetch + a stream reader, so that the key can be sent.
  async function followJobEvents(id, onJob, signal) {
    const response = await request(`/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: { Accept: "text/event-stream" },
      signal,
    });
    const parser = eventStreamParser((name, data) => {
      if (name === "job") onJob(JSON.parse(data));
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
    parser.push("\n\n");  // an event the server ended without its blank line
  }

  return {
    ApiError, apiKey, setApiKey, submitJob, getJob, listJobs, listModels, cancelJob, getBlob, followJobEvents,
    eventStreamParser,
  };
})();
