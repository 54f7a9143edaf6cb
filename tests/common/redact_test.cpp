#include "common/redact.hpp"

#include <CppUTest/TestHarness.h>

using agentcast::redact_stream_url;
using agentcast::scrub_secret;

TEST_GROUP(StreamUrlRedaction){};

TEST(StreamUrlRedaction, HidesTheKeyKeepsHostAndApplication) {
  STRCMP_EQUAL("rtmps://live.example:443/app/<redacted>",
               redact_stream_url("rtmps://live.example:443/app/sk_live_abc123").c_str());
  STRCMP_EQUAL("rtmp://127.0.0.1/live/<redacted>", redact_stream_url("rtmp://127.0.0.1/live/demo").c_str());
}

TEST(StreamUrlRedaction, HidesQueryStringsThatCarryTheKey) {
  const std::string out = redact_stream_url("rtmps://b.rtmp.youtube.com/live2?backup=1/sk_abc");
  STRCMP_EQUAL("rtmps://b.rtmp.youtube.com/<redacted>", out.c_str());
}

TEST(StreamUrlRedaction, HidesCredentialsInTheAuthority) {
  STRCMP_EQUAL("rtmp://<redacted>@host:1935/app/<redacted>",
               redact_stream_url("rtmp://user:pw@host:1935/app/key").c_str());
}

TEST(StreamUrlRedaction, NestedApplicationPathsKeepAllButTheKey) {
  STRCMP_EQUAL("rtmp://h/a/b/<redacted>", redact_stream_url("rtmp://h/a/b/key").c_str());
}

TEST(StreamUrlRedaction, NotAUrlIsRedactedWhole) {
  STRCMP_EQUAL("<redacted>", redact_stream_url("sk_live_abc123").c_str());
}

TEST(StreamUrlRedaction, ScrubReplacesEveryOccurrence) {
  STRCMP_EQUAL("a <redacted> b <redacted>", scrub_secret("a KEY b KEY", "KEY").c_str());
  STRCMP_EQUAL("nothing here", scrub_secret("nothing here", "KEY").c_str());
  STRCMP_EQUAL("unchanged", scrub_secret("unchanged", "").c_str());
}
