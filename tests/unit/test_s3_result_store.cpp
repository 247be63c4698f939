// The S3 result store against a fake S3 endpoint (tests/unit/fake_s3.h): whole and multipart uploads, ranged
// reads, removal, the errors a store gives (refused credentials, out of reach, dead mid-upload) and the SigV4
// signature libcurl puts on each request, checked here against the algorithm as AWS documents it.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/s3_result_store.h"
#include "storage/s3_settings.h"
#include "tests/unit/face_fixtures.h"
#include "tests/unit/fake_s3.h"

namespace facefuse::storage {
namespace {

namespace fs = std::filesystem;
using testing::FakeS3;

std::string Hex(const unsigned char* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) (out += digits[bytes[i] >> 4]) += digits[bytes[i] & 15];
  return out;
}
std::string Sha256Hex(const std::string& text) {
  unsigned char digest[32];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  return Hex(digest, n);
}
std::string Hmac(const std::string& key, const std::string& text) {
  unsigned char digest[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), digest, &n);
  return std::string(reinterpret_cast<char*>(digest), n);
}
// The value of `name=` in a SigV4 Authorization header ("...Credential=X, SignedHeaders=Y, Signature=Z").
std::string AuthField(const std::string& authorization, const std::string& name) {
  const size_t at = authorization.find(name + "=");
  if (at == std::string::npos) return "";
  const size_t from = at + name.size() + 1;
  return authorization.substr(from, authorization.find(',', from) - from);
}
// The signature AWS would compute for `r` with `secret` (https://docs.aws.amazon.com/IAM/latest/UserGuide/
// create-signed-request.html): canonical request, string to sign, derived key.
std::string ExpectedSignature(const testing::SeenRequest& r, const std::string& secret, const std::string& region) {
  const std::string authorization = r.headers.find("Authorization")->second;
  const std::string signed_headers = AuthField(authorization, "SignedHeaders");
  const size_t q = r.target.find('?');
  std::string canonical = r.method + "\n" + r.target.substr(0, q) + "\n" + (q == std::string::npos ? "" : r.target.substr(q + 1)) + "\n";
  std::istringstream names(signed_headers);
  for (std::string name; std::getline(names, name, ';');) {
    std::string value;
    for (const auto& [k, v] : r.headers) {
      std::string lower = k;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == name) value = v;
    }
    canonical += name + ":" + value + "\n";
  }
  const std::string date_time = r.headers.find("x-amz-date")->second;
  canonical += "\n" + signed_headers + "\n" + r.headers.find("x-amz-content-sha256")->second;
  const std::string scope = date_time.substr(0, 8) + "/" + region + "/s3/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + date_time + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string key = Hmac("AWS4" + secret, date_time.substr(0, 8));
  for (const std::string& part : {region, std::string("s3"), std::string("aws4_request")}) key = Hmac(key, part);
  const std::string signature = Hmac(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

class S3ResultStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ff-s3-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    settings_.endpoint = s3_.endpoint();
    settings_.region = "eu-test-1";
    settings_.bucket = "results";
    settings_.prefix = "team/a";
    settings_.access_key_id = "AKIDEXAMPLE";
    settings_.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    settings_.first_retry_delay_s = 0.01;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // A file of `size` bytes, each its offset mod 251.
  fs::path File(size_t size) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i % 251);
    const fs::path path = dir_ / ("file-" + std::to_string(size));
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string Bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string ReadAll(ResultStore& store, const std::string& key, uint64_t offset, uint64_t length, Status* status) {
    std::string got;
    *status = store.Read(key, offset, length, [&](const char* data, size_t n) { got.append(data, n); return true; });
    return got;
  }

  FakeS3 s3_;
  S3Settings settings_;
  fs::path dir_;
};

TEST_F(S3ResultStoreTest, StoresReadsRangesAndRemovesAnObject) {
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(5000);
  const std::string bytes = Bytes(file);
  ASSERT_TRUE(store->Put("job-1/output.jpg", file).ok());
  EXPECT_FALSE(fs::exists(file)) << "the local copy stays after the upload";
  EXPECT_EQ(s3_.objects()["results/team/a/job-1/output.jpg"], bytes);
  FF_ASSERT_OK_AND_ASSIGN(const uint64_t size, store->Size("job-1/output.jpg"));
  EXPECT_EQ(size, 5000u);
  Status read;
  EXPECT_EQ(ReadAll(*store, "job-1/output.jpg", 1234, 1000, &read), bytes.substr(1234, 1000));
  EXPECT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(ReadAll(*store, "job-1/output.jpg", 4990, 10, &read), bytes.substr(4990));
  EXPECT_TRUE(store->Remove("job-1/output.jpg").ok());
  EXPECT_EQ(s3_.objects().count("results/team/a/job-1/output.jpg"), 0u);
  EXPECT_EQ(store->Size("job-1/output.jpg").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadAll(*store, "job-1/output.jpg", 0, 10, &read), "");
  EXPECT_EQ(read.code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Remove("job-1/output.jpg").ok()) << "removing what is gone is not an error";
  EXPECT_TRUE(store->Health().ok());
  EXPECT_EQ(store->Put("../x/output.jpg", File(3)).code(), StatusCode::kInvalidArgument);
}

TEST_F(S3ResultStoreTest, LargeFilesGoUpInPartsInOrder) {
  settings_.part_bytes = 1000;
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(3500);
  const std::string bytes = Bytes(file);
  ASSERT_TRUE(store->Put("job-2/output.mp4", file).ok());
  EXPECT_EQ(s3_.objects()["results/team/a/job-2/output.mp4"], bytes);
  const std::string object = "/results/team/a/job-2/output.mp4";
  const std::vector<std::string> expected = {
      "POST " + object + "?uploads=",
      "PUT " + object + "?partNumber=1&uploadId=up%2B1%2Fx",
      "PUT " + object + "?partNumber=2&uploadId=up%2B1%2Fx",
      "PUT " + object + "?partNumber=3&uploadId=up%2B1%2Fx",
      "PUT " + object + "?partNumber=4&uploadId=up%2B1%2Fx",
      "POST " + object + "?uploadId=up%2B1%2Fx"};
  EXPECT_EQ(s3_.log(), expected);
}

TEST_F(S3ResultStoreTest, AStoreThatDiesMidUploadFailsThePutAndAbortsIt) {
  settings_.part_bytes = 1000;
  settings_.attempts = 2;
  s3_.fault = [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("partNumber") != "3") return false;
    res.status = 503;
    res.set_content("<Error><Code>ServiceUnavailable</Code><Message>going down</Message></Error>", "application/xml");
    return true;
  };
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(3500);
  const Status put = store->Put("job-3/output.mp4", file);
  EXPECT_EQ(put.code(), StatusCode::kUnavailable) << put.ToString();
  EXPECT_NE(put.message().find("ServiceUnavailable: going down"), std::string::npos) << put.message();
  EXPECT_TRUE(fs::exists(file)) << "the result was lost with the upload";
  const std::vector<std::string> log = s3_.log();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(std::count(log.begin(), log.end(), "PUT /results/team/a/job-3/output.mp4?partNumber=3&uploadId=up%2B1%2Fx"), 2)
      << "one attempt more, as settings.attempts says";
  EXPECT_EQ(log.back(), "DELETE /results/team/a/job-3/output.mp4?uploadId=up%2B1%2Fx") << "the upload was not aborted";
  EXPECT_EQ(s3_.objects().count("results/team/a/job-3/output.mp4"), 0u);
}

TEST_F(S3ResultStoreTest, AStoreOutOfReachForAMomentIsTriedAgain) {
  int refusals = 1;
  s3_.fault = [&refusals](const httplib::Request&, httplib::Response& res) {
    if (refusals-- <= 0) return false;
    res.status = 500;
    return true;
  };
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(100);
  const Status put = store->Put("job-4/output.jpg", file);
  EXPECT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ(s3_.log().size(), 2u);
  EXPECT_EQ(s3_.objects().count("results/team/a/job-4/output.jpg"), 1u);
}

TEST_F(S3ResultStoreTest, RefusedCredentialsAreAClearErrorAndNotRetried) {
  s3_.fault = [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not "
                    "exist in our records.</Message></Error>", "application/xml");
    return true;
  };
  auto store = NewS3ResultStore(settings_);
  const Status put = store->Put("job-5/output.jpg", File(10));
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << put.ToString();
  EXPECT_NE(put.message().find("InvalidAccessKeyId"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("check the credentials"), std::string::npos) << put.message();
  EXPECT_EQ(s3_.log().size(), 1u);
  EXPECT_EQ(store->Health().code(), StatusCode::kPermissionDenied);
}

TEST_F(S3ResultStoreTest, NoStoreListeningIsUnavailable) {
  settings_.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  settings_.attempts = 2;
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(10);
  const Status put = store->Put("job-6/output.jpg", file);
  EXPECT_EQ(put.code(), StatusCode::kUnavailable) << put.ToString();
  EXPECT_NE(put.message().find("is out of reach"), std::string::npos) << put.message();
  EXPECT_TRUE(fs::exists(file));
  EXPECT_EQ(store->Health().code(), StatusCode::kUnavailable);
}

TEST_F(S3ResultStoreTest, AStoreThatIgnoresTheRangeStillGivesTheRightBytes) {
  auto store = NewS3ResultStore(settings_);
  const fs::path file = File(3000);
  const std::string bytes = Bytes(file);
  ASSERT_TRUE(store->Put("job-8/output.jpg", file).ok());
  s3_.fault = [&bytes](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET") return false;
    res.status = 200;  // the whole object, whatever the Range said (httplib applies no Range to a chunked body)
    res.set_chunked_content_provider("application/octet-stream", [&bytes](size_t, httplib::DataSink& sink) {
      sink.write(bytes.data(), bytes.size());
      sink.done();
      return true;
    });
    return true;
  };
  Status read;
  EXPECT_EQ(ReadAll(*store, "job-8/output.jpg", 1000, 4, &read), bytes.substr(1000, 4));
  EXPECT_TRUE(read.ok()) << read.ToString();
}

TEST_F(S3ResultStoreTest, HealthIsQuickWhenTheStoreHangsAndSaysWhenItIsNoS3Store) {
  settings_.health_timeout_s = 0.3;
  s3_.fault = [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.status = 500;
    return true;
  };
  auto store = NewS3ResultStore(settings_);
  const auto start = std::chrono::steady_clock::now();
  const Status hanging = store->Health();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(hanging.code(), StatusCode::kUnavailable) << hanging.ToString();
  EXPECT_LT(seconds, 1.0) << "Health waited for a store that hangs";
  std::this_thread::sleep_for(std::chrono::milliseconds(1400));  // the fake answers one request at a time
  s3_.fault = [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("<html>not here</html>", "text/html");
    return true;
  };
  const Status not_s3 = store->Health();
  EXPECT_EQ(not_s3.code(), StatusCode::kFailedPrecondition) << not_s3.ToString();
  EXPECT_NE(not_s3.message().find("does not answer as an S3 store"), std::string::npos) << not_s3.message();
}

TEST_F(S3ResultStoreTest, EveryRequestCarriesAValidSigV4Signature) {
  settings_.part_bytes = 1000;
  settings_.session_token = "token/with+chars";
  auto store = NewS3ResultStore(settings_);
  ASSERT_TRUE(store->Put("job-7/output.mp4", File(1500)).ok());  // two parts: POST, PUT x2, POST
  Status read;
  ReadAll(*store, "job-7/output.mp4", 10, 20, &read);  // a GET with Range
  ASSERT_TRUE(read.ok()) << read.ToString();
  const std::vector<testing::SeenRequest> requests = s3_.requests();
  ASSERT_EQ(requests.size(), 5u);
  for (const testing::SeenRequest& r : requests) {
    ASSERT_EQ(r.headers.count("Authorization"), 1u) << r.target;
    const std::string authorization = r.headers.find("Authorization")->second;
    EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u) << authorization;
    EXPECT_NE(authorization.find("/eu-test-1/s3/aws4_request"), std::string::npos) << authorization;
    EXPECT_EQ(r.headers.find("x-amz-security-token")->second, "token/with+chars");
    EXPECT_NE(AuthField(authorization, "SignedHeaders").find("x-amz-security-token"), std::string::npos);
    EXPECT_EQ(AuthField(authorization, "Signature"), ExpectedSignature(r, settings_.secret_access_key, "eu-test-1"))
        << r.method << " " << r.target;
  }
}

}  // namespace
}  // namespace facefuse::storage
