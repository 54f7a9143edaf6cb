#include "sources/log_follower.hpp"

#include "common/log.hpp"
#include "common/untrusted_text.hpp"

namespace agentcast::sources {
namespace {

constexpr const char* kAttributes =
    G_FILE_ATTRIBUTE_UNIX_DEVICE "," G_FILE_ATTRIBUTE_UNIX_INODE "," G_FILE_ATTRIBUTE_STANDARD_SIZE;
constexpr gsize kReadChunk = gsize{64} * 1024;

// A cancelled operation's callback runs after its LogFollower may be gone: touch nothing.
bool was_cancelled(const GError* error) {
  return error != nullptr && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

}  // namespace

LogFollower::LogFollower(std::string path, LineHandler on_line)
    : LogFollower(std::move(path), std::move(on_line), Options{}) {}

LogFollower::LogFollower(std::string path, LineHandler on_line, const Options& options)
    : path_(std::move(path)),
      on_line_(std::move(on_line)),
      options_(options),
      file_(g_file_new_for_path(path_.c_str())),
      cancellable_(g_cancellable_new()) {}

LogFollower::~LogFollower() {
  g_cancellable_cancel(cancellable_.get());
  if (monitor_) g_signal_handlers_disconnect_by_data(monitor_.get(), this);
}

void LogFollower::start() {
  GError* raw_error = nullptr;
  monitor_.reset(g_file_monitor_file(file_.get(), G_FILE_MONITOR_WATCH_MOVES, cancellable_.get(), &raw_error));
  if (monitor_) {
    // The default rate limit holds change events back for up to 800 ms; a line written to the
    // log should reach the screen within a frame or two.
    g_file_monitor_set_rate_limit(monitor_.get(), 0);
    g_signal_connect(monitor_.get(), "changed", G_CALLBACK(on_monitor_event), this);
  } else {
    GErrorPtr error(raw_error);
    log::warning("scene.log_file: no file monitor (", error ? error->message : "unknown", "), polling every ",
                 options_.safety_poll_ms, " ms");
  }
  poll_timer_.every(options_.safety_poll_ms, [this] { check(); });
  check();
}

void LogFollower::on_monitor_event(GFileMonitor*, GFile*, GFile*, GFileMonitorEvent, gpointer self) {
  static_cast<LogFollower*>(self)->check();
}

void LogFollower::check() {
  if (busy_) {
    check_again_ = true;
    return;
  }
  busy_ = true;
  g_file_query_info_async(file_.get(), kAttributes, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, cancellable_.get(),
                          on_path_info, this);
}

void LogFollower::on_path_info(GObject* source, GAsyncResult* result, gpointer self) {
  GError* raw_error = nullptr;
  GObjectPtr<GFileInfo> info(g_file_query_info_finish(G_FILE(source), result, &raw_error));
  GErrorPtr error(raw_error);
  if (was_cancelled(error.get())) return;
  static_cast<LogFollower*>(self)->handle_path_info(info.get());
}

void LogFollower::handle_path_info(GFileInfo* info) {
  if (info == nullptr) {
    if (stream_) {  // renamed or deleted: show what was still written to it, then let go
      draining_ = true;
      read_more();
      return;
    }
    if (!reported_missing_) {
      log::info("scene.log_file does not exist yet; waiting for it");
      reported_missing_ = true;
    }
    finish();
    return;
  }
  reported_missing_ = false;
  const Identity current{g_file_info_get_attribute_uint32(info, G_FILE_ATTRIBUTE_UNIX_DEVICE),
                         g_file_info_get_attribute_uint64(info, G_FILE_ATTRIBUTE_UNIX_INODE)};
  path_size_ = static_cast<std::uint64_t>(g_file_info_get_size(info));
  if (stream_ && !(current == identity_)) {  // rotated: finish the old file, then open the new
    draining_ = true;
    read_more();
    return;
  }
  if (!stream_) {
    g_file_read_async(file_.get(), G_PRIORITY_DEFAULT, cancellable_.get(), on_opened, this);
    return;
  }
  if (path_size_ < offset_) {  // truncated in place: start over from the top
    seek_to(0, false);
  } else if (path_size_ - offset_ > options_.max_jump_bytes) {
    seek_to(path_size_ - options_.backlog_bytes, true);
  }
  if (path_size_ > offset_) {
    read_more();
  } else {
    finish();
  }
}

void LogFollower::on_opened(GObject* source, GAsyncResult* result, gpointer self) {
  GError* raw_error = nullptr;
  GObjectPtr<GFileInputStream> stream(g_file_read_finish(G_FILE(source), result, &raw_error));
  GErrorPtr error(raw_error);
  if (was_cancelled(error.get())) return;
  auto* follower = static_cast<LogFollower*>(self);
  if (!stream) {  // vanished between the stat and the open: the next check tries again
    follower->finish();
    return;
  }
  follower->handle_opened(stream.release());
}

void LogFollower::handle_opened(GFileInputStream* stream) {
  stream_.reset(stream);
  // The identity of what we actually opened (fstat of the open descriptor, no disk wait).
  GObjectPtr<GFileInfo> info(g_file_input_stream_query_info(stream, kAttributes, nullptr, nullptr));
  std::uint64_t size = 0;
  if (info) {
    identity_ = {g_file_info_get_attribute_uint32(info.get(), G_FILE_ATTRIBUTE_UNIX_DEVICE),
                 g_file_info_get_attribute_uint64(info.get(), G_FILE_ATTRIBUTE_UNIX_INODE)};
    size = static_cast<std::uint64_t>(g_file_info_get_size(info.get()));
  }
  pending_.clear();
  // At start, show the end of what is there; a file that appears later is new, read it all.
  if (!opened_once_ && size > options_.backlog_bytes) {
    seek_to(size - options_.backlog_bytes, true);
  } else {
    seek_to(0, false);
  }
  opened_once_ = true;
  read_more();
}

void LogFollower::seek_to(std::uint64_t offset, bool skip_first_line) {
  pending_.clear();
  skip_first_line_ = skip_first_line;
  offset_ = 0;
  if (g_seekable_seek(G_SEEKABLE(stream_.get()), static_cast<goffset>(offset), G_SEEK_SET, nullptr, nullptr)) {
    offset_ = offset;
  }
}

void LogFollower::read_more() {
  g_input_stream_read_bytes_async(G_INPUT_STREAM(stream_.get()), kReadChunk, G_PRIORITY_DEFAULT, cancellable_.get(),
                                  on_read, this);
}

void LogFollower::on_read(GObject* source, GAsyncResult* result, gpointer self) {
  GError* raw_error = nullptr;
  GBytesPtr bytes(g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, &raw_error));
  GErrorPtr error(raw_error);
  if (was_cancelled(error.get())) return;
  auto* follower = static_cast<LogFollower*>(self);
  if (!bytes) {
    log::warning("scene.log_file: read failed: ", error ? error->message : "unknown error");
    follower->close_stream();
    follower->finish();
    return;
  }
  follower->handle_bytes(bytes.get());
}

void LogFollower::handle_bytes(GBytes* bytes) {
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  if (size == 0) {  // end of what is written so far
    if (draining_) {
      if (!pending_.empty()) emit(std::exchange(pending_, {}));
      close_stream();
      check_again_ = true;  // open the file that now has the name
    }
    finish();
    return;
  }
  offset_ += size;
  consume(std::string_view(data, size));
  read_more();
}

void LogFollower::consume(std::string_view data) {
  while (!data.empty()) {
    const auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      pending_.append(data);
      if (pending_.size() > options_.max_pending_bytes) emit(std::exchange(pending_, {}));
      return;
    }
    pending_.append(data.substr(0, newline));
    data.remove_prefix(newline + 1);
    std::string line = std::exchange(pending_, {});
    if (skip_first_line_) {  // we started mid-file: the first line is a fragment
      skip_first_line_ = false;
      continue;
    }
    emit(line);
  }
}

void LogFollower::emit(std::string_view raw_line) {
  if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
  ++lines_seen_;
  on_line_(sanitize_line(raw_line, options_.max_line_chars));
}

void LogFollower::close_stream() {
  stream_.reset();
  draining_ = false;
  pending_.clear();
  offset_ = 0;
}

void LogFollower::finish() {
  busy_ = false;
  if (check_again_) {
    check_again_ = false;
    check();
  }
}

}  // namespace agentcast::sources
