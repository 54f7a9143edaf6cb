#pragma once
// Tells the box's owner what needs them, as a JSON message to notify.webhook or notify.command
// (notify/delivery.hpp): the box went live
// (with the watch URL), a state a person must resolve (credentials rejected, awaiting
// verification, still not on air after notify.trouble_after_s of trying), a tip of at least
// notify.big_tip, and a heartbeat every notify.heartbeat_h hours with uptime, viewers and
// counters (the owner heartbeat the platform skill asks for). A subscriber of the go-live
// state: it reads, never writes. Each message is tried a bounded number of times; the URL or
// the program's arguments may carry a secret, so log lines name only the host or the program.
#include "chat/chat_event.hpp"
#include "live/clock.hpp"
#include "live/go_live.hpp"
#include "notify/delivery.hpp"
#include "notify/notify_stats.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agentcast::notify {

class OwnerNotifier {
 public:
  struct Options {
    std::string watch_url;   // where viewers watch: https://retake.tv/<agent_name>; empty: none
    std::string agent_name;  // in every message, so one receiver can serve several boxes
    double big_tip = 0;      // 0: no tip notices
    double heartbeat_h = 4;
    double trouble_after_s = 300;
  };
  // What a heartbeat reports besides the state: uptime, viewers, counters (from the status).
  using Snapshot = std::function<nlohmann::json()>;

  OwnerNotifier(Options options, live::GoLive& machine, live::Clock& clock, std::unique_ptr<Delivery> delivery,
                Snapshot snapshot);
  ~OwnerNotifier();
  OwnerNotifier(const OwnerNotifier&) = delete;
  OwnerNotifier& operator=(const OwnerNotifier&) = delete;

  void start();
  // A chat event (after the word filter): a tip of big_tip or more is worth a message.
  void offer(const chat::ChatEvent& event);
  const NotifyStats& stats() const { return stats_; }

 private:
  void on_change(const live::LiveState& now, const live::LiveState& before);
  void check_trouble();
  void heartbeat();
  void send(const std::string& event, nlohmann::json fields);
  void attempt(const std::shared_ptr<std::string>& body, const std::string& event, int tries_left);

  Options options_;
  live::GoLive& machine_;
  live::Clock& clock_;
  std::unique_ptr<Delivery> delivery_;
  Snapshot snapshot_;
  std::unique_ptr<live::Alarm> heartbeat_alarm_;
  std::unique_ptr<live::Alarm> trouble_alarm_;
  std::map<std::uint64_t, std::unique_ptr<live::Alarm>> retries_;  // pending retries, by number
  std::uint64_t next_retry_ = 0;
  std::optional<std::int64_t> trouble_since_ms_;  // off air since, when it is not by choice
  bool trouble_told_ = false;
  std::set<live::Phase> told_;  // attention states told since the box was last on air
  NotifyStats stats_;
};

}  // namespace agentcast::notify
