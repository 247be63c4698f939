// Result keys, the folder result store and the S3 settings (`--results s3://...`, the AWS variables, a
// credentials file).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "storage/result_key.h"
#include "storage/result_store.h"
#include "storage/s3_settings.h"
#include "tests/unit/face_fixtures.h"

namespace facefuse::storage {
namespace {

namespace fs = std::filesystem;

class ResultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ff-results-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  EnvLookup Env(std::map<std::string, std::string> values) {
    return [values](const char* name) -> std::optional<std::string> {
      const auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  }
  fs::path dir_;
};

TEST_F(ResultStoreTest, KeysAreAJobFolderAndAPlainFileName) {
  EXPECT_TRUE(CheckResultKey("job-3f2a/output.jpg").ok());
  for (const char* bad : {"", "output.jpg", "job-1/", "/output.jpg", "job-1/a/b.jpg", "../output.jpg", "job-1/..",
                          "job 1/output.jpg", "job-1/out%2F.jpg", "job-1/\xc3\xa9.jpg"}) {
    const Status checked = CheckResultKey(bad);
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(ResultStoreTest, TheFolderStoreKeepsResultsWhereTheJobWroteThem) {
  auto store = NewFolderResultStore(dir_);
  fs::create_directory(dir_ / "job-1");
  std::ofstream(dir_ / "job-1" / "output.jpg", std::ios::binary) << "0123456789abcdef";
  EXPECT_TRUE(store->Put("job-1/output.jpg", dir_ / "job-1" / "output.jpg").ok());
  EXPECT_TRUE(fs::exists(dir_ / "job-1" / "output.jpg"));
  FF_ASSERT_OK_AND_ASSIGN(const uint64_t size, store->Size("job-1/output.jpg"));
  EXPECT_EQ(size, 16u);
  std::string got;
  const auto append = [&got](const char* data, size_t n) { got.append(data, n); return true; };
  EXPECT_TRUE(store->Read("job-1/output.jpg", 4, 6, append).ok());
  EXPECT_EQ(got, "456789");
  EXPECT_EQ(store->Read("job-1/output.jpg", 10, 10, append).code(), StatusCode::kIoError) << "past the end";
  EXPECT_EQ(store->Read("job-1/output.jpg", 0, 4, [](const char*, size_t) { return false; }).code(),
            StatusCode::kCancelled);

  std::ofstream(dir_ / "elsewhere.png", std::ios::binary) << "png";  // a file from elsewhere is moved in
  EXPECT_TRUE(store->Put("job-2/output.png", dir_ / "elsewhere.png").ok());
  EXPECT_TRUE(fs::exists(dir_ / "job-2" / "output.png"));
  EXPECT_TRUE(store->Remove("job-2/output.png").ok());
  EXPECT_EQ(store->Size("job-2/output.png").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Health().ok());
  EXPECT_EQ(NewFolderResultStore(dir_ / "missing")->Health().code(), StatusCode::kUnavailable);
}

TEST_F(ResultStoreTest, S3SettingsComeFromTheUrlAndTheEnvironment) {
  FF_ASSERT_OK_AND_ASSIGN(S3Settings s, S3SettingsFor("s3://my-bucket/a/b/", "", Env({{"AWS_ACCESS_KEY_ID", "id"},
                                                                                      {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                                                      {"AWS_REGION", "eu-west-3"}})));
  EXPECT_EQ(s.bucket, "my-bucket");
  EXPECT_EQ(s.prefix, "a/b");
  EXPECT_EQ(s.region, "eu-west-3");
  EXPECT_EQ(s.endpoint, "https://s3.eu-west-3.amazonaws.com");
  EXPECT_EQ(s.access_key_id, "id");
  FF_ASSERT_OK_AND_ASSIGN(s, S3SettingsFor("s3://bkt", "", Env({{"AWS_ACCESS_KEY_ID", "id"},
                                                               {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                               {"AWS_ENDPOINT_URL", "http://minio:9000/"},
                                                               {"FACEFUSE_S3_ENDPOINT", "http://127.0.0.1:4568"}})));
  EXPECT_EQ(s.prefix, "");
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:4568") << "FACEFUSE_S3_ENDPOINT comes first";
}

TEST_F(ResultStoreTest, ACredentialsFileWinsOverTheEnvironment) {
  std::ofstream(dir_ / "s3.env") << "# the service's bucket\n\nAWS_ACCESS_KEY_ID = file-id\nAWS_SECRET_ACCESS_KEY=file-secret\n"
                                    "AWS_ENDPOINT_URL=http://127.0.0.1:9000\n";
  FF_ASSERT_OK_AND_ASSIGN(S3Settings s, S3SettingsFor("s3://bkt/p", dir_ / "s3.env",
                                                      Env({{"AWS_ACCESS_KEY_ID", "env-id"}})));
  EXPECT_EQ(s.access_key_id, "file-id");
  EXPECT_EQ(s.secret_access_key, "file-secret");
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:9000");

  std::ofstream(dir_ / "typo.env") << "AWS_SECRET_KEY=x\n";
  const Status typo = S3SettingsFor("s3://bkt", dir_ / "typo.env", Env({})).status();
  EXPECT_EQ(typo.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(typo.message().find("line 1: unknown name 'AWS_SECRET_KEY'"), std::string::npos) << typo.message();
  EXPECT_EQ(S3SettingsFor("s3://bkt", dir_ / "none.env", Env({})).status().code(), StatusCode::kNotFound);
}

TEST_F(ResultStoreTest, BadS3SettingsSayWhatIsWrong) {
  const EnvLookup credentials = Env({{"AWS_ACCESS_KEY_ID", "id"}, {"AWS_SECRET_ACCESS_KEY", "secret"}});
  const std::map<std::string, std::string> cases = {
      {"http://bkt/x", "is not an s3://BUCKET[/PREFIX] URL"},
      {"s3://", "bucket name must be"},
      {"s3://Upper", "bucket name must be"},
      {"s3://bkt/a//b", "the prefix may hold"},
      {"s3://bkt/a b", "the prefix may hold"},
      {"s3://bkt/../x", "the prefix may hold"},  // libcurl would remove the dot segments: another bucket
      {"s3://bkt/x/./y", "the prefix may hold"},
      {"s3://bkt/" + std::string(600, 'p'), "512 characters at most"},
      {"s3://bkt/a.b/c_d-e", ""},
  };
  for (const auto& [url, message] : cases) {
    const Status st = S3SettingsFor(url, "", credentials).status();
    if (message.empty()) {
      EXPECT_TRUE(st.ok()) << url << ": " << st.ToString();
      continue;
    }
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(st.message().find(message), std::string::npos) << url << ": " << st.message();
  }
  const Status no_credentials = S3SettingsFor("s3://bkt", "", Env({})).status();
  EXPECT_NE(no_credentials.message().find("needs credentials"), std::string::npos) << no_credentials.message();
  for (const char* endpoint : {"ftp://host", "http://host:99999", "http://host:abc", "http://host/path",
                               "http://user:pa55word@host:9000"}) {
    const Status bad = S3SettingsFor("s3://bkt", "", Env({{"AWS_ACCESS_KEY_ID", "id"},
                                                          {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                          {"AWS_ENDPOINT_URL", endpoint}})).status();
    EXPECT_NE(bad.message().find("is not http(s)://HOST[:PORT]"), std::string::npos) << endpoint << ": " << bad.message();
    EXPECT_EQ(bad.message().find("pa55word"), std::string::npos) << "the password was echoed: " << bad.message();
  }
  const Status injected = S3SettingsFor("s3://bkt", "", Env({{"AWS_ACCESS_KEY_ID", "id"},
                                                             {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                             {"AWS_SESSION_TOKEN", "tok\r\nX-Injected: yes"}})).status();
  EXPECT_EQ(injected.message(), "AWS_SESSION_TOKEN holds a control character");
}

TEST_F(ResultStoreTest, EveryValueTheFileSetsWinsAndQuotesAreStripped) {
  std::ofstream(dir_ / "s3.env") << "AWS_ENDPOINT_URL=http://127.0.0.1:21870\nAWS_DEFAULT_REGION='eu-west-1'\n"
                                    "AWS_ACCESS_KEY_ID=\"quoted-id\"\nAWS_SECRET_ACCESS_KEY=s\n";
  FF_ASSERT_OK_AND_ASSIGN(S3Settings s, S3SettingsFor("s3://bkt", dir_ / "s3.env",
                                                      Env({{"FACEFUSE_S3_ENDPOINT", "http://127.0.0.1:1"},
                                                           {"AWS_REGION", "us-east-1"}})));
  EXPECT_EQ(s.endpoint, "http://127.0.0.1:21870");
  EXPECT_EQ(s.region, "eu-west-1");
  EXPECT_EQ(s.access_key_id, "quoted-id");
  std::ofstream(dir_ / "leak.env") << "AWS_SECRET_ACCESS_KEY : wJalrXUtnFEMI/K7MDENG=bPxRfiCY\n";
  const Status leak = S3SettingsFor("s3://bkt", dir_ / "leak.env", Env({})).status();
  EXPECT_NE(leak.message().find("line 1 is not NAME=VALUE"), std::string::npos) << leak.message();
  EXPECT_EQ(leak.message().find("wJal"), std::string::npos) << "the secret was echoed: " << leak.message();
}

}  // namespace
}  // namespace facefuse::storage
