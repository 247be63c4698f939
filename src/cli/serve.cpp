// facefuse serve: a long-running process exposing Prometheus metrics on
// /metrics, sampling the GPUs and running jobs from a queue: detection jobs
// given on the command line, and with --port the HTTP job API
// (server/job_api.h), /health/live, /health/ready and /metrics on that port.
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/job_output.h"
#include "cli/option_checks.h"
#include "facefuse/gpu.h"
#include "job/job_queue.h"
#include "pipeline/memory_limit.h"
#include "pipeline/video_threads.h"
#include "server/capacity.h"
#include "server/job_api.h"
#include "job/redis_job_store.h"
#include "job/sqlite_job_store.h"
#include "server/job_gpu_reports.h"
#include "server/job_logs.h"
#include "server/job_requests.h"
#include "server/job_results.h"
#include "server/job_retention.h"
#include "storage/s3_result_store.h"
#include "storage/s3_settings.h"
#include "telemetry/exposition.h"
#include "telemetry/json_log.h"
#include "telemetry/metrics.h"

namespace facefuse::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

struct ServeOptions {
  int port = 0;  // the job API's, when port_given
  bool port_given = false;  // --port: serve the job API
  std::string data_dir;  // empty: a new folder under the system's temporary dir
  int max_upload_mb = 64;
  std::string web_dir;  // empty: the page built into the binary
  int workers = 0;  // 0: from the CPUs and free memory (server/capacity.h)
  int max_queued = 100;
  double retention_hours = 24 * 7;
  int disk_quota_mb = 0;
  std::string api_keys_file;
  std::string jwt_secret_file;
  bool no_auth = false;  // serve beyond loopback without authentication, knowingly
  double rate_limit = 0;
  std::string tls_cert, tls_key;
  std::string content_gate;              // a content classifier (open_nsfw contract); empty: no gate
  float content_gate_threshold = 0.8f;
  std::string redis;                     // HOST:PORT: jobs shared with other replicas through Redis
  std::string redis_prefix = "facefuse:";
  std::string results;              // s3://BUCKET[/PREFIX]; empty: the results stay in the data dir
  std::string results_credentials;  // NAME=VALUE lines: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...
  double results_part_mb = 8;       // multipart upload above this, in parts this size
  bool results_part_mb_given = false;
  int metrics_port = 9464;
  bool metrics_port_given = false;  // with --port, the metrics listener runs only when asked for
  std::string bind = "127.0.0.1";
  std::vector<std::string> job_images;
  double repeat_s = 0;
  double interval_s = 1.0;
  double duration_s = 0;
};

// Exit status 2 and the option's name for a duration that is negative, nan or infinite.
bool ValidSeconds(const char* option, double seconds) {
  if (std::isfinite(seconds) && seconds >= 0) return true;
  std::fprintf(stderr, "serve: %s must be a finite number of seconds >= 0, got %g\n", option, seconds);
  return false;
}

// --bind: a dotted-quad IPv4 address ("127.0.0.1", "0.0.0.0"). The HTTP server would otherwise read "999.1.1.1"
// loosely (and listen on another address) and answer names, IPv6 and short forms ("127.1") with its own text.
CLI::Validator Ipv4Address() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        in_addr addr{};
        const bool four_parts = std::count(text.begin(), text.end(), '.') == 3;
        if (four_parts && inet_pton(AF_INET, text.c_str(), &addr) == 1) return "";
        return "'" + text + "' is not an IPv4 address (facefuse serve listens on IPv4 only)";
      },
      "IPV4", "Ipv4Address");
}

// The job API's data dir: --data-dir (created when missing) or a new folder under the temporary dir; a usable
// folder either way. Errors (usage): InvalidArgument naming the folder and the system's reason.
Result<std::filesystem::path> PrepareDataDir(const std::string& given) {
  if (given.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "facefuse-serve-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return InvalidArgument("cannot create a data dir in " + std::filesystem::temp_directory_path().string() +
                             ": " + std::strerror(errno));
    }
    return std::filesystem::path(pattern);
  }
  std::error_code error;
  std::filesystem::create_directories(given, error);
  if (error) return InvalidArgument("--data-dir " + given + ": " + error.message());
  if (!std::filesystem::is_directory(given)) return InvalidArgument("--data-dir " + given + ": not a directory");
  if (access(given.c_str(), W_OK | X_OK) != 0) {
    return InvalidArgument("--data-dir " + given + ": not writable: " + std::strerror(errno));
  }
  return std::filesystem::path(given);
}

// The job API's options from the command line. Errors (usage): InvalidArgument for --port, --max-upload-mb or
// --data-dir.
Result<server::JobApiOptions> JobApiOptionsFor(const ServeOptions& o) {
  if (o.port < 0 || o.port > 65535) return InvalidArgument("--port must be 0..65535, got " + std::to_string(o.port));
  if (o.workers < 0 || o.workers > 64) {
    return InvalidArgument("--workers must be 0 (auto) to 64, got " + std::to_string(o.workers));
  }
  if (o.max_queued < 1) return InvalidArgument("--max-queued must be at least 1, got " + std::to_string(o.max_queued));
  if (!(o.retention_hours > 0 && o.retention_hours <= 24 * 3650)) {
    return InvalidArgument("--retention-hours must be more than 0 and at most 87600");
  }
  if (o.disk_quota_mb < 0) return InvalidArgument("--disk-quota-mb must be 0 (none) or more");
  if (!o.redis.empty()) {
    std::string host;
    int redis_port = 0;
    FF_RETURN_IF_ERROR(job::ParseRedisAddress(o.redis, &host, &redis_port));
    if (o.redis_prefix.empty()) return InvalidArgument("--redis-prefix must not be empty");
  }
  if (o.max_upload_mb < 1 || o.max_upload_mb > 65536) {
    return InvalidArgument("--max-upload-mb must be 1..65536, got " + std::to_string(o.max_upload_mb));
  }
  server::JobApiOptions api;
  api.bind_address = o.bind;
  api.port = o.port;
  api.max_upload_bytes = static_cast<uint64_t>(o.max_upload_mb) << 20;
  if (!o.web_dir.empty() && !std::filesystem::is_directory(o.web_dir)) {
    return InvalidArgument("--web-dir " + o.web_dir + ": not a directory");
  }
  api.web_dir = o.web_dir;
  api.auth.api_keys_file = o.api_keys_file;
  api.auth.jwt_secret_file = o.jwt_secret_file;
  const bool authenticated = !o.api_keys_file.empty() || !o.jwt_secret_file.empty();
  if (!authenticated && !o.no_auth && o.bind.rfind("127.", 0) != 0) {
    return InvalidArgument("--bind " + o.bind + " serves beyond this machine: give --api-keys-file and/or "
                           "--jwt-secret-file, or --no-auth to serve without authentication");
  }
  if (authenticated && o.no_auth) return InvalidArgument("--no-auth with an API keys or JWT secret file");
  if (!(o.rate_limit >= 0 && o.rate_limit <= 1e6)) {
    return InvalidArgument("--rate-limit must be 0 (none) to 1000000 requests a second");
  }
  api.rate_limit_per_s = o.rate_limit;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return InvalidArgument("--tls-cert and --tls-key go together");
  }
  api.content_gate_model = o.content_gate;
  api.content_gate_threshold = o.content_gate_threshold;
  api.tls_cert = o.tls_cert;
  api.tls_key = o.tls_key;
  if (o.results.empty() && (!o.results_credentials.empty() || o.results_part_mb_given)) {
    return InvalidArgument(std::string(o.results_part_mb_given ? "--results-part-mb" : "--results-credentials") +
                           " is for --results s3://BUCKET[/PREFIX] (FACEFUSE_RESULTS), which is not given");
  }
  if (!o.results.empty()) {
    if (!std::isfinite(o.results_part_mb)) return InvalidArgument("--results-part-mb must be a number of MiB");
    Result<storage::S3Settings> s3 = storage::S3SettingsFor(o.results, o.results_credentials,
                                                            storage::ProcessEnvironment());
    if (!s3.ok()) return s3.status().WithContext("--results");
    if (o.data_dir.empty()) {
      return InvalidArgument("--results needs --data-dir: the temporary data dir goes when serve ends, and the "
                             "results its jobs left in the bucket would stay there with nothing to remove them");
    }
    s3->part_bytes = static_cast<uint64_t>(o.results_part_mb * (1 << 20));
    api.results = storage::NewS3ResultStore(*std::move(s3));
  }
  FF_ASSIGN_OR_RETURN(api.data_dir, PrepareDataDir(o.data_dir));
  return api;
}

// Checks an S3 result store once at start: wrong credentials or no bucket stop serve; a store out of reach now is
// a warning (/health/ready answers 503 until it can be used).
Status CheckResultStore(const storage::ResultStore& results) {
  const Status health = results.Health();
  if (health.ok() || health.code() != StatusCode::kUnavailable) return health;
  std::fprintf(stderr, "serve: warning: %s; jobs will fail until it answers\n", health.message().c_str());
  return Status::Ok();
}

// Removes the data dir serve made itself (none given) when serve ends: its jobs end with the process.
struct OwnDataDir {
  std::filesystem::path path;  // empty: nothing to remove
  ~OwnDataDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

// The store and queue of jobs shared through Redis (--redis), and this replica's name in them.
struct SharedJobs {
  std::shared_ptr<job::JobStore> store;
  std::shared_ptr<job::JobDispatch> dispatch;
  std::string worker_name;
};

Result<SharedJobs> OpenRedisJobs(const ServeOptions& o) {
  std::string host;
  int port = 0;
  FF_RETURN_IF_ERROR(job::ParseRedisAddress(o.redis, &host, &port));
  char hostname[256] = "facefuse";
  gethostname(hostname, sizeof hostname - 1);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%d-%04x", static_cast<int>(getpid()), static_cast<unsigned>(random() & 0xffff));
  SharedJobs shared;
  shared.worker_name = std::string(hostname) + suffix;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<job::RedisClient> client, job::RedisClient::Connect(host, port));
  shared.store = std::make_shared<job::RedisJobStore>(std::move(client), o.redis_prefix, server::RebuildJob);
  FF_ASSIGN_OR_RETURN(shared.dispatch, job::RedisJobDispatch::Start(host, port, o.redis_prefix, shared.worker_name));
  return shared;
}

int RunServe(const ServeOptions& o) {
  if (!ValidSeconds("--duration", o.duration_s) || !ValidSeconds("--repeat", o.repeat_s)) {
    return kExitUsage;
  }
  if (o.metrics_port < 0 || o.metrics_port > 65535) {
    return ExitWithMessage("serve",
                           InvalidArgument("--metrics-port must be 0..65535, got " + std::to_string(o.metrics_port)),
                           ErrorOrigin::kUsage);
  }
  const bool api = o.port_given;
  server::JobApiOptions api_options;
  if (api) {
    Result<server::JobApiOptions> checked = JobApiOptionsFor(o);
    if (!checked.ok()) return ExitWithMessage("serve", checked.status(), ErrorOrigin::kUsage);
    api_options = *checked;
  }
  const OwnDataDir own_data_dir{api && o.data_dir.empty() ? api_options.data_dir : std::filesystem::path()};
  if (api_options.results) {
    if (Status usable = CheckResultStore(*api_options.results); !usable.ok()) return Exit("serve", usable);
  }
  // With the API: the jobs of the data dir kept across restarts (SQLite), or shared with other replicas (Redis).
  if (api) {
    // The results' place is part of the claim: replicas that keep them in different places would each remove jobs
    // whose results the other holds, and leave those behind.
    std::string store_name = o.redis.empty() ? "sqlite" : "redis " + o.redis + " " + o.redis_prefix;
    if (!o.results.empty()) store_name += " with results in " + o.results.substr(0, o.results.find_last_not_of('/') + 1);
    if (Status claimed = server::ClaimDataDir(api_options.data_dir, store_name); !claimed.ok()) {
      return Exit("serve", claimed);
    }
  }
  std::shared_ptr<job::SqliteJobStore> sqlite_store;
  std::shared_ptr<job::JobStore> store;
  std::shared_ptr<job::JobDispatch> dispatch;
  std::string worker_name;
  if (api && !o.redis.empty()) {
    auto shared = OpenRedisJobs(o);
    if (!shared.ok()) return Exit("serve", shared.status());
    store = shared->store;
    dispatch = shared->dispatch;
    worker_name = shared->worker_name;
  } else if (api) {
    auto opened = job::SqliteJobStore::Open(api_options.data_dir / "jobs.db", server::RebuildJob);
    if (!opened.ok()) return Exit("serve", opened.status());
    sqlite_store = std::move(opened).value();
    store = sqlite_store;
  }
  telemetry::Metrics metrics;  // outlives the sampler, queue and endpoints below
  if (sqlite_store) {
    for (int i = 0; i < sqlite_store->requeued_at_open(); ++i) metrics.CountInterruptedJob("requeued");
    for (int i = 0; i < sqlite_store->failed_at_open(); ++i) metrics.CountInterruptedJob("failed");
  }
  gpu::SamplerOptions sopts;
  sopts.interval = std::chrono::milliseconds(static_cast<long long>(o.interval_s * 1000));
  gpu::GpuSampler sampler(gpu::OpenNvmlOrNotice(), sopts);
  metrics.AttachSampler(sampler);
  if (Status st = sampler.Start(); !st.ok()) return Exit("serve", st);
  std::unique_ptr<telemetry::MetricsEndpoint> endpoint;  // the metrics listener: without --port, or when asked for
  if (!api || o.metrics_port_given) {
    auto started = telemetry::MetricsEndpoint::Start(o.bind, o.metrics_port, metrics);
    if (!started.ok()) return Exit("serve", started.status());
    endpoint = std::move(started).value();
    std::printf("facefuse serve: metrics at %s\n", endpoint->url().c_str());
    std::fflush(stdout);
  }

  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  // Every job's GPU report goes beside its output (GET /v1/jobs/{id}/gpu.csv|svg|png).
  job::JobQueueLimits limits;
  limits.workers = o.workers;
  if (limits.workers == 0) {
    Result<std::shared_ptr<MemoryBudget>> free_memory = pipeline::MakeMemoryBudget("auto");
    limits.workers = server::WorkersFor(pipeline::AvailableCpus(),
                                        free_memory.ok() && *free_memory ? (*free_memory)->limit_bytes() : 0);
  }
  limits.max_queued = static_cast<size_t>(o.max_queued);
  limits.worker_name = worker_name;
  telemetry::JsonLog log(stderr);  // the service's JSON lines (jobs, requests), for a log shipper
  if (api) {  // readiness probes check the store at most once per 5 s (storage::WithCachedHealth)
    if (!api_options.results) api_options.results = storage::NewFolderResultStore(api_options.data_dir);
    api_options.results = storage::WithCachedHealth(std::move(api_options.results), std::chrono::seconds(5));
  }
  job::JobRunners runners = server::WithGpuReports(job::DefaultJobRunners(), o.interval_s);
  if (api) runners = server::WithResultStore(std::move(runners), api_options.results);
  if (api) runners = server::WithJobLogs(std::move(runners), log);
  api_options.log = &log;
  job::JobQueue queue(&metrics, 2, std::move(runners), store, limits, dispatch);
  std::unique_ptr<server::RetentionSweeper> sweeper;
  if (api) {
    server::RetentionPolicy retention;
    retention.keep = std::chrono::seconds(static_cast<long long>(o.retention_hours * 3600));
    retention.quota_bytes = static_cast<uint64_t>(o.disk_quota_mb) << 20;
    sweeper = std::make_unique<server::RetentionSweeper>(queue.store(), api_options.results.get(),
                                                       api_options.data_dir, retention);
  }
  std::unique_ptr<server::JobApiServer> job_api;  // stopped before the queue shuts down
  if (api) {
    auto started = server::JobApiServer::Start(api_options, queue, metrics, &sampler);
    if (!started.ok()) return Exit("serve", started.status());
    job_api = std::move(started).value();
    std::printf("facefuse serve: job API at %s (data in %s)\n", job_api->url().c_str(),
                api_options.data_dir.c_str());
    log.Write(telemetry::LogLevel::kInfo, "serve started",
              {{"url", job_api->url()}, {"workers", limits.workers}, {"store", o.redis.empty() ? "sqlite" : "redis"},
               {"results", api_options.results->Describe()},
               {"authentication", !o.api_keys_file.empty() || !o.jwt_secret_file.empty()}});
    std::fflush(stdout);
  }
  job::DetectSpec jopts;
  for (const auto& i : o.job_images) jopts.images.emplace_back(i);
  auto submit = [&] {
    Status st = queue.Submit(job::NewDetectJob(jopts), [](const job::Job& r) {
      std::printf("%s\n", JobResultLine(r).c_str());
      std::fflush(stdout);
    }).status();
    if (!st.ok()) std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
  };
  const auto start = std::chrono::steady_clock::now();
  auto next_job = start;
  while (!g_stop) {
    const auto now = std::chrono::steady_clock::now();
    if (o.duration_s > 0 && now - start >= std::chrono::duration<double>(o.duration_s)) break;
    if (!jopts.images.empty() && now >= next_job) {
      submit();
      next_job = o.repeat_s > 0 ? now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                            std::chrono::duration<double>(o.repeat_s))
                                : std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  job_api.reset();
  sweeper.reset();
  queue.Shutdown();
  sampler.Stop();
  std::printf("facefuse serve: stopped after %d job(s)\n", queue.completed());
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run as a service: the HTTP job API, Prometheus /metrics, GPU sampling, a job queue");
  auto* port = cmd->add_option("--port", o->port, "Serve the HTTP job API, /health/* and /metrics on this port (0 = pick a free one)");
  cmd->add_option("--data-dir", o->data_dir, "Folder for the job API's uploads and results, one folder per job "
                  "(default: a new folder under the temporary dir)")
      ->check(CLI::Validator([](std::string& dir) { return dir.empty() ? "an empty folder name (leave --data-dir out "
                                                                        "for a new folder under the temporary dir)" : ""; },
                             "DIR", "NonEmpty"));
  cmd->add_option("--web-dir", o->web_dir, "Serve the web page from this folder instead of the copy built in "
                  "(for working on the page)");
  cmd->add_option("--api-keys-file", o->api_keys_file,
                  "Require Authorization: Bearer KEY on /v1; the file holds NAME:KEY lines (keys of 16+ characters)");
  cmd->add_option("--jwt-secret-file", o->jwt_secret_file,
                  "Accept bearer JWTs signed HS256 with the secret in this file (32+ bytes; exp and sub required)");
  cmd->add_option("--tls-cert", o->tls_cert, "Serve HTTPS with this PEM certificate (chain); needs --tls-key");
  cmd->add_option("--tls-key", o->tls_key, "The PEM private key of --tls-cert");
  cmd->add_flag("--no-auth", o->no_auth, "Serve a non-loopback --bind without authentication");
  cmd->add_option("--rate-limit", o->rate_limit,
                  "Requests a second each caller may make to /v1, bursts of twice that (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--content-gate", o->content_gate,
                  "Refuse uploads a content classifier (ONNX, open_nsfw contract: docs/api.md) scores as not safe");
  cmd->add_option("--content-gate-threshold", o->content_gate_threshold,
                  "The --content-gate score (0..1] at or above which an upload is refused")
      ->capture_default_str()
      ->check(CLI::Range(0.01f, 1.0f));
  cmd->add_option("--redis", o->redis, "Share the jobs with other serve replicas through the Redis server at "
                  "HOST:PORT (the replicas must share --data-dir); default: SQLite in the data dir");
  cmd->add_option("--redis-prefix", o->redis_prefix, "Prefix of the Redis keys")->capture_default_str();
  cmd->add_option("--results", o->results, "Keep the jobs' results in an S3-compatible bucket, s3://BUCKET[/PREFIX] "
                  "(endpoint, region, credentials: AWS_* variables or --results-credentials); default: the data dir")
      ->envname("FACEFUSE_RESULTS");
  cmd->add_option("--results-credentials", o->results_credentials, "A file of NAME=VALUE lines for --results: "
                  "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL");
  auto* results_part_mb = cmd->add_option("--results-part-mb", o->results_part_mb, "A larger result goes to "
                  "--results in parts of this many MiB (AWS S3 needs 5 or more; smaller suits only stores without that rule)")
      ->capture_default_str()
      ->check(CLI::Range(1.0 / 16, 5120.0));
  cmd->add_option("--workers", o->workers, "Jobs run at once; 0 = one per 8 CPUs within the free memory (at least 1)")
      ->capture_default_str();
  cmd->add_option("--max-queued", o->max_queued, "Jobs that may wait; more are answered 503 with Retry-After")
      ->capture_default_str();
  cmd->add_option("--retention-hours", o->retention_hours,
                  "Hours a finished job's record, result and GPU report are kept")->capture_default_str();
  cmd->add_option("--disk-quota-mb", o->disk_quota_mb,
                  "Disk the job folders may use; over it the oldest finished jobs go first (0 = no quota)")
      ->capture_default_str();
  cmd->add_option("--max-upload-mb", o->max_upload_mb, "Largest POST /v1/jobs body in MiB")->capture_default_str();
  auto* metrics_port = cmd->add_option("--metrics-port", o->metrics_port,
                                       "Port for GET /metrics (0 = pick a free one; with --port, only when given)")
                           ->capture_default_str();
  cmd->add_option("--bind", o->bind, "IPv4 address to listen on (dotted quad; IPv6 and host names are not supported)")
      ->check(Ipv4Address())
      ->capture_default_str();
  cmd->add_option("--job", o->job_images, "Run a detection job over these images at start");
  cmd->add_option("--repeat", o->repeat_s, "Submit the --job again every S seconds (0 = once)");
  cmd->add_option("--interval", o->interval_s, "GPU sampling interval in seconds")
      ->capture_default_str()
      ->check(FiniteIn(0.01, kMaxIntervalSeconds));  // one bound and one message, as monitor, job and swap
  cmd->add_option("--duration", o->duration_s, "Exit after S seconds (0 = run until SIGINT/SIGTERM)");
  cmd->callback([o, port, metrics_port, results_part_mb, &exit_code] {
    o->port_given = port->count() > 0;
    o->results_part_mb_given = results_part_mb->count() > 0;
    o->metrics_port_given = metrics_port->count() > 0;
    exit_code = RunServe(*o);
  });
}

}  // namespace facefuse::cli
