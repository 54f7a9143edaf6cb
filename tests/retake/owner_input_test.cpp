// What the owner types for registration and verification, checked before any call.
#include "retake/owner_input.hpp"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace agentcast::retake;

TEST_GROUP(OwnerInput){};

TEST(OwnerInput, ATickerIsOneToTenCharactersWithoutSpaces) {
  for (const char* good : {"A", "AGENT", "ABCDEFGHIJ", "Ag3nt_X", "\xE6\x97\xA5\xE6\x9C\xAC"}) {
    CHECK_TEXT(!ticker_problem(good).has_value(), good);
  }
  // Ten characters of several bytes each are still ten characters.
  std::string ten_wide;
  for (int i = 0; i < 10; ++i) ten_wide += "\xC3\xA9";
  CHECK_FALSE(ticker_problem(ten_wide).has_value());
  CHECK(ticker_problem(ten_wide + "E").has_value());
  for (const char* bad : {"", "ABCDEFGHIJK", "MY AGENT", "TAB\tX", "NL\n", "\xFF\xFE"}) {
    const auto problem = ticker_problem(bad);
    CHECK_TEXT(problem.has_value(), bad);
    STRCMP_CONTAINS("--ticker", problem->c_str());
  }
  STRCMP_CONTAINS("at most 10", ticker_problem("ABCDEFGHIJK")->c_str());
}

TEST(OwnerInput, OnlyTheUrlOfOneTweetIsTaken) {
  STRCMP_EQUAL("https://x.com/owner/status/1790000000000000000",
               tweet_status_url("https://x.com/owner/status/1790000000000000000")->c_str());
  // Share links: the query and a trailing slash go; the host is kept (lower case).
  STRCMP_EQUAL("https://twitter.com/Owner_1/status/42",
               tweet_status_url("https://Twitter.com/Owner_1/status/42/?s=20&t=x")->c_str());
  STRCMP_EQUAL("https://mobile.x.com/a/status/7", tweet_status_url("https://mobile.x.com/a/status/7")->c_str());
  for (const char* bad : {
           "http://x.com/owner/status/1",            // not https
           "https://x.com/owner",                    // a profile
           "https://x.com/owner/status/",            // no id
           "https://x.com/owner/status/12a",         // not a number
           "https://x.com/owner/likes/1",            // not a status
           "https://x.com/owner/status/1/photo/1",   // a part of one
           "https://evil.com/owner/status/1",        // another host
           "https://x.com.evil.com/owner/status/1",  // a look-alike
           "https://x.com@evil.com/owner/status/1",  // user info
           "https://x.com:8443/owner/status/1",      // another port
           "https://x.com/owner/status/1#reply",     // a fragment
           "https://x.com/this_name_is_too_long/status/1",
           "x.com/owner/status/1",
           "",
       }) {
    CHECK_TEXT(!tweet_status_url(bad).has_value(), bad);
  }
}

TEST(OwnerInput, ARefusedVerificationSaysWhatToDoNext) {
  STRCMP_CONTAINS("run `agentcast verify` first",
                  verify_refusal_hint("No verification message prepared - call /agent/prepare-verify first").c_str());
  STRCMP_CONTAINS("does not hold the verification code",
                  verify_refusal_hint("The tweet does not contain the verification code").c_str());
  STRCMP_CONTAINS("URL of the tweet itself",
                  verify_refusal_hint("tweet_url must be an x.com or twitter.com status URL").c_str());
  STRCMP_CONTAINS("agentcast verify --tweet-url", verify_refusal_hint("something else").c_str());
}
