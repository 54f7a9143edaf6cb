#pragma once
// Where the running box publishes its BoxStatus for `agentcast status`: a small JSON file,
// replaced atomically (write aside, rename) by GIO's worker threads so the loop never waits.
// The default is systemd's RuntimeDirectory, /run/agentcast, or the user's runtime directory
// for a box started by hand.
#include "common/handles.hpp"
#include "status/box_status.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcast::status {

// Where `run` writes: `configured` (status.file) when set, else the default above.
std::string status_file_for_writing(const std::string& configured);
// Where `status` looks, in order.
std::vector<std::string> status_file_candidates(const std::string& configured);

// Another running box already publishes to the same status file.
class StatusFileInUse : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StatusFile {
 public:
  // Takes the status file's lock (an flock on "<path>.lock", held while this lives), so two
  // boxes never share a status file: the second one throws StatusFileInUse instead of
  // overwriting the first one's state and deleting it when it exits.
  explicit StatusFile(std::string path);
  ~StatusFile();  // removes the file: a box that stopped has no state to show
  StatusFile(const StatusFile&) = delete;
  StatusFile& operator=(const StatusFile&) = delete;

  const std::string& path() const { return path_; }
  // Queues the status for writing; with a write in flight, only the newest waits.
  void publish(const status::BoxStatus& status);

 private:
  struct Writer;
  std::string path_;
  UniqueFd lock_;
  std::shared_ptr<Writer> writer_;  // shared with the write in flight
};

}  // namespace agentcast::status
