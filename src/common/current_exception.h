// The message of the exception being handled, for the catch (...) at a thread's
// exception boundary (job queue, GPU sampler).
#pragma once

#include <exception>
#include <string>

namespace facefuse {

// what() of the exception being handled, or a fixed text for one that is not a
// std::exception. Call only inside a catch block (it rethrows the current exception).
inline std::string CurrentExceptionMessage() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace facefuse
