#include "retake/chat_cursor.hpp"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using agentcast::retake::ChatComment;
using agentcast::retake::ChatCursor;
using agentcast::retake::PollCadence;

namespace {

// The server's newest-first page of ids [from, to] (inclusive), at most `limit`, before `before`.
std::vector<ChatComment> page(int newest, int oldest_available, std::size_t limit) {
  std::vector<ChatComment> out;
  for (int id = newest; id >= oldest_available && out.size() < limit; --id) {
    out.push_back({std::to_string(id), "u" + std::to_string(id % 3), "viewer", "message " + std::to_string(id),
                   id * 1000LL, "message"});
  }
  return out;
}

std::string ids(const std::vector<ChatComment>& comments) {
  std::string out;
  for (const auto& c : comments) out += c.id + ",";
  return out;
}

}  // namespace

TEST_GROUP(ChatCursor){};

TEST(ChatCursor, TheFirstPollDoesNotReplayHistory) {
  ChatCursor cursor(50, "me");
  const auto step = cursor.accept(page(20, 1, 50));
  CHECK(step.fresh.empty());
  CHECK_FALSE(step.page_back_before.has_value());
  CHECK(cursor.primed());
}

TEST(ChatCursor, NewCommentsAreShownOnceOldestFirst) {
  ChatCursor cursor(50, "me");
  cursor.accept(page(20, 1, 50));
  STRCMP_EQUAL("21,22,23,", ids(cursor.accept(page(23, 1, 50)).fresh).c_str());
  CHECK(cursor.accept(page(23, 1, 50)).fresh.empty());
  STRCMP_EQUAL("24,", ids(cursor.accept(page(24, 1, 50)).fresh).c_str());
}

TEST(ChatCursor, ABurstLargerThanAPagePagesBackAndShowsEveryCommentOnce) {
  ChatCursor cursor(50, "me");
  cursor.accept(page(100, 1, 50));
  // 130 comments arrived between two polls: 101..230.
  auto step = cursor.accept(page(230, 1, 50));  // 230..181
  CHECK(step.fresh.empty());
  STRCMP_EQUAL("181", step.page_back_before->c_str());
  step = cursor.accept(page(180, 1, 50));  // 180..131
  STRCMP_EQUAL("131", step.page_back_before->c_str());
  step = cursor.accept(page(130, 1, 50));  // 130..81: reaches what was seen
  CHECK_FALSE(step.page_back_before.has_value());
  LONGS_EQUAL(130, step.fresh.size());
  STRCMP_EQUAL("101", step.fresh.front().id.c_str());
  STRCMP_EQUAL("230", step.fresh.back().id.c_str());
  for (std::size_t i = 1; i < step.fresh.size(); ++i)
    CHECK(std::stoi(step.fresh[i].id) == std::stoi(step.fresh[i - 1].id) + 1);
  CHECK(cursor.accept(page(230, 1, 50)).fresh.empty());
}

TEST(ChatCursor, OwnMessagesAreNotShown) {
  ChatCursor cursor(50, "u1");
  cursor.accept(page(9, 1, 50));
  const auto fresh = cursor.accept(page(12, 1, 50)).fresh;  // 10 (u1), 11 (u2), 12 (u0)
  STRCMP_EQUAL("11,12,", ids(fresh).c_str());
}

TEST(ChatCursor, DocumentedShapeOrdersByTimestamp) {
  ChatCursor cursor(50, "");
  cursor.accept({{"comment_a", "x", "x", "old", 1000, "message"}});
  const auto fresh = cursor
                         .accept({{"comment_c", "y", "y", "newest", 3000, "message"},
                                  {"comment_b", "y", "y", "newer", 2000, "message"},
                                  {"comment_a", "x", "x", "old", 1000, "message"}})
                         .fresh;
  STRCMP_EQUAL("comment_b,comment_c,", ids(fresh).c_str());
}

TEST(ChatCursor, AnEmptyPageIsQuiet) {
  ChatCursor cursor(50, "");
  cursor.accept({});
  CHECK(cursor.accept({}).fresh.empty());
  STRCMP_EQUAL("1,", ids(cursor.accept(page(1, 1, 50)).fresh).c_str());
}

TEST_GROUP(PollCadence){};

TEST(PollCadence, FastWhileCommentsArriveSlowWhenQuiet) {
  PollCadence cadence(2.5, 8, 30);
  DOUBLES_EQUAL(8, cadence.next_delay_s(0), 0);
  cadence.comments_arrived(10);
  DOUBLES_EQUAL(2.5, cadence.next_delay_s(12), 0);
  DOUBLES_EQUAL(2.5, cadence.next_delay_s(40), 0);
  DOUBLES_EQUAL(8, cadence.next_delay_s(41), 0);
}
