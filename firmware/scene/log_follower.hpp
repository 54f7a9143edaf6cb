#pragma once
// Follows a log file like `tail -F`: shows the end of what is there at start, then every line
// appended. The file may not exist yet, may be truncated in place or rotated (renamed and
// recreated); all three are handled. A FIFO is followed too (reopened when its writer goes).
// Anything else at the path (a directory, /dev/zero, a socket) is refused, and what is wrong
// is said once in the log and kept in problem() for `status`.
//
// Reading is paced so that no file can burn the box: one turn reads at most max_turn_bytes
// and hands over at most max_lines_per_turn lines (the panel shows about thirty), and turns
// start at most every min_turn_gap_ms, so a flooded log redraws the panel a few times a
// second, not every frame. All I/O is asynchronous (GIO; FIFOs are polled), driven by a file
// monitor plus a slow stat as a safety net, so the main loop never waits on the disk.
#include "common/file_watch.hpp"
#include "common/handles.hpp"
#include "common/timer.hpp"

#include <gio/gio.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace agentcast::scene {

class LogFollower {
 public:
  using LineHandler = std::function<void(std::string line)>;  // sanitised, one display line

  struct Options {
    std::size_t backlog_bytes = std::size_t{16} * 1024;     // how much of an existing file to show at start
    std::size_t max_line_chars = 300;                       // longer lines are cut
    std::size_t max_pending_bytes = std::size_t{8} * 1024;  // an unterminated line longer than this is shown as is
    std::size_t max_jump_bytes = std::size_t{1024} * 1024;  // further behind than this: skip to the last backlog
    guint safety_poll_ms = 1000;
    std::size_t max_turn_bytes = std::size_t{256} * 1024;  // read in one turn at most
    std::size_t max_lines_per_turn = 100;                  // the newest of a turn's lines; older ones are dropped
    guint min_turn_gap_ms = 100;                           // between the starts of two turns
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
  // Lines of a burst that never reached the screen (older than the newest of their turn).
  std::uint64_t lines_dropped() const { return lines_dropped_; }
  // Empty while the file is followed; otherwise what is wrong with the path ("is a directory").
  const std::string& problem() const { return problem_; }

 private:
  struct Identity {
    guint32 device = 0;
    guint64 inode = 0;
    bool operator==(const Identity&) const = default;
  };

  static void on_fifo_read(GObject* source, GAsyncResult* result, gpointer self);

  // `then`, to run on the main loop after work off the loop, unless this follower is gone.
  std::function<void()> unless_gone(std::function<void()> then);

  void begin_turn();
  void handle_path_info(GFileInfo* info);
  void handle_regular_file(GFileInfo* info, const Identity& current);
  void handle_opened(GFileInputStream* stream, const GError* error);
  void read_more();
  void handle_bytes(GBytes* bytes);
  void open_fifo(const Identity& identity);
  void read_fifo();
  void handle_fifo_bytes(GBytes* bytes, const GError* error);
  void consume(std::string_view data);
  void keep(std::string_view raw_line);
  void deliver_lines();
  void seek_to(std::uint64_t offset, bool skip_first_line);
  void close_stream();
  void close_fifo();
  void finish();
  void set_problem(const std::string& problem, bool is_warning = true);
  void clear_problem();

  std::string path_;
  LineHandler on_line_;
  Options options_;
  GObjectPtr<GFile> file_;
  GObjectPtr<GCancellable> cancellable_;
  std::unique_ptr<FileWatch> watch_;
  GObjectPtr<GFileInputStream> stream_;  // a regular file
  GObjectPtr<GInputStream> fifo_;        // a FIFO, read as it becomes readable
  GObjectPtr<GCancellable> fifo_cancellable_;
  Identity identity_;
  Identity fifo_identity_;
  std::uint64_t offset_ = 0;
  std::uint64_t path_size_ = 0;
  std::string pending_;
  std::deque<std::string> batch_;  // raw lines of this turn, newest last
  std::size_t turn_bytes_ = 0;
  gint64 turn_started_us_ = 0;
  bool skip_first_line_ = false;
  bool opened_once_ = false;
  bool busy_ = false;
  bool check_again_ = false;
  bool draining_ = false;  // reading the rest of a file that was rotated away
  std::uint64_t lines_seen_ = 0;
  std::uint64_t lines_dropped_ = 0;
  std::string problem_;
  Timer poll_timer_;
  Timer turn_timer_;  // the next turn, when it may not start yet
  Timer fifo_timer_;  // the next FIFO read after a full turn
};

}  // namespace agentcast::scene
