#pragma once
// Tells the main loop when a file changes: written, closed, created, deleted, renamed in or
// out. It watches the file's directory through inotify (so a file that does not exist yet, or
// is replaced by rotation, is covered by one watch) and reports the events that name the
// file. GIO's file monitor does the same from GLib's worker thread; this one adds no thread.
// Events are hints: the owner looks at the file itself (and should also look now and then,
// since an unwatchable directory gives no events at all).
#include "common/handles.hpp"

#include <glib.h>

#include <functional>
#include <string>

namespace agentcast {

class FileWatch {
 public:
  // `changed` runs on the main loop, once per batch of events naming the file. When the
  // directory cannot be watched (missing, no permission, no inotify) nothing is thrown:
  // problem() says why and no event comes.
  FileWatch(const std::string& path, std::function<void()> changed);
  ~FileWatch() = default;
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  bool active() const { return static_cast<bool>(source_); }
  const std::string& problem() const { return problem_; }

 private:
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer self);
  bool drain();  // reads what inotify has; true when an event names the file

  std::string name_;  // the file's name within the directory
  std::function<void()> changed_;
  UniqueFd fd_;
  SourceId source_;
  std::string problem_;
};

}  // namespace agentcast
