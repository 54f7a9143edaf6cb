#include "status/status_file.hpp"

#include "common/fault_barrier.hpp"
#include "common/handles.hpp"
#include "common/log.hpp"
#include "common/untrusted_text.hpp"
#include "common/user_data.hpp"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <optional>

namespace agentcast::status {
namespace {

constexpr const char* kSystemDirectory = "/run/agentcast";
constexpr const char* kFileName = "status.json";

std::string user_default() {
  GCharPtr path(g_build_filename(g_get_user_runtime_dir(), "agentcast", kFileName, nullptr));
  return path.get();
}

std::string system_default() { return std::string(kSystemDirectory) + "/" + kFileName; }

// The lock, or none when no lock file can be made (then the status file cannot be written
// either, which is only warned about). Throws StatusFileInUse when another box holds it.
UniqueFd take_lock(const std::string& lock_path) {
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) {
    log::warning("status: cannot create ", lock_path, ": ", g_strerror(errno));
    return fd;
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t n = ::pread(fd.get(), holder, sizeof holder - 1, 0);
    std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("?");
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw StatusFileInUse("another agentcast (pid " + sanitize_for_log(pid, 20) + ") is running with the status file " +
                          lock_path.substr(0, lock_path.size() - 5) +
                          ": stop it first, or give this one its own status.file");
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    log::warning("status: cannot write ", lock_path, ": ", g_strerror(errno));
  }
  return fd;
}

}  // namespace

std::string status_file_for_writing(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (access(kSystemDirectory, W_OK) == 0 || geteuid() == 0) return system_default();
  return user_default();
}

std::vector<std::string> status_file_candidates(const std::string& configured) {
  if (!configured.empty()) return {configured};
  return {system_default(), user_default()};
}

struct StatusFile::Writer {
  GObjectPtr<GFile> file;
  GObjectPtr<GCancellable> cancellable{g_cancellable_new()};
  bool writing = false;
  std::optional<std::string> pending;
  bool warned = false;

  void write_next(const std::shared_ptr<Writer>& self) {
    if (writing || !pending) return;
    writing = true;
    const std::string text = std::move(*pending);
    pending.reset();
    GBytesPtr bytes(g_bytes_new(text.data(), text.size()));  // a copy: the write outlives `text`
    g_file_replace_contents_bytes_async(file.get(), bytes.get(), nullptr, FALSE, G_FILE_CREATE_NONE, cancellable.get(),
                                        on_written, to_user_data(self));
  }

  static void on_written(GObject* source, GAsyncResult* result, gpointer data) {
    const auto holder = take_user_data<std::shared_ptr<Writer>>(data);
    fault::contain("the status file writer", [&] { (*holder)->written(source, result, *holder); });
  }

  void written(GObject* source, GAsyncResult* result, const std::shared_ptr<Writer>& self_ptr) {
    Writer& self = *this;
    self.writing = false;
    GError* raw_error = nullptr;
    if (!g_file_replace_contents_finish(G_FILE(source), result, nullptr, &raw_error)) {
      GErrorPtr error(raw_error);
      if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED)) return;
      if (!self.warned) log::warning("status: cannot write the status file: ", error->message);
      self.warned = true;
    }
    self.write_next(self_ptr);
  }
};

StatusFile::StatusFile(std::string path) : path_(std::move(path)), writer_(std::make_shared<Writer>()) {
  writer_->file.reset(g_file_new_for_path(path_.c_str()));
  GCharPtr directory(g_path_get_dirname(path_.c_str()));
  if (g_mkdir_with_parents(directory.get(), 0755) != 0) {
    log::warning("status: cannot create ", directory.get(), ": ", g_strerror(errno));
  }
  lock_ = take_lock(path_ + ".lock");
}

StatusFile::~StatusFile() {
  // A write still in flight may land after this; `status` then sees a process that is gone.
  g_cancellable_cancel(writer_->cancellable.get());
  g_unlink(path_.c_str());
  // The lock file itself stays (the lock goes with `lock_`): removing it would let a third
  // box lock a new file while a second one still holds the old.
}

void StatusFile::publish(const status::BoxStatus& status) {
  writer_->pending = status::to_json_text(status);
  writer_->write_next(writer_);
}

}  // namespace agentcast::status
