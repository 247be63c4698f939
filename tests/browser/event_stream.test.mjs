// browser.event_stream: the page's text/event-stream parser (web/api.js, ffApi.eventStreamParser) on streams cut
// at every byte, with LF, CRLF and CR line ends, comments, several data lines and an event without a name. Runs
// api.js in a bare context with node alone (no browser).
//
//   node event_stream.test.mjs REPO_ROOT
//
// Exit status: 0 passed, 1 failed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

const repo = process.argv[2];
if (!repo) {
  console.error("usage: node event_stream.test.mjs REPO_ROOT");
  process.exit(1);
}
const context = vm.createContext({});
const ffApi = vm.runInContext(readFileSync(join(repo, "web", "api.js"), "utf8") + "\nffApi;", context);

// Returns the events ([name, data] pairs) the parser reports for `text` fed in chunks of `size` characters.
function parse(text, size) {
  const events = [];
  const parser = ffApi.eventStreamParser((name, data) => events.push([name, data]));
  for (let at = 0; at < text.length; at += size) parser.push(text.slice(at, at + size));
  return events;
}

const stream = [
  ": a comment the parser skips",
  "event: job",
  'data: {"id":"job-1","state":"running"}',
  "",
  "event: job",
  'data: {"id":"job-1",',
  'data: "state":"succeeded"}',
  "",
  "data: no name",
  "",
  "event: ignored-without-data",
  "",
  "",
];
const expected = [
  ["job", '{"id":"job-1","state":"running"}'],
  ["job", '{"id":"job-1",\n"state":"succeeded"}'],
  ["message", "no name"],
];

let failures = 0;
for (const [ending, name] of [["\n", "LF"], ["\r\n", "CRLF"], ["\r", "CR"]]) {
  const text = stream.join(ending);
  for (const size of [1, 2, 3, 7, text.length]) {
    const got = JSON.stringify(parse(text, size));
    if (got !== JSON.stringify(expected)) {
      console.error(`FAIL: ${name} line ends in chunks of ${size}: got ${got}`);
      failures++;
    }
  }
}
if (failures) process.exit(1);
console.log("PASS: browser.event_stream (LF, CRLF and CR line ends, chunks of 1, 2, 3, 7 and all)");
