// Who may use the job API: with an API keys file and a JWT secret, a /v1 request without a credential, with a
// wrong key, a token signed with another secret, another algorithm, expired or without sub is answered 401 (the
// server goes on serving); a good key or token gets in and sees only its own jobs; the page, the health checks and
// /metrics stay open. The rate limit answers 429 with Retry-After.
#include <jwt.h>

#include "server/auth.h"
#include "server/rate_limit.h"
#include "tests/unit/http_api_fixture.h"

namespace facefuse::server::test {
namespace {

constexpr const char* kSecret = "a shared secret of more than thirty-two bytes";
constexpr const char* kAliceKey = "alice-key-0123456789abcdef";
constexpr const char* kBobKey = "bob-key-0123456789abcdef";

// A token signed with `secret` by `alg` with these claims (exp/nbf relative to now, 0: left out).
std::string Token(const std::string& secret, jwt_alg_t alg, const std::string& sub, long exp_in_s, long nbf_in_s = 0,
                  const char* nbf_text = nullptr) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const long now = static_cast<long>(time(nullptr));
  if (!sub.empty()) jwt_add_grant(jwt, "sub", sub.c_str());
  if (exp_in_s != 0) jwt_add_grant_int(jwt, "exp", now + exp_in_s);
  if (nbf_in_s != 0) jwt_add_grant_int(jwt, "nbf", now + nbf_in_s);
  if (nbf_text != nullptr) jwt_add_grant(jwt, "nbf", nbf_text);
  jwt_set_alg(jwt, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(secret.data()),
              alg == JWT_ALG_NONE ? 0 : static_cast<int>(secret.size()));
  char* text = jwt_encode_str(jwt);
  std::string token = text != nullptr ? text : "";
  free(text);
  jwt_free(jwt);
  return token;
}

httplib::Headers Bearer(const std::string& credential) { return {{"Authorization", "Bearer " + credential}}; }

class HttpAuth : public HttpApi {
 protected:
  void StartWithAuth(double rate_limit_per_s = 0) {
    std::ofstream(root_ / "keys") << "# name:key\nalice:" << kAliceKey << "\n\nbob: " << kBobKey << "\n";
    std::ofstream(root_ / "secret") << kSecret << "\n";
    Start({}, uint64_t{1} << 30, 2, [this, rate_limit_per_s](JobApiOptions& options) {
      options.auth.api_keys_file = root_ / "keys";
      options.auth.jwt_secret_file = root_ / "secret";
      options.rate_limit_per_s = rate_limit_per_s;
    });
  }
  httplib::Result PostAs(const std::string& credential) {
    return client_->Post("/v1/jobs", Bearer(credential), SwapParts());
  }
};

TEST_F(HttpAuth, RequestsWithoutAGoodCredentialAre401AndTheServerGoesOn) {
  StartWithAuth();
  ExpectError(client_->Get("/v1/jobs"), 401, "Unauthenticated", "no credential");
  EXPECT_EQ(client_->Get("/v1/jobs")->get_header_value("WWW-Authenticate"), "Bearer");
  ExpectError(client_->Get("/v1/jobs", {{"Authorization", std::string("Basic ") + kAliceKey}}), 401,
              "Unauthenticated", "not a bearer credential");
  ExpectError(client_->Get("/v1/jobs", Bearer("alice-key-wrong-0123456789")), 401, "Unauthenticated", "wrong key");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS256, "carol", -60))), 401, "Unauthenticated",
              "an expired token");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token("another secret of more than 32 bytes!!", JWT_ALG_HS256, "carol",
                                                    600))),
              401, "Unauthenticated", "a token signed with another secret");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS512, "carol", 600))), 401, "Unauthenticated",
              "a token signed HS512");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_NONE, "carol", 600))), 401, "Unauthenticated",
              "an unsigned token");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS256, "", 600))), 401, "Unauthenticated",
              "a token without sub");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS256, "carol", 0))), 401, "Unauthenticated",
              "a token without exp");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS256, "carol", 600, 300))), 401,
              "Unauthenticated", "a token not valid yet");
  ExpectError(client_->Get("/v1/jobs", Bearer(Token(kSecret, JWT_ALG_HS256, "carol", 600, 0, "x"))), 401,
              "Unauthenticated", "a token whose nbf is no number");
  ExpectError(client_->Post("/v1/swap", SwapParts()), 401, "Unauthenticated", "a synchronous swap without a key");
  auto unauthenticated = client_->Get("/v1/jobs");
  EXPECT_EQ(unauthenticated->body.find(kAliceKey), std::string::npos);
  // Open without a credential: the health checks and the metrics.
  EXPECT_EQ(client_->Get("/health/ready")->status, 200);
  auto scrape = client_->Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
  EXPECT_NE(scrape->body.find("facefuse_rejected_requests_total{reason=\"unauthenticated\"} 1"), std::string::npos);
}

TEST_F(HttpAuth, AKeyOrATokenGetsInAndEachSeesOnlyItsOwnJobs) {
  StartWithAuth();
  auto alice = PostAs(kAliceKey);
  ASSERT_TRUE(alice);
  ASSERT_EQ(alice->status, 202) << alice->body;
  const std::string alice_job = nlohmann::json::parse(alice->body)["id"];
  const std::string carol_token = Token(kSecret, JWT_ALG_HS256, "carol", 600);
  auto carol = PostAs(carol_token);
  ASSERT_TRUE(carol);
  ASSERT_EQ(carol->status, 202) << carol->body;
  const std::string carol_job = nlohmann::json::parse(carol->body)["id"];

  auto alice_list = client_->Get("/v1/jobs", Bearer(kAliceKey));
  ASSERT_EQ(alice_list->status, 200);
  const nlohmann::json alice_jobs = nlohmann::json::parse(alice_list->body)["jobs"];
  ASSERT_EQ(alice_jobs.size(), 1u);
  EXPECT_EQ(alice_jobs[0]["id"], alice_job);
  EXPECT_EQ(client_->Get(("/v1/jobs/" + alice_job).c_str(), Bearer(kAliceKey))->status, 200);
  EXPECT_EQ(client_->Get(("/v1/jobs/" + carol_job).c_str(), Bearer(carol_token))->status, 200);
  // Another principal's job is no job at all: 404, as an unknown id.
  ExpectError(client_->Get(("/v1/jobs/" + alice_job).c_str(), Bearer(kBobKey)), 404, "NotFound", "bob reads alice's");
  ExpectError(client_->Get(("/v1/jobs/" + alice_job + "/result").c_str(), Bearer(carol_token)), 404, "NotFound",
              "carol reads alice's result");
  ExpectError(client_->Delete(("/v1/jobs/" + carol_job).c_str(), Bearer(kAliceKey)), 404, "NotFound",
              "alice cancels carol's");
  ExpectError(client_->Get(("/v1/jobs/" + carol_job + "/events").c_str(), Bearer(kBobKey)), 404, "NotFound",
              "bob follows carol's");
  EXPECT_EQ(nlohmann::json::parse(client_->Get("/v1/jobs", Bearer(kBobKey))->body)["total"], 0);
  queue_->WaitIdle();
}

TEST_F(HttpAuth, TheRateLimitAnswers429WithRetryAfterPerCaller) {
  StartWithAuth(/*rate_limit_per_s=*/0.5);  // a burst of 1 request, then one every 2 s
  EXPECT_EQ(client_->Get("/v1/jobs", Bearer(kAliceKey))->status, 200);
  auto refused = client_->Get("/v1/jobs", Bearer(kAliceKey));
  ExpectError(refused, 429, "ResourceExhausted", "alice's second request at once");
  EXPECT_EQ(refused->get_header_value("Retry-After"), "2");
  EXPECT_EQ(client_->Get("/v1/jobs", Bearer(kBobKey))->status, 200);  // bob has a bucket of his own
  EXPECT_EQ(client_->Get("/health/live")->status, 200);                // not limited
  auto scrape = client_->Get("/metrics");
  EXPECT_NE(scrape->body.find("facefuse_rejected_requests_total{reason=\"rate_limited\"} 1"), std::string::npos);
}

TEST(Authenticator, RefusesMalformedKeyFilesAndShortSecrets) {
  const fs::path dir = fs::temp_directory_path();
  const fs::path keys = dir / ("ff-keys-" + std::to_string(getpid()));
  std::ofstream(keys) << "alice:short\n";
  auto loaded = Authenticator::Load({keys, {}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(":1: the key of alice is shorter than 16"), std::string::npos)
      << loaded.status().ToString();
  std::ofstream(keys) << "no colon on this line at all\n";
  EXPECT_NE(Authenticator::Load({keys, {}}).status().message().find("expected NAME:KEY"), std::string::npos);
  std::ofstream(keys) << "a:0123456789abcdef0\na:0123456789abcdef1\n";
  EXPECT_NE(Authenticator::Load({keys, {}}).status().message().find("a has a key already"), std::string::npos);
  std::ofstream(keys) << "a:0123456789abcdef0\nb:0123456789abcdef0\n";
  EXPECT_NE(Authenticator::Load({keys, {}}).status().message().find("b's key is a's already"), std::string::npos);
  std::ofstream(keys) << "too short a secret";
  EXPECT_NE(Authenticator::Load({{}, keys}).status().message().find("at least 32 bytes"), std::string::npos);
  EXPECT_EQ(Authenticator::Load({dir / "no-such-keys-file", {}}).status().code(), StatusCode::kIoError);
  EXPECT_EQ(Authenticator::Load({}).status().code(), StatusCode::kInvalidArgument);
  fs::remove(keys);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  RateLimiter::Clock::time_point now{};
  RateLimiter limiter(2, 3, [&now] { return now; });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a")) << i;
  int retry = 0;
  EXPECT_FALSE(limiter.Allow("a", &retry));
  EXPECT_EQ(retry, 1);
  EXPECT_TRUE(limiter.Allow("b"));
  now += std::chrono::milliseconds(500);  // one more token
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  now += std::chrono::seconds(60);  // full again, never more than the burst
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a")) << i;
  EXPECT_FALSE(limiter.Allow("a"));
}

}  // namespace
}  // namespace facefuse::server::test
