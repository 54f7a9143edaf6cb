// The chat merger, the one writer of the chat panel: de-duplication across sources, the word
// filter, the flood cap, hostile text, and what each kind of event says.
#include "chat/chat_merger.hpp"
#include "support/fake_clock.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <string>

using namespace agentcast;
using namespace agentcast::chat;
using agentcast::testing::FakeClock;

namespace {

ChatEvent comment(const std::string& id, const std::string& text, const std::string& source = "retake-rest",
                  const std::string& user = "viewer") {
  ChatEvent event;
  event.source = source;
  event.platform = source.starts_with("retake") ? "retake" : "douyin";
  event.id = id;
  event.user_name = user;
  event.text = text;
  return event;
}

}  // namespace

TEST_GROUP(ChatMerger) {
  FakeClock clock;
  scene::ScreenState screen;
  ChatMerger merger{{.blocked_words = {"Spam", "bäd"}, .max_events_per_s = 5, .remembered_ids = 100}, clock, screen};
};

TEST(ChatMerger, EventsAreShownInArrivalOrderWithTheirPlatformsMark) {
  merger.accept(comment("1", "hello", "retake-rest"));
  merger.accept(comment("d1", "ni hao", "douyin"));
  merger.accept(comment("2", "again", "retake-socketio"));
  LONGS_EQUAL(3, screen.chat_lines().size());
  STRCMP_EQUAL("hello", screen.chat_lines()[0].text.c_str());
  STRCMP_EQUAL("RT", screen.chat_lines()[0].mark.c_str());
  STRCMP_EQUAL("DY", screen.chat_lines()[1].mark.c_str());
  STRCMP_EQUAL("again", screen.chat_lines()[2].text.c_str());
  LONGS_EQUAL(3, merger.counters().shown);
}

TEST(ChatMerger, TheSameCommentFromTwoSourcesOfOnePlatformIsOneLine) {
  CHECK(merger.accept(comment("42", "hi", "retake-rest")) == ChatMerger::Outcome::shown);
  CHECK(merger.accept(comment("42", "hi", "retake-socketio")) == ChatMerger::Outcome::duplicate);
  // Ids are per platform: Douyin's 42 is another event.
  CHECK(merger.accept(comment("42", "hi", "douyin")) == ChatMerger::Outcome::shown);
  LONGS_EQUAL(2, screen.chat_lines().size());
  LONGS_EQUAL(1, merger.counters().duplicates);
}

TEST(ChatMerger, TheMemoryOfIdsIsBounded) {
  for (int i = 0; i < 250; ++i) {
    clock.advance(1000);
    merger.accept(comment(std::to_string(i), "m"));
  }
  clock.advance(1000);
  CHECK(merger.accept(comment("249", "m")) == ChatMerger::Outcome::duplicate);  // recent: remembered
  clock.advance(1000);
  CHECK(merger.accept(comment("0", "m")) == ChatMerger::Outcome::shown);  // forgotten long ago
}

TEST(ChatMerger, BlockedWordsAreCaughtInTextAndNamesWhateverTheCase) {
  CHECK(merger.accept(comment("1", "buy SPAM now")) == ChatMerger::Outcome::blocked);
  CHECK(merger.accept(comment("2", "nice stream", "retake-rest", "spammer99")) == ChatMerger::Outcome::blocked);
  CHECK(merger.accept(comment("3",
                              "this is B\xC3\x84"
                              "D")) == ChatMerger::Outcome::blocked);
  CHECK(merger.accept(comment("4", "a clean line")) == ChatMerger::Outcome::shown);
  LONGS_EQUAL(1, screen.chat_lines().size());
  LONGS_EQUAL(3, merger.counters().blocked);
}

// SIGHUP gives new words: from the next event on, the old ones no longer hold anything back.
TEST(ChatMerger, BlockedWordsGivenAgainApplyFromTheNextEvent) {
  CHECK(merger.accept(comment("1", "buy spam now")) == ChatMerger::Outcome::blocked);
  merger.set_blocked_words({"Scam", ""});
  CHECK(merger.accept(comment("2", "buy spam now")) == ChatMerger::Outcome::shown);
  CHECK(merger.accept(comment("3", "a SCAM link")) == ChatMerger::Outcome::blocked);
  merger.set_blocked_words({});
  CHECK(merger.accept(comment("4", "a scam link")) == ChatMerger::Outcome::shown);
}

TEST(ChatMerger, AFloodShowsAtMostTheCapASecondAndCountsTheRest) {
  int shown = 0;
  for (int second = 0; second < 10; ++second) {
    for (int i = 0; i < 100; ++i) {
      shown += merger.accept(comment(std::to_string(second * 100 + i), "flood")) == ChatMerger::Outcome::shown;
      clock.advance(10);
    }
  }
  // 5 a second over 10 s, plus the first second's burst allowance.
  CHECK_TEXT(shown >= 50 && shown <= 56, std::to_string(shown).c_str());
  LONGS_EQUAL(1000 - shown, merger.counters().over_rate);
  CHECK(screen.chat_lines().size() <= 50);  // the panel keeps a bounded history
}

TEST(ChatMerger, HostileTextIsSanitisedAndBounded) {
  merger.accept(comment("1",
                        std::string("<b>x</b>\x1b[31m\xE2\x80\xAE"
                                    "evil\n") +
                            std::string(100000, 'y'),
                        "retake-rest", "\xFF\xFEname"));
  const auto& line = screen.chat_lines().back();
  CHECK(line.text.find('\x1b') == std::string::npos);
  CHECK(line.text.find("\xE2\x80\xAE") == std::string::npos);
  CHECK(line.text.find("<b>x</b>") != std::string::npos);  // drawn literally, never as markup
  CHECK(line.text.size() < 2000);
  CHECK(g_utf8_validate(line.author.c_str(), -1, nullptr));
}

TEST(ChatMerger, EachKindSaysWhatHappenedAndStatisticsAreNotLines) {
  ChatEvent gift = comment("g", "a rose");
  gift.kind = EventKind::gift;
  ChatEvent like = comment("l", "");
  like.kind = EventKind::like;
  like.amount = 12;
  ChatEvent stats = comment("s", "");
  stats.kind = EventKind::room_stats;
  stats.amount = 1500;
  merger.accept(gift);
  clock.advance(1000);
  merger.accept(like);
  CHECK(merger.accept(stats) == ChatMerger::Outcome::not_shown);
  STRCMP_EQUAL("sent a rose", screen.chat_lines()[0].text.c_str());
  STRCMP_EQUAL(
      "liked \xC3\x97"
      "12",
      screen.chat_lines()[1].text.c_str());
  LONGS_EQUAL(2, screen.chat_lines().size());
  STRCMP_EQUAL("room-stats", std::string(kind_name(EventKind::room_stats)).c_str());
}
