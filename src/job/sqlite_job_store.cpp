#include "job/sqlite_job_store.h"

#include <sqlite3.h>

#include <cstdio>

#include "job/job_record_json.h"

namespace facefuse::job {
namespace {

constexpr auto kProgressWriteInterval = std::chrono::seconds(1);

Status SqliteError(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db);
  const std::string message = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Unavailable(message + " (is another facefuse serve using this data dir?)");
  }
  return IoError(message);
}

// A prepared statement, finalized when it goes.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  void Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  int Step() { return sqlite3_step(stmt_); }
  std::string Column(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return text != nullptr ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

}  // namespace

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(const std::filesystem::path& path, Rebuild rebuild) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    Status error = IoError("cannot open the job store " + path.string() + ": " +
                           (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(db));
  // One process at a time (the lock is taken by the first write below and kept); a log that survives a kill.
  for (const char* pragma : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "CREATE TABLE IF NOT EXISTS jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                             "id TEXT NOT NULL UNIQUE, request TEXT NOT NULL, record TEXT NOT NULL)"}) {
    if (Status st = store->Execute(pragma); !st.ok()) return st.WithContext("the job store " + path.string());
  }
  FF_RETURN_IF_ERROR(store->Load(rebuild));
  return store;
}

SqliteJobStore::~SqliteJobStore() { sqlite3_close(db_); }

Status SqliteJobStore::Execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
  sqlite3_free(message);
  return SqliteError(db_, "the job store refused \"" + std::string(sql).substr(0, 40) + "...\"");
}

Status SqliteJobStore::Load(const Rebuild& rebuild) {
  std::lock_guard lock(mu_);
  Statement select(db_, "SELECT id, request, record FROM jobs ORDER BY seq");
  if (!select.ok()) return SqliteError(db_, "cannot read the job store");
  std::vector<Job> jobs;
  int step;
  while ((step = select.Step()) == SQLITE_ROW) {
    Job job;
    job.id = select.Column(0);
    job.request = select.Column(1);
    if (Status st = ApplyRecordJson(select.Column(2), job); !st.ok()) {
      std::fprintf(stderr, "facefuse: job store: job %s skipped: %s\n", job.id.c_str(), st.ToString().c_str());
      continue;
    }
    jobs.push_back(std::move(job));
  }
  if (step != SQLITE_DONE) return SqliteError(db_, "cannot read the job store");
  FF_RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE"));
  for (Job& job : jobs) {
    const JobState stored_state = job.state;
    if (job.state == JobState::kRunning) {
      SettleInterrupted(job);
      ++(job.state == JobState::kQueued ? requeued_at_open_ : failed_at_open_);
    }
    if (!IsFinal(job.state) && rebuild) {
      if (Status st = rebuild(job); !st.ok()) {
        job.state = JobState::kFailed;
        job.status = st.WithContext("the job could not be resumed");
        job.timeline.finished = Clock::now();
      }
    }
    FF_RETURN_IF_ERROR(memory_.Restore(job));
    if (job.state != stored_state) FF_RETURN_IF_ERROR(Write(job));
  }
  return Execute("COMMIT");
}

Status SqliteJobStore::Write(const Job& job) {
  Statement upsert(db_, "INSERT INTO jobs (id, request, record) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT(id) DO UPDATE SET record = excluded.record");
  if (!upsert.ok()) return SqliteError(db_, "cannot write job " + job.id);
  upsert.Bind(1, job.id);
  upsert.Bind(2, job.request);
  upsert.Bind(3, RecordJson(job));
  if (upsert.Step() != SQLITE_DONE) return SqliteError(db_, "cannot write job " + job.id);
  written_[job.id] = std::chrono::steady_clock::now();
  return Status::Ok();
}

Result<std::string> SqliteJobStore::Create(Job job) {
  std::lock_guard lock(mu_);
  FF_ASSIGN_OR_RETURN(std::string id, memory_.Create(job));
  if (job.request.empty()) return id;
  job.id = id;
  if (Status st = Write(job); !st.ok()) {
    (void)memory_.Remove(id);
    return st;
  }
  return id;
}

Result<Job> SqliteJobStore::Get(const std::string& id) const { return memory_.Get(id); }

std::vector<Job> SqliteJobStore::List() const { return memory_.List(); }

Status SqliteJobStore::Update(const Job& job) {
  std::lock_guard lock(mu_);
  FF_ASSIGN_OR_RETURN(Job before, memory_.Get(job.id));
  FF_RETURN_IF_ERROR(memory_.Update(job));
  if (job.request.empty()) return Status::Ok();
  const auto last = written_.find(job.id);
  const bool due = last == written_.end() || std::chrono::steady_clock::now() - last->second >= kProgressWriteInterval;
  if (job.state != before.state || IsFinal(job.state) || due) return Write(job);
  return Status::Ok();
}

Status SqliteJobStore::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  FF_RETURN_IF_ERROR(memory_.Remove(id));
  written_.erase(id);
  Statement remove(db_, "DELETE FROM jobs WHERE id = ?1");
  if (!remove.ok()) return SqliteError(db_, "cannot remove job " + id);
  remove.Bind(1, id);
  if (remove.Step() != SQLITE_DONE) return SqliteError(db_, "cannot remove job " + id);
  return Status::Ok();
}

}  // namespace facefuse::job
