#include "app/status_file.hpp"

#include "common/handles.hpp"
#include "common/log.hpp"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <unistd.h>
#include <optional>

namespace agentcast::app {
namespace {

constexpr const char* kSystemDirectory = "/run/agentcast";
constexpr const char* kFileName = "status.json";

std::string user_default() {
  GCharPtr path(g_build_filename(g_get_user_runtime_dir(), "agentcast", kFileName, nullptr));
  return path.get();
}

std::string system_default() { return std::string(kSystemDirectory) + "/" + kFileName; }

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
                                        on_written, new std::shared_ptr<Writer>(self));
  }

  static void on_written(GObject* source, GAsyncResult* result, gpointer data) {
    const std::unique_ptr<std::shared_ptr<Writer>> holder(static_cast<std::shared_ptr<Writer>*>(data));
    Writer& self = **holder;
    self.writing = false;
    GError* raw_error = nullptr;
    if (!g_file_replace_contents_finish(G_FILE(source), result, nullptr, &raw_error)) {
      GErrorPtr error(raw_error);
      if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED)) return;
      if (!self.warned) log::warning("status: cannot write the status file: ", error->message);
      self.warned = true;
    }
    self.write_next(*holder);
  }
};

StatusFile::StatusFile(std::string path) : path_(std::move(path)), writer_(std::make_shared<Writer>()) {
  writer_->file.reset(g_file_new_for_path(path_.c_str()));
  GCharPtr directory(g_path_get_dirname(path_.c_str()));
  if (g_mkdir_with_parents(directory.get(), 0755) != 0) {
    log::warning("status: cannot create ", directory.get(), ": ", g_strerror(errno));
  }
}

StatusFile::~StatusFile() {
  // A write still in flight may land after this; `status` then sees a process that is gone.
  g_cancellable_cancel(writer_->cancellable.get());
  g_unlink(path_.c_str());
}

void StatusFile::publish(const state::BoxStatus& status) {
  writer_->pending = state::to_json_text(status);
  writer_->write_next(writer_);
}

}  // namespace agentcast::app
