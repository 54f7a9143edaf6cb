#pragma once
// Where the stream goes, decided afresh before every (re)start: a fixed RTMP URL, or a
// platform session that must hand out a new key each time (retake.tv).
#include <functional>
#include <optional>
#include <string>

namespace agentcast::app {

class PublishTarget {
 public:
  // `location` is the full publishing URL (with its key), or nullopt with the seconds to wait
  // before asking again (0: the caller's own backoff).
  using Acquired = std::function<void(std::optional<std::string> location, double retry_after_s)>;
  // The target can ask for a restart of the whole sequence (e.g. the platform never saw it live).
  using RestartRequest = std::function<void(const std::string& why)>;

  virtual ~PublishTarget() = default;

  virtual void acquire(const Acquired& done) = 0;
  // Bytes are reaching the server.
  virtual void on_publishing() {}
  // The pipeline failed or was torn down; the next acquire() starts over.
  virtual void on_interrupted() {}
  // Graceful end after EOS; `done` runs when the target has nothing left to do.
  virtual void finish(const std::function<void()>& done) { done(); }

  void on_restart_request(RestartRequest request) { restart_ = std::move(request); }

 protected:
  void request_restart(const std::string& why) {
    if (restart_) restart_(why);
  }

 private:
  RestartRequest restart_;
};

// platform.kind "rtmp": always output.url.
class FixedTarget : public PublishTarget {
 public:
  explicit FixedTarget(std::string url) : url_(std::move(url)) {}
  void acquire(const Acquired& done) override { done(url_, 0); }

 private:
  std::string url_;
};

}  // namespace agentcast::app
