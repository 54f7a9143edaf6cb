#pragma once
// Where the owner's messages go: a webhook (the JSON POSTed over HTTPS) or a program of the
// owner's (the JSON on its standard input; no shell, its output discarded, exit status 0 means
// delivered, killed after a time limit). One message, one attempt: retries are the notifier's.
// Both may carry a secret (a token in the URL, in the program's arguments), so what a log line
// may name is where(): the webhook's host, the program's file name.
#include "live/clock.hpp"
#include "net/http_client.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace agentcast::notify {

class Delivery {
 public:
  // Empty when the message was delivered, otherwise why not (without secrets).
  using Done = std::function<void(const std::string& failure)>;

  virtual ~Delivery() = default;
  // `done` runs later, on the main loop, exactly once; never after the Delivery is destroyed
  // (what is still in flight then is abandoned).
  virtual void deliver(const std::string& body, Done done) = 0;
  virtual const std::string& where() const = 0;
};

// `url`: https:// (http:// only to this machine), checked by the configuration.
std::unique_ptr<Delivery> webhook_delivery(std::string url, net::HttpClient& http);

// `argv[0]`: an absolute path, checked by the configuration.
std::unique_ptr<Delivery> command_delivery(std::vector<std::string> argv, live::Clock& clock,
                                           std::int64_t time_limit_ms = 10'000);

}  // namespace agentcast::notify
