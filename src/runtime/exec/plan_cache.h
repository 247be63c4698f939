// Timed plan choices kept on disk between processes, like an engine cache:
// which of a kernel's plans ran fastest for a key (the CPU convolution's key
// holds its geometry, epilogue, thread count, oneDNN version and CPU ISA). A
// choice depends on the shape and the machine, not on the weights' values, so
// one entry serves every model with that convolution.
//
// The file, DIR/plan-choices.tsv:
//   facefuse-plan-cache <format>\t<facefuse version>
//   <key>\t<choice>                      one line per entry
//   end\t<entries>\t<FNV-1a 64 of every byte before this line, hex>
// A file whose header, entry count, checksum or any line does not parse is
// ignored as a whole (never trusted) and rewritten on the next save. A choice
// read from the file is only a hint: a kernel that cannot build it times its
// plans as if there were no entry. A save first takes in the entries another process wrote to the file since
// (this cache's choice wins for a key both have), so processes sharing a folder lose nothing but a race between
// two saves.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/env.h"
#include "facefuse/status.h"

namespace facefuse::rt {

class PlanCache {
 public:
  // Reads DIR/plan-choices.tsv through `env` when it is there and valid; a
  // missing, unreadable or damaged file leaves the cache empty (loaded() false).
  // An empty `dir` keeps the choices in memory only: a session's convolutions
  // of one shape are then timed once, not once per node.
  PlanCache(std::filesystem::path dir, Env* env = Env::Default());

  // The recorded choice for `key`; nullopt when there is none. Thread-safe.
  std::optional<std::string> Find(const std::string& key) const;
  // Counts a hit: a choice Find gave was used (a kernel that cannot build it times its plans instead, and that
  // is no hit). Thread-safe.
  void CountHit();
  // Records a timed choice (keys and choices hold no tab or newline; others
  // are dropped). Thread-safe.
  void Record(const std::string& key, const std::string& choice);
  // Writes the file (atomically: a temporary file renamed over it, its folder
  // created) when something was recorded since the last save; nothing in
  // memory-only mode. Errors: IoError from the
  // filesystem; the cache stays usable.
  Status SaveIfChanged();

  bool loaded() const { return loaded_; }
  // Why the last save failed ("" when it worked, or none was needed yet). Thread-safe.
  std::string last_save_error() const;
  size_t hits() const;
  size_t recorded() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::string Serialize() const;  // with mu_ held
  // The entries of a valid file's text into `choices`; false (choices then partly filled) for any other text.
  static bool Parse(const std::string& text, std::map<std::string, std::string>& choices);

  const std::filesystem::path file_;
  Env* const env_;
  bool loaded_ = false;
  mutable std::mutex mu_;
  std::map<std::string, std::string> choices_;
  size_t hits_ = 0, recorded_ = 0;
  bool dirty_ = false;
  std::string last_save_error_;
};

}  // namespace facefuse::rt
