#include "scene/log_follower.hpp"

#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/off_loop.hpp"
#include "common/small_file.hpp"
#include "common/untrusted_text.hpp"

#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace agentcast::scene {
namespace {

constexpr const char* kAttributes =
    G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_UNIX_MODE "," G_FILE_ATTRIBUTE_UNIX_DEVICE
                                   "," G_FILE_ATTRIBUTE_UNIX_INODE "," G_FILE_ATTRIBUTE_STANDARD_SIZE;
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

// Work in flight on the off-loop worker finds the cancellable cancelled and ends early; its
// completion then touches nothing of this object.
LogFollower::~LogFollower() {
  g_cancellable_cancel(cancellable_.get());
  if (fifo_cancellable_) g_cancellable_cancel(fifo_cancellable_.get());
}

void LogFollower::start() {
  watch_ = std::make_unique<FileWatch>(path_, [this] { check(); });
  if (!watch_->active()) {
    log::info("scene.log_file: cannot watch ", sanitize_for_log(watch_->problem(), 200), "; looking every ",
              options_.safety_poll_ms, " ms");
  }
  poll_timer_.every(options_.safety_poll_ms, [this] { check(); });
  check();
}

std::function<void()> LogFollower::unless_gone(std::function<void()> then) {
  return [cancellable = shared_ref(cancellable_.get()), then = std::move(then)] {
    if (!g_cancellable_is_cancelled(cancellable.get())) then();
  };
}

void LogFollower::check() {
  if (busy_) {
    check_again_ = true;
    return;
  }
  // Turns start at most every min_turn_gap_ms: however fast the file grows, the panel changes
  // only a few times a second. The first change after a quiet spell goes through at once.
  const gint64 since_last_us = g_get_monotonic_time() - turn_started_us_;
  const gint64 gap_us = gint64{options_.min_turn_gap_ms} * 1000;
  if (turn_started_us_ != 0 && since_last_us < gap_us) {
    if (!turn_timer_.active()) {
      turn_timer_.once(static_cast<guint>((gap_us - since_last_us) / 1000 + 1), [this] { check(); });
    }
    return;
  }
  begin_turn();
}

void LogFollower::begin_turn() {
  busy_ = true;
  turn_started_us_ = g_get_monotonic_time();
  turn_bytes_ = 0;
  auto info = std::make_shared<GObjectPtr<GFileInfo>>();
  run_off_loop(
      [file = shared_ref(file_.get()), cancellable = shared_ref(cancellable_.get()), info] {
        info->reset(g_file_query_info(file.get(), kAttributes, G_FILE_QUERY_INFO_NONE, cancellable.get(), nullptr));
      },
      unless_gone([this, info] { handle_path_info(info->get()); }));
}

void LogFollower::handle_path_info(GFileInfo* info) {
  if (info == nullptr) {
    close_fifo();
    if (stream_) {  // renamed or deleted: show what was still written to it, then let go
      draining_ = true;
      read_more();
      return;
    }
    set_problem("does not exist yet; waiting for it", false);
    finish();
    return;
  }
  const Identity current{g_file_info_get_attribute_uint32(info, G_FILE_ATTRIBUTE_UNIX_DEVICE),
                         g_file_info_get_attribute_uint64(info, G_FILE_ATTRIBUTE_UNIX_INODE)};
  const GFileType type = g_file_info_get_file_type(info);
  const guint32 mode = g_file_info_get_attribute_uint32(info, G_FILE_ATTRIBUTE_UNIX_MODE);
  if (type == G_FILE_TYPE_REGULAR) {
    handle_regular_file(info, current);
    return;
  }
  close_stream();
  if (type == G_FILE_TYPE_SPECIAL && S_ISFIFO(mode)) {
    if (!fifo_ || !(fifo_identity_ == current)) open_fifo(current);
    finish();
    return;
  }
  close_fifo();
  // /dev/zero would be read forever, a directory cannot be read at all: say so instead of
  // showing an empty panel.
  set_problem(std::string("is ") + file_kind_name(mode) + "; scene.log_file must be a regular file or a FIFO");
  finish();
}

void LogFollower::handle_regular_file(GFileInfo* info, const Identity& current) {
  close_fifo();
  path_size_ = static_cast<std::uint64_t>(g_file_info_get_size(info));
  if (stream_ && !(current == identity_)) {  // rotated: finish the old file, then open the new
    draining_ = true;
    read_more();
    return;
  }
  if (!stream_) {
    auto opened = std::make_shared<std::pair<GObjectPtr<GFileInputStream>, GErrorPtr>>();
    run_off_loop(
        [file = shared_ref(file_.get()), cancellable = shared_ref(cancellable_.get()), opened] {
          GError* raw_error = nullptr;
          opened->first.reset(g_file_read(file.get(), cancellable.get(), &raw_error));
          opened->second.reset(raw_error);
        },
        unless_gone([this, opened] { handle_opened(opened->first.release(), opened->second.get()); }));
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

void LogFollower::handle_opened(GFileInputStream* stream, const GError* error) {
  if (stream == nullptr) {
    // Vanished between the stat and the open: the next check tries again. Anything else
    // (permissions) is worth saying.
    if (error != nullptr && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
      set_problem(std::string("cannot be read: ") + error->message);
    }
    finish();
    return;
  }
  clear_problem();
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

// The stream is touched by the worker only while this read is in flight: the main loop starts
// nothing else on it (busy_) until the read's completion has run.
void LogFollower::read_more() {
  auto read = std::make_shared<std::pair<GBytesPtr, GErrorPtr>>();
  run_off_loop(
      [stream = shared_ref(G_INPUT_STREAM(stream_.get())), cancellable = shared_ref(cancellable_.get()), read] {
        GError* raw_error = nullptr;
        read->first.reset(g_input_stream_read_bytes(stream.get(), kReadChunk, cancellable.get(), &raw_error));
        read->second.reset(raw_error);
      },
      unless_gone([this, read] {
        if (!read->first) {
          set_problem(std::string("read failed: ") + (read->second ? read->second->message : "unknown error"));
          deliver_lines();
          close_stream();
          finish();
          return;
        }
        handle_bytes(read->first.get());
      }));
}

void LogFollower::handle_bytes(GBytes* bytes) {
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  if (size == 0) {  // end of what is written so far
    if (draining_) {
      if (!pending_.empty()) keep(std::exchange(pending_, {}));
      close_stream();
      check_again_ = true;  // open the file that now has the name
    }
    deliver_lines();
    finish();
    return;
  }
  offset_ += size;
  turn_bytes_ += size;
  consume(std::string_view(data, size));
  if (turn_bytes_ >= options_.max_turn_bytes) {
    // The rest waits for the next turn (or is skipped if the file keeps racing ahead).
    deliver_lines();
    check_again_ = true;
    finish();
    return;
  }
  read_more();
}

void LogFollower::open_fifo(const Identity& identity) {
  close_fifo();
  // O_NONBLOCK: without a writer, a plain open would wait for one, holding a thread forever.
  // Read-write where allowed (Linux defines it for FIFOs): holding a writer end ourselves, the
  // FIFO never reaches end-of-file between the agent's writers, and a writer's open never
  // finds it without a reader. Read-only otherwise, reopened after each writer.
  int fd = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == EACCES) fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    set_problem(std::string("cannot be read: ") + g_strerror(errno));
    return;
  }
  clear_problem();
  fifo_.reset(g_unix_input_stream_new(fd, TRUE));
  fifo_cancellable_.reset(g_cancellable_new());
  fifo_identity_ = identity;
  pending_.clear();
  skip_first_line_ = false;
  read_fifo();
}

void LogFollower::read_fifo() {
  if (!fifo_) return;
  // Pollable: completes when the writer writes, without a thread waiting on it.
  g_input_stream_read_bytes_async(fifo_.get(), kReadChunk, G_PRIORITY_DEFAULT, fifo_cancellable_.get(), on_fifo_read,
                                  this);
}

void LogFollower::on_fifo_read(GObject* source, GAsyncResult* result, gpointer self) {
  GError* raw_error = nullptr;
  GBytesPtr bytes(g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, &raw_error));
  GErrorPtr error(raw_error);
  if (was_cancelled(error.get())) return;
  fault::contain("the log follower",
                 [&] { static_cast<LogFollower*>(self)->handle_fifo_bytes(bytes.get(), error.get()); });
}

void LogFollower::handle_fifo_bytes(GBytes* bytes, const GError* error) {
  if (bytes == nullptr) {
    set_problem(std::string("read failed: ") + (error != nullptr ? error->message : "unknown error"));
    deliver_lines();
    close_fifo();  // the next check opens it again
    return;
  }
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  if (size == 0) {  // the writer closed its end: what it wrote is all here
    if (!pending_.empty()) keep(std::exchange(pending_, {}));
    deliver_lines();
    close_fifo();
    check();  // reopen, to wait for the next writer
    return;
  }
  turn_bytes_ += size;
  consume(std::string_view(data, size));
  if (size == kReadChunk && turn_bytes_ < options_.max_turn_bytes) {
    read_fifo();  // probably more waiting right now
    return;
  }
  // Drained (or a turn's worth read): show it, then read again after the gap.
  deliver_lines();
  turn_bytes_ = 0;
  fifo_timer_.once(options_.min_turn_gap_ms, [this] { read_fifo(); });
}

void LogFollower::consume(std::string_view data) {
  while (!data.empty()) {
    const auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      pending_.append(data);
      if (pending_.size() > options_.max_pending_bytes) keep(std::exchange(pending_, {}));
      return;
    }
    pending_.append(data.substr(0, newline));
    data.remove_prefix(newline + 1);
    std::string line = std::exchange(pending_, {});
    if (skip_first_line_) {  // we started mid-file: the first line is a fragment
      skip_first_line_ = false;
      continue;
    }
    keep(line);
  }
}

void LogFollower::keep(std::string_view raw_line) {
  if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
  ++lines_seen_;
  batch_.emplace_back(raw_line);
  if (batch_.size() > options_.max_lines_per_turn) {
    batch_.pop_front();
    ++lines_dropped_;
  }
}

void LogFollower::deliver_lines() {
  auto lines = std::exchange(batch_, {});
  for (const auto& line : lines) on_line_(sanitize_line(line, options_.max_line_chars));
}

void LogFollower::close_stream() {
  stream_.reset();
  draining_ = false;
  pending_.clear();
  offset_ = 0;
}

void LogFollower::close_fifo() {
  if (!fifo_) return;
  fifo_timer_.stop();
  g_cancellable_cancel(fifo_cancellable_.get());  // its callback sees CANCELLED and touches nothing
  fifo_.reset();
  fifo_cancellable_.reset();
  pending_.clear();
}

void LogFollower::finish() {
  busy_ = false;
  if (check_again_) {
    check_again_ = false;
    check();
  }
}

void LogFollower::set_problem(const std::string& problem, bool is_warning) {
  if (problem == problem_) return;  // said once
  problem_ = problem;
  const std::string line = "scene.log_file " + sanitize_for_log(path_, 200) + " " + problem;
  if (is_warning) {
    log::warning(line);
  } else {
    log::info(line);
  }
}

void LogFollower::clear_problem() {
  if (problem_.empty()) return;
  problem_.clear();
  log::info("scene.log_file ", sanitize_for_log(path_, 200), ": following it now");
}

}  // namespace agentcast::scene
