#include "common/small_file.hpp"

#include "common/handles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace agentcast {
namespace {

FileProblem errno_problem(const char* action) {
  const int saved = errno;
  return {saved == ENOENT, std::string(action) + ": " + std::strerror(saved)};
}

}  // namespace

const char* file_kind_name(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    default:
      return "not a regular file";
  }
}

SmallFile read_small_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return FileProblem{true, "does not exist"};
    return errno_problem("cannot open");
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return errno_problem("cannot stat");
  if (!S_ISREG(info.st_mode))
    return FileProblem{false, std::string("is ") + file_kind_name(info.st_mode) + ", not a regular file"};
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    return FileProblem{false, "is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  // The file may grow while it is read: read to its end, but never past the limit.
  std::string text(std::min(max_bytes, static_cast<std::size_t>(info.st_size)) + 1, '\0');
  std::size_t done = 0;
  for (;;) {
    if (done == text.size()) {
      if (text.size() > max_bytes) break;
      text.resize(std::min(max_bytes + 1, text.size() + 4096));
    }
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_problem("cannot read");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done > max_bytes) return FileProblem{false, "is larger than " + std::to_string(max_bytes) + " bytes"};
  text.resize(done);
  return text;
}

}  // namespace agentcast
