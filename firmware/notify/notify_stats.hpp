#pragma once
// What became of the owner's messages, for `status`: written by the notifier alone.
#include <cstdint>
#include <string>

namespace agentcast::notify {

struct NotifyStats {
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;  // given up after every try
  std::string last_error;    // names the message and why; never the URL or the program's arguments

  bool operator==(const NotifyStats&) const = default;
};

}  // namespace agentcast::notify
