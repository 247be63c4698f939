// The service's JSON log lines: each line one object with time, level and msg plus the fields; and a job run
// logged by server::WithJobLogs (started, each stage finished with its duration, finished with the error).
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "job/job_runner.h"
#include "server/job_logs.h"
#include "telemetry/json_log.h"

namespace facefuse::server {
namespace {

// The lines written to `file` so far, parsed (an unparseable line is a JSON discarded value).
std::vector<nlohmann::json> Lines(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::vector<nlohmann::json> lines;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, file) != nullptr) {
    lines.push_back(nlohmann::json::parse(buffer, nullptr, false));
  }
  return lines;
}

TEST(JsonLog, OneObjectALineWithTimeLevelMessageAndFields) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  telemetry::JsonLog log(file);
  log.Write(telemetry::LogLevel::kDebug, "not written: under the level");
  log.Write(telemetry::LogLevel::kWarn, "request", {{"path", std::string("/v1/jobs/\xff")}, {"status", 404}});
  const std::vector<nlohmann::json> lines = Lines(file);
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json& line = lines[0];
  ASSERT_TRUE(line.is_object());
  EXPECT_EQ(line.value("level", ""), "warn");
  EXPECT_EQ(line.value("msg", ""), "request");
  EXPECT_EQ(line.value("status", 0), 404);
  EXPECT_EQ(line.value("path", ""), "/v1/jobs/\xef\xbf\xbd");  // not UTF-8: U+FFFD, not a throw
  const std::string time = line.value("time", "");
  ASSERT_EQ(time.size(), 24u) << time;  // 2026-12-03T20:41:07.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
  std::fclose(file);
}

class TwoStagesThenNoFace : public job::JobRunner {
 public:
  Status Run(job::Job& job, job::JobContext& context) const override {
    { job::StageScope decode("decode", job, context); }
    { job::StageScope detect("detect", job, context); }
    return NotFound("no face in target.jpg");
  }
};

TEST(JobLogs, ARunIsLoggedWithItsStagesDurationsAndError) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  telemetry::JsonLog log(file);
  job::JobRunners runners = WithJobLogs({{job::JobKind::kSwapImage, std::make_shared<TwoStagesThenNoFace>()}}, log);
  job::Job job = job::NewSwapImageJob({});
  job.id = "job-logged";
  job::JobContext context;
  ASSERT_TRUE(job::RunJob(job, runners, context).ok());
  EXPECT_EQ(job.state, job::JobState::kFailed);
  const std::vector<nlohmann::json> lines = Lines(file);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].value("msg", ""), "job started");
  EXPECT_EQ(lines[1].value("msg", ""), "stage finished");
  EXPECT_EQ(lines[1].value("stage", ""), "decode");
  EXPECT_GE(lines[1].value("duration_s", -1.0), 0.0);
  EXPECT_EQ(lines[2].value("stage", ""), "detect");
  const nlohmann::json& end = lines[3];
  EXPECT_EQ(end.value("msg", ""), "job run finished");
  EXPECT_EQ(end.value("level", ""), "warn");
  EXPECT_EQ(end.value("outcome", ""), "NotFound");
  EXPECT_EQ(end.value("error", ""), "no face in target.jpg");
  for (const nlohmann::json& line : lines) {
    EXPECT_EQ(line.value("job_id", ""), "job-logged");
    EXPECT_EQ(line.value("kind", ""), "swap_image");
  }
  std::fclose(file);
}

}  // namespace
}  // namespace facefuse::server
