#pragma once
// Where the stream goes: a fixed RTMP URL, or a platform that hands out a fresh key for every
// go-live attempt (retake.tv). The composition root asks it for the location when the go-live
// state machine enters "connecting".
#include <functional>
#include <string>

namespace agentcast::live {

class PublishTarget {
 public:
  virtual ~PublishTarget() = default;
  // The full publishing URL of the current attempt, with its key: never logged unredacted.
  virtual std::string location() const = 0;
  // The stream has ended: say goodbye to the platform; `done` runs when nothing is left to do.
  virtual void finish(const std::function<void()>& done) { done(); }
};

// platform.kind "rtmp": always output.url.
class FixedTarget : public PublishTarget {
 public:
  explicit FixedTarget(std::string url) : url_(std::move(url)) {}
  std::string location() const override { return url_; }

 private:
  std::string url_;
};

}  // namespace agentcast::live
