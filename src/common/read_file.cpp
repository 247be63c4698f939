#include "common/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace facefuse {

template <class Bytes>
Result<Bytes> ReadRegularFile(const std::filesystem::path& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound(path.string() + " does not exist");
    return IoError("cannot open " + path.string() + ": " + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return IoError("cannot read " + path.string() + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return IoError("cannot read " + path.string() + ": " + std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path.string() + " is not a regular file (a device, FIFO or socket)");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return InvalidArgument(path.string() + " is " + std::to_string(size) + " bytes, over the limit of " +
                           std::to_string(max_bytes) + " bytes");
  Bytes bytes;
  bytes.resize(static_cast<size_t>(size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read " + path.string() + ": " + std::strerror(errno));
    if (n == 0) break;  // the file shrank while being read
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

template Result<std::string> ReadRegularFile<std::string>(const std::filesystem::path&, uint64_t);
template Result<std::vector<uint8_t>> ReadRegularFile<std::vector<uint8_t>>(const std::filesystem::path&, uint64_t);

}  // namespace facefuse
