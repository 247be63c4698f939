#include "storage/s3_result_store.h"

#include <cstdio>
#include <system_error>
#include <utility>
#include <vector>

#include "storage/result_key.h"
#include "storage/s3_request.h"

namespace facefuse::storage {
namespace {

namespace fs = std::filesystem;

class S3ResultStore : public ResultStore {
 public:
  explicit S3ResultStore(S3Settings settings) : s_(std::move(settings)) {}

  std::string Describe() const override {
    return "s3://" + s_.bucket + (s_.prefix.empty() ? "" : "/" + s_.prefix) + " at " + s_.endpoint;
  }

  Status Put(const std::string& key, const fs::path& file) override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    std::error_code error;
    const uint64_t size = fs::file_size(file, error);
    if (error) return IoError("cannot read " + file.string() + " to store it: " + error.message());
    FF_RETURN_IF_ERROR(size > s_.part_bytes ? PutInParts(ObjectName(key), file, size)
                                            : PutWhole(ObjectName(key), file, size));
    fs::remove(file, error);  // stored: the local copy is not needed (a leftover is the retention's)
    return Status::Ok();
  }

  Result<uint64_t> Size(const std::string& key) const override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    S3Request head;
    head.method = "HEAD";
    head.object = ObjectName(key);
    Result<S3Response> answer = SendS3Request(s_, head);
    if (!answer.ok() && answer.status().code() == StatusCode::kNotFound) {
      return NotFound("no result " + key + " in " + Describe());
    }
    if (!answer.ok()) return answer.status();
    return answer->content_length;
  }

  Status Read(const std::string& key, uint64_t offset, uint64_t length, const ByteSink& sink) const override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    if (length == 0) return Status::Ok();
    uint64_t given = 0;
    bool stopped = false;
    S3Request get;
    get.object = ObjectName(key);
    get.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    get.skip_on_200 = offset;  // a store (or a proxy) that ignores the Range sends the object from its start
    get.sink = [&](const char* data, size_t size) {
      const auto take = static_cast<size_t>(std::min<uint64_t>(size, length - given));
      given += take;
      if (take > 0 && !sink(data, take)) stopped = true;
      return !stopped && take == size;  // more than asked for: a store that ignored the Range
    };
    Result<S3Response> answer = SendS3Request(s_, get);
    if (!answer.ok() && !stopped && given == length) return Status::Ok();
    if (!answer.ok() && answer.status().code() == StatusCode::kNotFound) {
      return NotFound("no result " + key + " in " + Describe());
    }
    if (!answer.ok()) return answer.status();
    if (given < length) return IoError("the result " + key + " ended " + std::to_string(length - given) + " bytes early");
    return Status::Ok();
  }

  Status Remove(const std::string& key) override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    S3Request remove;
    remove.method = "DELETE";
    remove.object = ObjectName(key);
    Result<S3Response> answer = SendS3Request(s_, remove);
    if (!answer.ok() && answer.status().code() != StatusCode::kNotFound) return answer.status();
    return Status::Ok();
  }

  // Lists at most one object under the prefix (a GET, so that a refusal comes with the store's code; HEAD has no
  // body). Needs s3:ListBucket, as docs/deploy.md says.
  // One attempt of at most settings.health_timeout_s: a store that hangs must not hold a readiness probe.
  Status Health() const override {
    S3Request list;
    list.query = "list-type=2&max-keys=1&prefix=" + S3QueryValue(s_.prefix.empty() ? "" : s_.prefix + "/");
    list.attempts = 1;
    list.timeout_s = s_.health_timeout_s;
    Result<S3Response> answer = SendS3Request(s_, list);
    if (!answer.ok() && answer.status().code() == StatusCode::kNotFound) {
      if (answer.status().message().find("NoSuchBucket") != std::string::npos) {
        return NotFound("there is no bucket " + s_.bucket + " at " + s_.endpoint);
      }
      return FailedPrecondition(s_.endpoint + " does not answer as an S3 store (" + answer.status().message() + ")");
    }
    return answer.status();
  }

 private:
  std::string ObjectName(const std::string& key) const { return s_.prefix.empty() ? key : s_.prefix + "/" + key; }

  Status PutWhole(const std::string& object, const fs::path& file, uint64_t size) const {
    S3Request put;
    put.method = "PUT";
    put.object = object;
    put.body_file = file;
    put.body_length = size;
    return SendS3Request(s_, put).status();
  }

  // A multipart upload: start it, send the parts, complete it; on an error the upload is aborted.
  Status PutInParts(const std::string& object, const fs::path& file, uint64_t size) const {
    S3Request start;
    start.method = "POST";
    start.object = object;
    start.query = "uploads=";
    FF_ASSIGN_OR_RETURN(S3Response started, SendS3Request(s_, start));
    const std::string upload_id = S3XmlField(started.body, "UploadId");
    if (upload_id.empty()) return FailedPrecondition(Describe() + " started no multipart upload of " + object);
    const std::string upload = "uploadId=" + S3QueryValue(upload_id);
    std::string parts;
    Status outcome;
    for (uint64_t offset = 0, number = 1; offset < size && outcome.ok(); offset += s_.part_bytes, ++number) {
      S3Request part;
      part.method = "PUT";
      part.object = object;
      part.query = "partNumber=" + std::to_string(number) + "&" + upload;
      part.body_file = file;
      part.body_offset = offset;
      part.body_length = std::min(s_.part_bytes, size - offset);
      Result<S3Response> sent = SendS3Request(s_, part);
      if (sent.ok() && sent->etag.empty()) sent = FailedPrecondition(Describe() + " gave part " + std::to_string(number) + " no ETag");
      if (!sent.ok()) outcome = sent.status();
      if (sent.ok()) parts += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + sent->etag + "</ETag></Part>";
    }
    if (outcome.ok()) {
      S3Request complete;
      complete.method = "POST";
      complete.object = object;
      complete.query = upload;
      complete.headers.push_back("Content-Type: application/xml");
      complete.body = "<CompleteMultipartUpload>" + parts + "</CompleteMultipartUpload>";
      Result<S3Response> done = SendS3Request(s_, complete);
      outcome = done.status();
      // A completion can fail after its 200: the error is then in the body.
      if (done.ok() && done->body.find("<Error>") != std::string::npos) {
        outcome = Unavailable(Describe() + " could not complete the upload of " + object + ": " + S3ErrorText(done->body, 200));
      }
    }
    if (!outcome.ok()) {
      S3Request abort;
      abort.method = "DELETE";
      abort.object = object;
      abort.query = upload;
      (void)SendS3Request(s_, abort).status();  // best effort: a bucket lifecycle rule clears what is left
    }
    return outcome;
  }

  S3Settings s_;
};

}  // namespace

std::unique_ptr<ResultStore> NewS3ResultStore(S3Settings settings) {
  return std::make_unique<S3ResultStore>(std::move(settings));
}

}  // namespace facefuse::storage
