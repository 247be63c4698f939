// A fake S3 endpoint for the result store's tests: an httplib::Server on 127.0.0.1 at a free port that keeps
// objects in memory (path-style: /BUCKET/KEY), runs multipart uploads (POST ?uploads=, PUT ?partNumber=&uploadId=,
// POST ?uploadId=, DELETE ?uploadId=), answers ranged GETs, and records every request. A test can make it fail:
// `fault` sees each request first and answers it itself when it returns true.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace facefuse::testing {

struct SeenRequest {
  std::string method, target, body;
  httplib::Headers headers;
};

class FakeS3 {
 public:
  FakeS3() {
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handle);
    server_.Put(".*", handle);
    server_.Post(".*", handle);
    server_.Delete(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeS3() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::function<bool(const httplib::Request&, httplib::Response&)> fault;  // set before requests are made

  std::map<std::string, std::string> objects() {
    std::lock_guard lock(mu_);
    return objects_;
  }
  std::vector<SeenRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // "METHOD TARGET" of every request, in order.
  std::vector<std::string> log() {
    std::vector<std::string> lines;
    for (const SeenRequest& r : requests()) lines.push_back(r.method + " " + r.target);
    return lines;
  }

 private:
  static void Answer(httplib::Response& res, int status, const std::string& body = "") {
    res.status = status;
    res.set_content(body, "application/xml");
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    requests_.push_back({req.method, req.target, req.body, req.headers});
    if (fault && fault(req, res)) return;
    const std::string name = req.path.substr(1);
    if (req.method == "POST" && req.has_param("uploads")) {
      parts_[name].clear();
      return Answer(res, 200, "<InitiateMultipartUploadResult><UploadId>up+1/x</UploadId></InitiateMultipartUploadResult>");
    }
    if (req.method == "PUT" && req.has_param("partNumber")) {
      if (req.get_param_value("uploadId") != "up+1/x") return Answer(res, 404, "<Error><Code>NoSuchUpload</Code></Error>");
      const std::string number = req.get_param_value("partNumber");
      parts_[name][std::stoi(number)] = req.body;
      res.set_header("ETag", "\"etag-" + number + "\"");
      return Answer(res, 200);
    }
    if (req.method == "POST" && req.has_param("uploadId")) {
      std::string whole;
      for (size_t at = req.body.find("<PartNumber>"); at != std::string::npos; at = req.body.find("<PartNumber>", at + 1)) {
        whole += parts_[name][std::stoi(req.body.substr(at + 12))];
      }
      objects_[name] = whole;
      return Answer(res, 200, "<CompleteMultipartUploadResult><Key>" + name + "</Key></CompleteMultipartUploadResult>");
    }
    if (req.method == "DELETE" && req.has_param("uploadId")) return Answer(res, 204);
    if (req.method == "PUT") {
      objects_[name] = req.body;
      res.set_header("ETag", "\"whole\"");
      return Answer(res, 200);
    }
    if (req.method == "DELETE") {
      objects_.erase(name);
      return Answer(res, 204);
    }
    const bool bucket = name.find('/') == std::string::npos;
    if (bucket) return Answer(res, 200);  // HEAD (or GET) of the bucket
    const auto object = objects_.find(name);
    if (object == objects_.end()) return Answer(res, 404, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
    res.set_content(object->second, "application/octet-stream");  // httplib answers Range and HEAD itself
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, std::map<int, std::string>> parts_;
  std::vector<SeenRequest> requests_;
};

}  // namespace facefuse::testing
