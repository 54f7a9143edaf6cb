// The retake.tv adapters against a fake API and a fake clock: they turn answers into events for
// the go-live state machine, in the platform's order, and poll and retry on their own cadence.
#include "live/go_live.hpp"
#include "retake/chat_poller.hpp"
#include "retake/go_live_target.hpp"
#include "retake/opening_message.hpp"
#include "support/fake_clock.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

using namespace agentcast;
using namespace agentcast::retake;
using testing::FakeClock;

namespace {

// Holds every call until the test answers it.
class FakeApi : public StreamApi {
 public:
  std::vector<std::string> calls;
  std::deque<std::function<void()>> unanswered;          // in call order; each answers with what the test set
  std::map<std::string, std::deque<ApiError>> failures;  // per call: the next answers that fail

  void verification_status(Done<bool> done) override { answer<bool>("verified", std::move(done), verified); }
  void fetch_rtmp(Done<RtmpEndpoint> done) override {
    answer<RtmpEndpoint>("rtmp", std::move(done), RtmpEndpoint{"rtmp://server/live", "sk_fresh"});
  }
  void start_stream(Done<StreamStart> done) override { answer<StreamStart>("start", std::move(done), StreamStart{}); }
  void stream_status(Done<StreamStatus> done) override {
    answer<StreamStatus>("status", std::move(done), StreamStatus{live, 4, 12, "", "user_it"});
  }
  void update_thumbnail(std::string, Done<ThumbnailResult> done) override {
    answer<ThumbnailResult>("thumbnail", std::move(done), ThumbnailResult{});
  }
  void stop_stream(Done<StopResult> done) override { answer<StopResult>("stop", std::move(done), StopResult{}); }
  void send_chat(const std::string& text, const std::string& destination, Done<Sent> done) override {
    said.emplace_back(destination, text);
    answer<Sent>("send", std::move(done), Sent{});
  }
  void comments(const std::string&, int, const std::optional<std::string>&,
                Done<std::vector<ChatComment>> done) override {
    answer<std::vector<ChatComment>>("comments", std::move(done), {});
  }
  void skill_version(Done<std::string> done) override { answer<std::string>("skill", std::move(done), "2.1.2"); }

  // Answers every call made so far (and those the answers lead to, in order).
  void answer_all() {
    while (!unanswered.empty()) {
      auto next = std::move(unanswered.front());
      unanswered.pop_front();
      next();
    }
  }
  int count(const std::string& call) const { return static_cast<int>(std::count(calls.begin(), calls.end(), call)); }

  bool live = false;
  bool verified = true;
  std::vector<std::pair<std::string, std::string>> said;  // destination, text

 private:
  template <typename T>
  void answer(const std::string& call, Done<T> done, T value) {
    calls.push_back(call);
    ApiResult<T> result;
    auto& queued = failures[call];
    if (!queued.empty()) {
      result.error = queued.front();
      queued.pop_front();
    } else {
      result.value = std::move(value);
    }
    unanswered.emplace_back([done = std::move(done), result] { done(result); });
  }
};

ApiError error(ApiError::Kind kind, long status) { return {kind, status, "HTTP " + std::to_string(status)}; }

config::Config retake_config() {
  return config::parse(R"({"platform": {"kind": "retake"}, "chat": {"poll_active_s": 0.5, "poll_quiet_s": 1}})",
                       "test.json");
}

struct Box {
  config::Config config = retake_config();
  Credentials credentials{"rtk_token", "It", "agent_it", "user_it", "", "", "", "IT"};
  FakeClock clock;
  FakeApi api;
  live::GoLive machine{
      {.checks_verification = true, .fetches_key = true, .confirms_live = true}, clock, [] { return 0.5; }};
  status::BoxStatus status;
  GoLiveTarget target{config, credentials, api, machine, clock, status};

  live::Phase phase() const { return machine.state().phase; }
};

}  // namespace

TEST_GROUP(RetakeAdapters){};

TEST(RetakeAdapters, GoLiveFollowsThePlatformsOrderAndConfirmsBeforeLive) {
  Box box;
  box.machine.post(live::event::Start{});
  box.api.answer_all();
  CHECK((std::vector<std::string>{"verified", "rtmp", "start"}) == box.api.calls);
  CHECK(box.phase() == live::Phase::connecting);
  STRCMP_EQUAL("rtmp://server/live/sk_fresh", box.target.location().c_str());
  box.machine.post(live::event::Publishing{});
  box.api.answer_all();  // not live yet
  CHECK(box.phase() == live::Phase::confirming_live);
  box.api.live = true;  // from the next stream/status on
  box.clock.advance(2000);
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::live);
  LONGS_EQUAL(2, box.api.count("status"));
  // The heartbeat: every 30 s.
  box.clock.advance(29999);
  LONGS_EQUAL(2, box.api.count("status"));
  box.clock.advance(1);
  LONGS_EQUAL(3, box.api.count("status"));
}

TEST(RetakeAdapters, ARejectedTokenAnywhereIsTheCredentialsStateAndARefusedKeyAPlatformError) {
  Box box;
  box.api.failures["rtmp"] = {error(ApiError::Kind::bad_request, 400)};
  box.machine.post(live::event::Start{});
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::platform_error);
  box.clock.advance(59999);
  box.api.answer_all();
  LONGS_EQUAL(1, box.api.count("rtmp"));
  box.api.failures["start"] = {error(ApiError::Kind::unauthorized, 401)};
  box.clock.advance(1);
  box.api.answer_all();
  LONGS_EQUAL(2, box.api.count("rtmp"));
  CHECK(box.phase() == live::Phase::credentials_rejected);
  STRCMP_CONTAINS("HTTP 401", box.status.last_api_error.c_str());
}

TEST(RetakeAdapters, AnUnverifiedAgentFetchesNoKeyAndGoesLiveOnceVerified) {
  Box box;
  box.api.verified = false;
  box.machine.post(live::event::Start{});
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::awaiting_verification);
  STRCMP_CONTAINS("agentcast verify", box.machine.state().problem.c_str());
  STRCMP_CONTAINS("agentcast verify", box.machine.state().notice.c_str());
  // Asked again once a minute, never a key in between.
  for (int minute = 1; minute <= 3; ++minute) {
    box.clock.advance(59999);
    box.api.answer_all();
    LONGS_EQUAL(minute, box.api.count("verified"));
    box.clock.advance(1);
    box.api.answer_all();
    LONGS_EQUAL(minute + 1, box.api.count("verified"));
  }
  LONGS_EQUAL(0, box.api.count("rtmp"));
  LONGS_EQUAL(1, box.machine.state().attempt);  // waiting for the owner is not a restart
  box.api.verified = true;
  box.clock.advance(60000);
  box.api.answer_all();
  CHECK((std::vector<std::string>{"verified", "rtmp", "start"}) ==
        std::vector<std::string>(box.api.calls.end() - 3, box.api.calls.end()));
  CHECK(box.phase() == live::Phase::connecting);
  CHECK(box.machine.state().problem.empty());
  CHECK(box.machine.state().notice.empty());
}

TEST(RetakeAdapters, AFailedVerificationCheckIsRetriedLikeAnyGoLiveCallNotTakenForNotVerified) {
  Box box;
  box.api.failures["verified"] = {error(ApiError::Kind::server, 503), error(ApiError::Kind::transport, 0)};
  box.machine.post(live::event::Start{});
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::reconnecting);
  DOUBLES_EQUAL(1, *box.machine.state().retry_in_s, 1e-9);  // the go-live policy, not the minute
  box.clock.advance(1000);
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::reconnecting);
  DOUBLES_EQUAL(2, *box.machine.state().retry_in_s, 1e-9);
  box.clock.advance(2000);
  box.api.answer_all();
  CHECK(box.phase() == live::Phase::connecting);
  LONGS_EQUAL(3, box.api.count("verified"));
  LONGS_EQUAL(1, box.api.count("rtmp"));
  // A rejected token while checking is the credentials state, as anywhere else.
  Box rejected;
  rejected.api.failures["verified"] = {error(ApiError::Kind::unauthorized, 401)};
  rejected.machine.post(live::event::Start{});
  rejected.api.answer_all();
  CHECK(rejected.phase() == live::Phase::credentials_rejected);
}

TEST(RetakeAdapters, ChatComesBackWithinTenSecondsAfterAnyRunOfFailures) {
  Box box;
  ChatPoller chat(
      box.config, box.credentials, box.api, box.machine, box.clock, [] { return 0.999; }, [](const chat::ChatEvent&) {},
      box.status);
  box.api.live = true;
  box.api.failures["comments"] = {error(ApiError::Kind::server, 500),
                                  error(ApiError::Kind::server, 500),
                                  error(ApiError::Kind::transport, 0),
                                  error(ApiError::Kind::invalid_response, 200),
                                  error(ApiError::Kind::invalid_response, 200),
                                  error(ApiError::Kind::server, 503),
                                  error(ApiError::Kind::server, 502)};
  box.machine.post(live::event::Start{});
  box.machine.post(live::event::Verification{true});
  box.machine.post(live::event::KeyFetched{});
  box.machine.post(live::event::SessionStarted{});
  box.machine.post(live::event::Publishing{});
  box.machine.post(live::event::PlatformStatus{true, 1, 1});
  CHECK(box.phase() == live::Phase::live);
  // Answer each poll as it comes and note when the next one is asked for.
  std::vector<std::int64_t> asked;
  for (int i = 0; i < 9; ++i) {
    while (box.api.count("comments") <= i) box.clock.advance(10);
    asked.push_back(box.clock.now_ms());
    box.api.answer_all();
  }
  LONGS_EQUAL(7, static_cast<long>(box.status.chat_poll_errors));
  for (std::size_t i = 1; i < asked.size(); ++i) {
    CHECK_TEXT(asked[i] - asked[i - 1] <= 7500, std::to_string(asked[i] - asked[i - 1]).c_str());
  }
  // Backing off, not hammering: the waits grow while it fails.
  CHECK(asked[2] - asked[1] > asked[1] - asked[0]);
  CHECK(box.phase() == live::Phase::live);
}

TEST(RetakeAdapters, ARejectedTokenInTheChatEndsTheAttemptAndStopsPolling) {
  Box box;
  ChatPoller chat(
      box.config, box.credentials, box.api, box.machine, box.clock, [] { return 0.5; }, [](const chat::ChatEvent&) {},
      box.status);
  box.api.live = true;
  box.api.failures["comments"] = {error(ApiError::Kind::unauthorized, 401)};
  box.machine.post(live::event::Start{});
  box.api.answer_all();
  box.machine.post(live::event::Publishing{});
  box.api.answer_all();  // live, the first chat poll at once, and its 401
  CHECK(box.phase() == live::Phase::credentials_rejected);
  const int polls = box.api.count("comments");
  LONGS_EQUAL(1, polls);
  box.clock.advance(30000);
  box.api.answer_all();
  LONGS_EQUAL(polls, box.api.count("comments"));
}

namespace {

// A box with the opening message; `live()` and `off_air()` drive the machine as the platform would.
struct OpeningBox : Box {
  explicit OpeningBox(const std::string& chat_section = "{}") {
    config = config::parse(R"({"platform": {"kind": "retake"}, "chat": )" + chat_section + "}", "test.json");
    api.live = true;
  }
  OpeningMessage opening{config, credentials, api, machine, clock, status};

  void live() {
    if (phase() == live::Phase::starting) machine.post(live::event::Start{});
    while (phase() != live::Phase::connecting) {
      clock.advance(clock.next_due_ms() - clock.now_ms());
      api.answer_all();
    }
    machine.post(live::event::Publishing{});
    api.answer_all();
    CHECK(phase() == live::Phase::live);
  }
  void off_air(std::int64_t for_ms) {
    machine.post(live::event::Failed{live::Step::publish, live::Failure::transient, "outage"});
    clock.advance(for_ms);
    api.answer_all();
  }
  void first_thumbnail() {
    opening.first_thumbnail_done(machine.state().attempt);
    api.answer_all();
  }
};

}  // namespace

TEST(RetakeAdapters, TheOpeningMessageFollowsTheFirstThumbnailToTheOwnChatOnce) {
  OpeningBox box;
  box.live();
  CHECK(box.api.said.empty());  // not before the first thumbnail
  box.first_thumbnail();
  LONGS_EQUAL(1, box.api.said.size());
  STRCMP_EQUAL("user_it", box.api.said[0].first.c_str());
  STRCMP_EQUAL(box.config.chat.opening_message.c_str(), box.api.said[0].second.c_str());
  box.first_thumbnail();  // periodic thumbnails and repeated calls say nothing more
  LONGS_EQUAL(1, box.api.said.size());
}

TEST(RetakeAdapters, TheOpeningMessageIsNotRepeatedAfterAShortOutageOnlyAfterALongOne) {
  OpeningBox box(R"({"opening_after_off_s": 600})");
  box.live();
  box.first_thumbnail();
  for (int flap = 0; flap < 5; ++flap) {
    box.off_air(30000);
    box.live();
    box.first_thumbnail();
  }
  LONGS_EQUAL(1, box.api.said.size());
  box.off_air(600001);
  box.live();
  box.first_thumbnail();
  LONGS_EQUAL(2, box.api.said.size());
}

TEST(RetakeAdapters, AnOpeningMessageNotYetSaidIsOwedToTheNextGoLiveAndEmptyMeansNone) {
  OpeningBox box;
  box.live();
  box.off_air(1000);  // gone before its first thumbnail
  box.live();
  box.first_thumbnail();
  LONGS_EQUAL(1, box.api.said.size());

  OpeningBox quiet(R"({"opening_message": ""})");
  quiet.live();
  quiet.first_thumbnail();
  CHECK(quiet.api.said.empty());
}

// The action button's short press: off air, the heartbeat stops and the platform is told the
// stream ended once (a stop of the box later says nothing more); on air again is the whole
// sequence with a fresh key, and its session is ended on its own.
TEST(RetakeAdapters, OffAirEndsTheSessionOnceAndOnAirStartsAFreshOne) {
  OpeningBox box;
  box.live();
  LONGS_EQUAL(1, box.api.count("rtmp"));
  box.machine.post(live::event::GoOffAir{"test"});
  CHECK(box.phase() == live::Phase::off_air);
  int finished = 0;
  box.target.finish([&] { ++finished; });
  box.api.answer_all();
  box.target.finish([&] { ++finished; });
  LONGS_EQUAL(2, finished);
  LONGS_EQUAL(1, box.api.count("stop"));
  const int status_calls = box.api.count("status");
  box.clock.advance(600000);
  box.api.answer_all();
  LONGS_EQUAL(status_calls, box.api.count("status"));  // no heartbeat while off air

  box.machine.post(live::event::GoOnAir{});
  box.live();
  LONGS_EQUAL(2, box.api.count("rtmp"));
  LONGS_EQUAL(2, box.api.count("start"));
  box.target.finish([&] { ++finished; });
  box.api.answer_all();
  LONGS_EQUAL(2, box.api.count("stop"));
}
