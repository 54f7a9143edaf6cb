#include "app/retry_backoff.hpp"

#include <CppUTest/TestHarness.h>

using agentcast::app::RetryBackoff;

TEST_GROUP(RetryBackoff){};

TEST(RetryBackoff, DoublesUpToTheCap) {
  RetryBackoff backoff(0.5, 4.0, 0.0);
  DOUBLES_EQUAL(0.5, backoff.next_delay(0.5), 1e-9);
  DOUBLES_EQUAL(1.0, backoff.next_delay(0.5), 1e-9);
  DOUBLES_EQUAL(2.0, backoff.next_delay(0.5), 1e-9);
  DOUBLES_EQUAL(4.0, backoff.next_delay(0.5), 1e-9);
  DOUBLES_EQUAL(4.0, backoff.next_delay(0.5), 1e-9);
  LONGS_EQUAL(5, backoff.attempts());
}

TEST(RetryBackoff, JitterStaysWithinItsFraction) {
  RetryBackoff low(1.0, 1.0, 0.2);
  RetryBackoff high(1.0, 1.0, 0.2);
  DOUBLES_EQUAL(0.8, low.next_delay(0.0), 1e-9);
  DOUBLES_EQUAL(1.2, high.next_delay(0.999999), 1e-5);
}

TEST(RetryBackoff, ResetStartsOver) {
  RetryBackoff backoff(0.5, 8.0, 0.0);
  backoff.next_delay(0.5);
  backoff.next_delay(0.5);
  backoff.reset();
  DOUBLES_EQUAL(0.5, backoff.next_delay(0.5), 1e-9);
}
