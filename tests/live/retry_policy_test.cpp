#include "live/retry_policy.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast::live;

TEST_GROUP(RetryPolicy){};

TEST(RetryPolicy, DoublesUpToTheCapWithJitterWithinBounds) {
  double random = 0.5;
  Retries retries(policy::kGoLive, [&] { return random; });
  DOUBLES_EQUAL(1, retries.next_delay_s(), 1e-9);
  DOUBLES_EQUAL(2, retries.next_delay_s(), 1e-9);
  DOUBLES_EQUAL(4, retries.next_delay_s(), 1e-9);
  DOUBLES_EQUAL(8, retries.next_delay_s(), 1e-9);
  DOUBLES_EQUAL(15, retries.next_delay_s(), 1e-9);
  random = 0;
  DOUBLES_EQUAL(15 * 0.7, retries.next_delay_s(), 1e-9);
  random = 0.999999;
  DOUBLES_EQUAL(15 * 1.3, retries.next_delay_s(), 1e-4);
  retries.reset();
  random = 0.5;
  DOUBLES_EQUAL(1, retries.next_delay_s(), 1e-9);
}

TEST(RetryPolicy, ChatComesBackWithinTenSecondsOfTheApiBeingHealthy) {
  Retries retries(policy::kChat, [] { return 0.999999; });
  double longest = 0;
  for (int i = 0; i < 100; ++i) longest = std::max(longest, retries.next_delay_s());
  CHECK(longest <= 7.5);
}

TEST(RetryPolicy, RefusedAndRejectedWaitAMinute) {
  Retries refused(policy::kRefused, [] { return 0.0; });
  Retries credentials(policy::kCredentials, [] { return 0.999; });
  for (int i = 0; i < 3; ++i) {
    DOUBLES_EQUAL(60, refused.next_delay_s(), 1e-9);
    DOUBLES_EQUAL(60, credentials.next_delay_s(), 1e-9);
  }
}

TEST(RetryPolicy, AnOutOfRangeRandomCannotMakeANegativeDelay) {
  Retries retries(policy::kPublish, [] { return -5.0; });
  CHECK(retries.next_delay_s() > 0);
}
