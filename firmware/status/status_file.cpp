#include "status/status_file.hpp"

#include "common/handles.hpp"
#include "common/log.hpp"
#include "common/off_loop.hpp"
#include "common/untrusted_text.hpp"

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

  // One write at a time, on the off-loop worker (GIO writes a temporary file and renames it
  // over the old: a reader never sees half a status). Only the newest pending text is written.
  void write_next(const std::shared_ptr<Writer>& self) {
    if (writing || !pending) return;
    writing = true;
    auto outcome = std::make_shared<GErrorPtr>();
    run_off_loop(
        [file = shared_ref(file.get()), cancellable = shared_ref(cancellable.get()), text = std::move(*pending),
         outcome] {
          GError* raw_error = nullptr;
          g_file_replace_contents(file.get(), text.data(), text.size(), nullptr, FALSE, G_FILE_CREATE_NONE, nullptr,
                                  cancellable.get(), &raw_error);
          outcome->reset(raw_error);
        },
        [self, outcome] { self->written(outcome->get(), self); });
    pending.reset();
  }

  void written(const GError* error, const std::shared_ptr<Writer>& self) {
    writing = false;
    if (g_cancellable_is_cancelled(cancellable.get())) return;  // the status file is gone with its box
    if (error != nullptr) {
      if (!warned) log::warning("status: cannot write the status file: ", error->message);
      warned = true;
    }
    write_next(self);
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
