#include "runtime/exec/plan_cache.h"

#include <cinttypes>
#include <cstdio>
#include <span>
#include <sstream>
#include <utility>
#include <vector>

#include "common/atomic_file.h"

#ifndef FACEFUSE_VERSION
#define FACEFUSE_VERSION "unknown"
#endif

namespace facefuse::rt {
namespace {

constexpr const char* kFileName = "plan-choices.tsv";
constexpr uint64_t kMaxFileBytes = uint64_t{16} << 20;
// Bump when a kernel's plans or their names change meaning, or a plan got faster
// than the choices recorded against it (2: Winograd's grouped mode for wide layers).
constexpr int kFormat = 2;

std::string Header() { return "facefuse-plan-cache " + std::to_string(kFormat) + "\t" FACEFUSE_VERSION "\n"; }

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

bool Clean(const std::string& s) { return !s.empty() && s.find_first_of("\t\n\r") == std::string::npos; }

}  // namespace

PlanCache::PlanCache(std::filesystem::path dir, Env* env)
    : file_(dir.empty() ? std::filesystem::path() : std::move(dir) / kFileName), env_(env) {
  if (file_.empty()) return;
  std::string text;
  if (!env_->ReadFile(file_, kMaxFileBytes, &text).ok()) return;
  loaded_ = Parse(text, choices_);
  if (!loaded_) choices_.clear();
}

bool PlanCache::Parse(const std::string& text, std::map<std::string, std::string>& choices) {
  const std::string header = Header();
  if (text.compare(0, header.size(), header) != 0) return false;
  const size_t end_line = text.rfind("end\t");
  if (end_line == std::string::npos || end_line < header.size() || text[end_line - 1] != '\n') return false;
  std::istringstream lines(text.substr(header.size(), end_line - header.size()));
  std::string line;
  while (std::getline(lines, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) return false;
    std::string key = line.substr(0, tab), choice = line.substr(tab + 1);
    if (!Clean(key) || !Clean(choice)) return false;
    choices[std::move(key)] = std::move(choice);
  }
  // The last line, exactly as Serialize writes it: nothing may follow it.
  const std::string trailer =
      "end\t" + std::to_string(choices.size()) + "\t" + Hex(Fnv1a(std::string_view(text).substr(0, end_line))) + "\n";
  return text.compare(end_line, std::string::npos, trailer) == 0;
}

std::optional<std::string> PlanCache::Find(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = choices_.find(key);
  if (it == choices_.end()) return std::nullopt;
  return it->second;
}

void PlanCache::CountHit() {
  std::lock_guard<std::mutex> lock(mu_);
  ++hits_;
}

void PlanCache::Record(const std::string& key, const std::string& choice) {
  if (!Clean(key) || !Clean(choice)) return;
  std::lock_guard<std::mutex> lock(mu_);
  choices_.insert_or_assign(key, choice);
  ++recorded_;
  dirty_ = true;
}

std::string PlanCache::Serialize() const {
  std::string text = Header();
  for (const auto& [key, choice] : choices_) text += key + "\t" + choice + "\n";
  const uint64_t sum = Fnv1a(text);
  text += "end\t" + std::to_string(choices_.size()) + "\t" + Hex(sum) + "\n";
  return text;
}

Status PlanCache::SaveIfChanged() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dirty_ || file_.empty()) return Status::Ok();
  }
  // What another process saved since this one read the file: kept, under this cache's own choices.
  std::map<std::string, std::string> on_disk;
  std::string old_text;
  if (env_->ReadFile(file_, kMaxFileBytes, &old_text).ok() && !Parse(old_text, on_disk)) on_disk.clear();
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    choices_.merge(on_disk);  // keys this cache has stay as they are
    text = Serialize();
    dirty_ = false;
  }
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  Status s = env_->CreateDirectories(file_.parent_path());
  if (s.ok() && env_->Stat(file_).type == FileType::kDirectory)  // WriteFileAtomically's advice is for a path given
    s = IoError("cannot write " + file_.string() +
                ": a folder has the cache file's name; remove it or name another "
                "cache folder");
  if (s.ok()) s = WriteFileAtomically(file_, bytes, env_);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) dirty_ = true;  // try again on the next save
  last_save_error_ = s.ok() ? "" : s.ToString();
  return s;
}

std::string PlanCache::last_save_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_save_error_;
}

size_t PlanCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

size_t PlanCache::recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

}  // namespace facefuse::rt
