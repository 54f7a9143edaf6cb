#include "common/file_watch.hpp"

#include "common/fault_barrier.hpp"
#include "common/glib_handles.hpp"

#include <glib-unix.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace agentcast {
namespace {

// Everything that can change what a follower of the file sees. IN_MODIFY on a directory
// watch reports writes to the files in it.
constexpr std::uint32_t kEvents =
    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB;

}  // namespace

FileWatch::FileWatch(const std::string& path, std::function<void()> changed) : changed_(std::move(changed)) {
  GCharPtr directory(g_path_get_dirname(path.c_str()));
  GCharPtr name(g_path_get_basename(path.c_str()));
  name_ = name.get();
  fd_ = UniqueFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_) {
    problem_ = std::string("inotify: ") + g_strerror(errno);
    return;
  }
  if (inotify_add_watch(fd_.get(), directory.get(), kEvents | IN_ONLYDIR) < 0) {
    problem_ = std::string(directory.get()) + ": " + g_strerror(errno);
    fd_.reset();
    return;
  }
  source_ = SourceId(g_unix_fd_add(fd_.get(), G_IO_IN, on_readable, this));
}

gboolean FileWatch::on_readable(gint /*fd*/, GIOCondition /*condition*/, gpointer self) {
  fault::contain("the file watch", [&] {
    auto& watch = *static_cast<FileWatch*>(self);
    if (watch.drain() && watch.changed_) watch.changed_();
  });
  return G_SOURCE_CONTINUE;
}

bool FileWatch::drain() {
  bool named = false;
  alignas(inotify_event) std::array<char, 4096> buffer{};
  while (true) {
    const ssize_t got = ::read(fd_.get(), buffer.data(), buffer.size());
    if (got <= 0) break;  // EAGAIN: all read
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= got;) {
      inotify_event event{};
      std::memcpy(&event, buffer.data() + at, sizeof(event));
      const char* event_name = buffer.data() + at + sizeof(inotify_event);
      // A lost batch (queue overflow) or the directory itself gone may hide the file's events.
      if ((event.mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) named = true;
      if (event.len > 0 && name_ == event_name) named = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
    }
  }
  return named;
}

}  // namespace agentcast
