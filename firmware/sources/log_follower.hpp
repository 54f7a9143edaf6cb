#pragma once
// Follows a log file like `tail -F`: shows the end of what is there at start, then every line
// appended. The file may not exist yet, may be truncated in place or rotated (renamed and
// recreated); all three are handled. All I/O is asynchronous (GIO), driven by a file monitor
// plus a slow stat as a safety net, so the main loop never waits on the disk.
#include "common/handles.hpp"
#include "common/timer.hpp"

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <string>

namespace agentcast::sources {

class LogFollower {
 public:
  using LineHandler = std::function<void(std::string line)>;  // sanitised, one display line

  struct Options {
    std::size_t backlog_bytes = std::size_t{16} * 1024;     // how much of an existing file to show at start
    std::size_t max_line_chars = 300;                       // longer lines are cut
    std::size_t max_pending_bytes = std::size_t{8} * 1024;  // an unterminated line longer than this is shown as is
    std::size_t max_jump_bytes = std::size_t{1024} * 1024;  // further behind than this: skip to the last backlog
    guint safety_poll_ms = 1000;
  };

  LogFollower(std::string path, LineHandler on_line);
  LogFollower(std::string path, LineHandler on_line, const Options& options);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  void start();
  // Looks at the file now (the monitor and the poll call this too).
  void check();

  std::uint64_t lines_seen() const { return lines_seen_; }

 private:
  struct Identity {
    guint32 device = 0;
    guint64 inode = 0;
    bool operator==(const Identity&) const = default;
  };

  static void on_path_info(GObject* source, GAsyncResult* result, gpointer self);
  static void on_opened(GObject* source, GAsyncResult* result, gpointer self);
  static void on_read(GObject* source, GAsyncResult* result, gpointer self);
  static void on_monitor_event(GFileMonitor* monitor, GFile* file, GFile* other, GFileMonitorEvent event,
                               gpointer self);

  void handle_path_info(GFileInfo* info);
  void handle_opened(GFileInputStream* stream);
  void read_more();
  void handle_bytes(GBytes* bytes);
  void consume(std::string_view data);
  void emit(std::string_view raw_line);
  void seek_to(std::uint64_t offset, bool skip_first_line);
  void close_stream();
  void finish();

  std::string path_;
  LineHandler on_line_;
  Options options_;
  GObjectPtr<GFile> file_;
  GObjectPtr<GCancellable> cancellable_;
  GObjectPtr<GFileMonitor> monitor_;
  GObjectPtr<GFileInputStream> stream_;
  Identity identity_;
  std::uint64_t offset_ = 0;
  std::uint64_t path_size_ = 0;
  std::string pending_;
  bool skip_first_line_ = false;
  bool opened_once_ = false;
  bool busy_ = false;
  bool check_again_ = false;
  bool draining_ = false;  // reading the rest of a file that was rotated away
  bool reported_missing_ = false;
  std::uint64_t lines_seen_ = 0;
  Timer poll_timer_;
};

}  // namespace agentcast::sources
