// The go-live state machine against a fake clock: every event in every phase, the retry
// decisions, stop in every phase. No sockets, no sleeps.
#include "live/go_live.hpp"
#include "support/fake_clock.hpp"

#include <CppUTest/TestHarness.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace agentcast::live;
using agentcast::testing::FakeClock;

namespace {

constexpr double kNoJitter = 0.5;  // the middle of the jitter range: delays are the policy's base

event::Failed failed(Step step, Failure failure) { return {step, failure, "test failure"}; }

// Watches a machine like the screen and the status file do: every state it publishes.
struct Recorder {
  std::vector<LiveState> seen;
  std::vector<Phase> phases() const {
    std::vector<Phase> out;
    for (const auto& state : seen) {
      if (out.empty() || out.back() != state.phase) out.push_back(state.phase);
    }
    return out;
  }
  std::vector<std::string> labels() const {
    std::vector<std::string> out;
    for (const auto& state : seen) {
      if (out.empty() || out.back() != state.label) out.push_back(state.label);
    }
    return out;
  }
};

// The platform as the retake adapter would drive it: answers each phase it is asked for.
struct FakePlatform {
  int verification_checks = 0;
  int keys_fetched = 0;
  int sessions_started = 0;
  bool verified = true;
  bool answers_verification = true;  // false: leaves the machine in checking-verification
  bool answer = true;                // false: leaves the machine waiting in fetching-key / starting-session
};

struct Box {
  explicit Box(bool retake)
      : machine({.checks_verification = retake, .fetches_key = retake, .confirms_live = retake}, clock,
                [] { return kNoJitter; }) {
    machine.subscribe([this](const LiveState& now, const LiveState& before) {
      recorder.seen.push_back(now);
      if (now.phase == before.phase && now.attempt == before.attempt) return;
      if (now.phase == Phase::checking_verification) {
        ++platform.verification_checks;
        if (platform.answers_verification) machine.post(event::Verification{platform.verified}, now.attempt);
      } else if (now.phase == Phase::fetching_key) {
        ++platform.keys_fetched;
        if (platform.answer) machine.post(event::KeyFetched{}, now.attempt);
      } else if (now.phase == Phase::starting_session) {
        ++platform.sessions_started;
        if (platform.answer) machine.post(event::SessionStarted{}, now.attempt);
      }
    });
  }

  FakeClock clock;
  GoLive machine;
  Recorder recorder;
  FakePlatform platform;

  Phase phase() const { return machine.state().phase; }

  // Drives a fresh machine into `target` by the shortest route.
  void drive_to(Phase target) {
    if (target == Phase::starting) return;
    if (target == Phase::off_air) {
      machine.post(event::Start{});
      machine.post(event::GoOffAir{"test"});
      return;
    }
    if (target == Phase::stopping || target == Phase::stopped) {
      machine.post(event::Start{});
      machine.post(event::StopRequested{"test"});
      if (target == Phase::stopped) machine.post(event::Stopped{});
      return;
    }
    if (target == Phase::checking_verification) platform.answers_verification = false;
    if (target == Phase::awaiting_verification) platform.verified = false;
    if (target == Phase::fetching_key || target == Phase::starting_session) platform.answer = false;
    machine.post(event::Start{});
    platform.answers_verification = true;
    platform.verified = true;
    if (target == Phase::starting_session) machine.post(event::KeyFetched{});
    if (target == Phase::credentials_rejected) machine.post(failed(Step::key, Failure::unauthorized));
    if (target == Phase::platform_error) machine.post(failed(Step::key, Failure::refused));
    if (target == Phase::reconnecting) machine.post(failed(Step::publish, Failure::transient));
    if (target == Phase::confirming_live || target == Phase::live) machine.post(event::Publishing{});
    if (target == Phase::live) machine.post(event::PlatformStatus{true, 3, 10});
    platform.answer = true;
  }
};

const std::vector<Phase> kAllPhases{Phase::starting,
                                    Phase::checking_verification,
                                    Phase::awaiting_verification,
                                    Phase::fetching_key,
                                    Phase::starting_session,
                                    Phase::connecting,
                                    Phase::confirming_live,
                                    Phase::live,
                                    Phase::reconnecting,
                                    Phase::credentials_rejected,
                                    Phase::platform_error,
                                    Phase::off_air,
                                    Phase::stopping,
                                    Phase::stopped};

}  // namespace

TEST_GROUP(GoLiveMachine){};

TEST(GoLiveMachine, RetakeGoesLiveOnlyOnceThePlatformConfirms) {
  Box box(true);
  box.machine.post(event::Start{});
  CHECK(box.phase() == Phase::connecting);
  box.machine.post(event::Publishing{});
  CHECK(box.phase() == Phase::confirming_live);
  STRCMP_EQUAL("CONFIRMING", box.machine.state().label.c_str());
  CHECK_FALSE(box.machine.state().on_air());
  box.clock.advance(10000);
  box.machine.post(event::PlatformStatus{false, 0, 0});  // not yet: keep confirming
  CHECK(box.phase() == Phase::confirming_live);
  box.machine.post(event::PlatformStatus{true, 7, 12});
  CHECK(box.phase() == Phase::live);
  STRCMP_EQUAL("LIVE", box.machine.state().label.c_str());
  LONGS_EQUAL(7, box.machine.state().platform->viewers);
  CHECK((std::vector{Phase::checking_verification, Phase::fetching_key, Phase::starting_session, Phase::connecting,
                     Phase::confirming_live, Phase::live}) == box.recorder.phases());
}

TEST(GoLiveMachine, AnUnverifiedAgentWaitsForItsOwnerAndFetchesNoKey) {
  Box box(true);
  box.platform.verified = false;
  box.machine.post(event::Start{});
  CHECK(box.phase() == Phase::awaiting_verification);
  STRCMP_EQUAL("AWAITING VERIFICATION", box.machine.state().label.c_str());
  STRCMP_CONTAINS("agentcast verify", box.machine.state().notice.c_str());
  STRCMP_CONTAINS("not verified", box.machine.state().problem.c_str());
  DOUBLES_EQUAL(60, *box.machine.state().retry_in_s, 1e-9);
  // Further "not verified" answers change nothing: no key, no new attempt, no publication.
  const auto published = box.recorder.seen.size();
  for (int i = 0; i < 5; ++i) {
    box.clock.advance(60000);
    box.machine.post(event::Verification{false});
  }
  CHECK(box.phase() == Phase::awaiting_verification);
  LONGS_EQUAL(0, box.platform.keys_fetched);
  LONGS_EQUAL(1, box.machine.state().attempt);
  LONGS_EQUAL(published, box.recorder.seen.size());
  // Verified: on to the key, the notice and the problem gone.
  box.machine.post(event::Verification{true});
  CHECK(box.phase() == Phase::connecting);
  LONGS_EQUAL(1, box.platform.keys_fetched);
  CHECK(box.machine.state().notice.empty());
  CHECK(box.machine.state().problem.empty());
  CHECK_FALSE(box.machine.state().retry_in_s.has_value());
  box.machine.post(event::Publishing{});
  box.machine.post(event::PlatformStatus{true, 1, 1});
  CHECK(box.phase() == Phase::live);
}

TEST(GoLiveMachine, AFailedVerificationCheckFollowsTheGoLivePolicy) {
  Box box(true);
  box.platform.answers_verification = false;
  box.machine.post(event::Start{});
  std::vector<double> delays;
  for (int i = 0; i < 6; ++i) {
    box.machine.post(failed(Step::verification, Failure::transient));
    CHECK(box.phase() == Phase::reconnecting);
    delays.push_back(*box.machine.state().retry_in_s);
    box.clock.advance(box.clock.next_due_ms() - box.clock.now_ms());
    CHECK(box.phase() == Phase::checking_verification);
  }
  CHECK((std::vector<double>{1, 2, 4, 8, 15, 15}) == delays);
  LONGS_EQUAL(0, box.platform.keys_fetched);
  CHECK(box.machine.state().notice.empty());  // a failed check is not "not verified"
  // Every attempt asks again before its key, also after being live.
  box.machine.post(event::Verification{true});
  box.machine.post(event::Publishing{});
  box.machine.post(event::PlatformStatus{true, 1, 1});
  box.platform.answers_verification = true;
  const int checks = box.platform.verification_checks;
  box.machine.post(failed(Step::publish, Failure::transient));
  box.clock.advance(box.clock.next_due_ms() - box.clock.now_ms());
  LONGS_EQUAL(checks + 1, box.platform.verification_checks);
  CHECK(box.phase() == Phase::connecting);
}

TEST(GoLiveMachine, PlainRtmpIsLiveWhenTheServerAcknowledgesBytes) {
  Box box(false);
  box.machine.post(event::Start{});
  CHECK(box.phase() == Phase::connecting);
  box.machine.post(event::Publishing{});
  CHECK(box.phase() == Phase::live);
  LONGS_EQUAL(0, box.platform.keys_fetched);
}

TEST(GoLiveMachine, ConfirmationTimeoutStartsTheWholeSequenceAgainWithAFreshKey) {
  Box box(true);
  box.drive_to(Phase::confirming_live);
  box.clock.advance(29999);
  CHECK(box.phase() == Phase::confirming_live);
  box.clock.advance(1);
  CHECK(box.phase() == Phase::reconnecting);
  STRCMP_CONTAINS("did not report the stream live within 30 s", box.machine.state().problem.c_str());
  box.clock.advance(1000);  // the go-live policy's first delay
  CHECK(box.phase() == Phase::connecting);
  LONGS_EQUAL(2, box.platform.keys_fetched);
  LONGS_EQUAL(2, box.machine.state().attempt);
  LONGS_EQUAL(1, box.machine.state().restarts());
}

TEST(GoLiveMachine, RejectedCredentialsAreShownAndKeptUntilThePlatformTakesThem) {
  Box box(true);
  box.machine.post(event::Start{});
  box.machine.post(event::Publishing{});
  box.machine.post(event::PlatformStatus{true, 0, 0});
  box.machine.post(failed(Step::chat, Failure::unauthorized));
  CHECK(box.phase() == Phase::credentials_rejected);
  STRCMP_EQUAL("CREDENTIALS REJECTED", box.machine.state().label.c_str());
  // Nothing overwrites it while waiting, and it stays up while the next attempt asks again.
  box.platform.answer = false;
  box.clock.advance(59999);
  LONGS_EQUAL(1, box.platform.keys_fetched);
  box.clock.advance(1);
  CHECK(box.phase() == Phase::fetching_key);
  STRCMP_EQUAL("CREDENTIALS REJECTED", box.machine.state().label.c_str());
  box.machine.post(failed(Step::key, Failure::unauthorized));
  box.clock.advance(60000);
  box.machine.post(event::KeyFetched{});
  box.machine.post(event::SessionStarted{});
  STRCMP_EQUAL("CONNECTING", box.machine.state().label.c_str());
  CHECK((std::vector<std::string>{"CONNECTING", "CONFIRMING", "LIVE", "CREDENTIALS REJECTED", "CONNECTING"}) ==
        box.recorder.labels());
}

TEST(GoLiveMachine, RefusedGoLiveRequestIsAPlatformErrorTriedAtMostOnceAMinute) {
  for (const Step step : {Step::key, Step::session}) {
    Box box(true);
    box.platform.answer = false;
    box.machine.post(event::Start{});
    if (step == Step::session) box.machine.post(event::KeyFetched{});
    box.machine.post(event::Failed{step, Failure::refused, "stream/start: HTTP 400: bad input"});
    CHECK(box.phase() == Phase::platform_error);
    STRCMP_EQUAL("PLATFORM ERROR", box.machine.state().label.c_str());
    STRCMP_EQUAL("stream/start: HTTP 400: bad input", box.machine.state().problem.c_str());
    box.clock.advance(59999);
    LONGS_EQUAL(1, box.platform.keys_fetched);
    box.clock.advance(1);
    LONGS_EQUAL(2, box.platform.keys_fetched);
    box.machine.post(event::Failed{step, Failure::refused, "again"});
    box.clock.advance(59999);
    LONGS_EQUAL(2, box.platform.keys_fetched);
  }
}

TEST(GoLiveMachine, TransientFailuresBackOffPerPolicyAndAHealthyStreamResetsTheBackoff) {
  Box box(false);
  box.machine.post(event::Start{});
  std::vector<double> delays;
  for (int i = 0; i < 5; ++i) {
    box.machine.post(failed(Step::publish, Failure::transient));
    delays.push_back(*box.machine.state().retry_in_s);
    box.clock.advance(box.clock.next_due_ms() - box.clock.now_ms());
    CHECK(box.phase() == Phase::connecting);
  }
  CHECK((std::vector<double>{0.5, 1, 1.5, 1.5, 1.5}) == delays);
  box.machine.post(event::Publishing{});
  box.clock.advance(30000);
  box.machine.post(failed(Step::publish, Failure::transient));
  DOUBLES_EQUAL(0.5, *box.machine.state().retry_in_s, 1e-9);
}

TEST(GoLiveMachine, FailuresOfStayingLiveDoNotEndTheAttempt) {
  Box box(true);
  box.drive_to(Phase::live);
  for (const Step step : {Step::confirm, Step::heartbeat, Step::chat, Step::thumbnail}) {
    box.machine.post(failed(step, Failure::transient));
    box.machine.post(failed(step, Failure::refused));
  }
  CHECK(box.phase() == Phase::live);
  box.machine.post(event::PlatformStatus{false, 0, 0});
  CHECK(box.phase() == Phase::reconnecting);
  STRCMP_EQUAL("the platform reports the stream offline", box.machine.state().problem.c_str());
}

TEST(GoLiveMachine, AnswersOfAnEndedAttemptAreDropped) {
  Box box(true);
  box.platform.answer = false;
  box.machine.post(event::Start{});
  box.machine.post(failed(Step::key, Failure::transient));
  box.clock.advance(1000);
  CHECK(box.phase() == Phase::fetching_key);
  LONGS_EQUAL(2, box.machine.state().attempt);
  box.machine.post(event::KeyFetched{}, 1);
  box.machine.post(failed(Step::key, Failure::refused), 1);
  CHECK(box.phase() == Phase::fetching_key);
  box.machine.post(event::KeyFetched{}, 2);
  CHECK(box.phase() == Phase::starting_session);
}

TEST(GoLiveMachine, StopRequestedInEveryPhaseEndsInStoppedAndNothingRunsAfter) {
  for (const Phase phase : kAllPhases) {
    Box box(true);
    box.drive_to(phase);
    CHECK_TEXT(box.phase() == phase, std::string(phase_name(phase)).c_str());
    box.machine.post(event::StopRequested{"test"});
    CHECK_TEXT(box.phase() == Phase::stopping || phase == Phase::stopped, std::string(phase_name(phase)).c_str());
    box.machine.post(event::Stopped{});
    CHECK(box.phase() == Phase::stopped);
    const int keys = box.platform.keys_fetched;
    box.machine.post(event::Start{});
    box.machine.post(event::Publishing{});
    box.clock.advance(600000);
    CHECK(box.phase() == Phase::stopped);
    LONGS_EQUAL(keys, box.platform.keys_fetched);
    LONGS_EQUAL(0, box.clock.pending());
  }
}

// Every event in every phase: where it leads (retake mode), and the phase never moves back
// within an attempt.
TEST(GoLiveMachine, EveryEventInEveryPhase) {
  struct Case {
    const char* name;
    Event event;
  };
  const std::vector<Case> events{
      {"start", event::Start{}},
      {"verified", event::Verification{true}},
      {"not-verified", event::Verification{false}},
      {"verification-transient", failed(Step::verification, Failure::transient)},
      {"key", event::KeyFetched{}},
      {"session", event::SessionStarted{}},
      {"publishing", event::Publishing{}},
      {"platform-live", event::PlatformStatus{true, 1, 1}},
      {"platform-offline", event::PlatformStatus{false, 0, 0}},
      {"key-transient", failed(Step::key, Failure::transient)},
      {"key-refused", failed(Step::key, Failure::refused)},
      {"publish-transient", failed(Step::publish, Failure::transient)},
      {"heartbeat-transient", failed(Step::heartbeat, Failure::transient)},
      {"chat-unauthorized", failed(Step::chat, Failure::unauthorized)},
      {"stop", event::StopRequested{"test"}},
      {"stopped", event::Stopped{}},
      {"off-air", event::GoOffAir{"test"}},
      {"on-air", event::GoOnAir{}},
  };
  using P = Phase;
  const auto from_every_attempting_phase = [](P to) {
    std::map<P, P> table;
    for (const P from : {P::checking_verification, P::awaiting_verification, P::fetching_key, P::starting_session,
                         P::connecting, P::confirming_live, P::live}) {
      table[from] = to;
    }
    return table;
  };
  // Where each event leads from each phase; phases not listed for an event stay where they are.
  const std::map<std::string, std::map<P, P>> expected{
      {"start", {{P::starting, P::checking_verification}}},
      {"verified", {{P::checking_verification, P::fetching_key}, {P::awaiting_verification, P::fetching_key}}},
      {"not-verified", {{P::checking_verification, P::awaiting_verification}}},
      {"verification-transient", from_every_attempting_phase(P::reconnecting)},
      {"key", {{P::fetching_key, P::starting_session}}},
      {"session", {{P::starting_session, P::connecting}}},
      {"publishing", {{P::connecting, P::confirming_live}}},
      {"platform-live", {{P::confirming_live, P::live}}},
      {"platform-offline", {{P::live, P::reconnecting}}},
      {"key-transient", from_every_attempting_phase(P::reconnecting)},
      {"key-refused", from_every_attempting_phase(P::platform_error)},
      {"publish-transient", from_every_attempting_phase(P::reconnecting)},
      {"heartbeat-transient", {}},
      {"chat-unauthorized", from_every_attempting_phase(P::credentials_rejected)},
      {"stop",
       {{P::starting, P::stopping},
        {P::checking_verification, P::stopping},
        {P::awaiting_verification, P::stopping},
        {P::fetching_key, P::stopping},
        {P::starting_session, P::stopping},
        {P::connecting, P::stopping},
        {P::confirming_live, P::stopping},
        {P::live, P::stopping},
        {P::reconnecting, P::stopping},
        {P::credentials_rejected, P::stopping},
        {P::platform_error, P::stopping},
        {P::off_air, P::stopping}}},
      {"stopped", {{P::stopping, P::stopped}}},
      {"off-air",
       {{P::starting, P::off_air},
        {P::checking_verification, P::off_air},
        {P::awaiting_verification, P::off_air},
        {P::fetching_key, P::off_air},
        {P::starting_session, P::off_air},
        {P::connecting, P::off_air},
        {P::confirming_live, P::off_air},
        {P::live, P::off_air},
        {P::reconnecting, P::off_air},
        {P::credentials_rejected, P::off_air},
        {P::platform_error, P::off_air}}},
      {"on-air", {{P::off_air, P::checking_verification}}},
  };
  for (const Phase phase : kAllPhases) {
    for (const auto& [name, event] : events) {
      Box box(true);
      box.drive_to(phase);
      box.platform.answer = false;  // only the event under test moves the machine
      box.platform.answers_verification = false;
      const auto attempt = box.machine.state().attempt;
      box.machine.post(event);
      const auto& table = expected.at(name);
      const auto it = table.find(phase);
      const Phase want = it == table.end() ? phase : it->second;
      const std::string what =
          std::string(name) + " in " + std::string(phase_name(phase)) + " -> " + std::string(phase_name(box.phase()));
      CHECK_TEXT(box.phase() == want, what.c_str());
      // No event begins an attempt by itself but start and on-air; later ones come from the clock.
      const bool begins = (phase == P::starting && std::string(name) == "start") ||
                          (phase == P::off_air && std::string(name) == "on-air");
      CHECK_TEXT(box.machine.state().attempt == attempt + (begins ? 1 : 0), what.c_str());
    }
  }
}

// The action button's short press: off air ends the attempt and schedules nothing (the retry
// that was pending is dropped, answers of the old attempt too); on air is a new attempt with a
// fresh key, and off air is not "trouble" that waits for a retry.
TEST(GoLiveMachine, OffAirWaitsForTheOwnerAndOnAirBeginsAFreshAttempt) {
  Box box(true);
  box.drive_to(Phase::reconnecting);
  const auto attempt = box.machine.state().attempt;
  const int keys = box.platform.keys_fetched;
  box.machine.post(event::GoOffAir{"test"});
  CHECK(box.phase() == Phase::off_air);
  STRCMP_EQUAL("OFF AIR", box.machine.state().label.c_str());
  STRCMP_EQUAL("", box.machine.state().problem.c_str());
  CHECK_FALSE(box.machine.state().retry_in_s.has_value());
  LONGS_EQUAL(0, box.clock.pending());
  box.clock.advance(600000);
  box.machine.post(event::Publishing{}, attempt);
  CHECK(box.phase() == Phase::off_air);
  LONGS_EQUAL(keys, box.platform.keys_fetched);

  box.machine.post(event::GoOnAir{});
  LONGS_EQUAL(attempt + 1, box.machine.state().attempt);
  LONGS_EQUAL(keys + 1, box.platform.keys_fetched);
  CHECK(box.phase() == Phase::connecting);
  box.machine.post(event::GoOnAir{});  // a second press is the next toggle's business, not this one's
  LONGS_EQUAL(attempt + 1, box.machine.state().attempt);
}

TEST(GoLiveMachine, SubscribersPostingDuringAChangeAreHandledAfterIt) {
  FakeClock clock;
  GoLive machine({}, clock, [] { return kNoJitter; });
  std::vector<std::pair<Phase, Phase>> seen;
  machine.subscribe([&](const LiveState& now, const LiveState&) {
    if (now.phase == Phase::connecting) machine.post(event::Publishing{});
  });
  machine.subscribe([&](const LiveState& now, const LiveState& before) { seen.emplace_back(before.phase, now.phase); });
  machine.post(event::Start{});
  // The second subscriber saw starting -> connecting before connecting -> live.
  CHECK((std::vector<std::pair<Phase, Phase>>{{Phase::starting, Phase::connecting},
                                              {Phase::connecting, Phase::live}}) == seen);
}

TEST(GoLiveMachine, ASubscriberThatThrowsDoesNotLeaveTheMachineDeaf) {
  FakeClock clock;
  GoLive machine({}, clock, [] { return kNoJitter; });
  bool thrown = false;
  machine.subscribe([&](const LiveState& now, const LiveState&) {
    if (now.phase == Phase::connecting && !std::exchange(thrown, true)) throw std::runtime_error("a bug");
  });
  CHECK_THROWS(std::runtime_error, machine.post(event::Start{}));
  machine.post(event::Publishing{});
  CHECK(machine.state().phase == Phase::live);
  machine.post(event::StopRequested{"test"});
  CHECK(machine.state().phase == Phase::stopping);
}
