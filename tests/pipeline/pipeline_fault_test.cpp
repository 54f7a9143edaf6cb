// Errors are told apart by the element that posted them and by GError domain and code.
#include "pipeline/pipeline_fault.hpp"

#include "common/handles.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast;
using namespace agentcast::pipeline;

namespace {

struct Posted {
  GstElementPtr pipeline;

  explicit Posted(const char* description) : pipeline(gst_parse_launch(description, nullptr)) {}

  PipelineFault error_from(const char* element_name, GQuark domain, int code, const char* message,
                           const std::string& secret = {}) {
    GstElementPtr element(gst_bin_get_by_name_recurse_up(GST_BIN(pipeline.get()), element_name));
    CHECK_TEXT(element != nullptr, element_name);
    GErrorPtr error(g_error_new_literal(domain, code, message));
    GstMessagePtr posted(gst_message_new_error(GST_OBJECT(element.get()), error.get(), "debug text"));
    return classify_error(posted.get(), pipeline.get(), secret);
  }
};

}  // namespace

TEST_GROUP(PipelineFault){};

TEST(PipelineFault, TheElementThatPostedTheErrorNamesThePart) {
  Posted posted(
      "audiotestsrc name=audio_source ! fakesink "
      "videotestsrc ! bin. ( name=video_encoder identity name=inner ) bin. ! fakesink "
      "fakesrc ! identity name=other ! fakesink");
  CHECK(posted.error_from("audio_source", GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, "no device").part ==
        PipelineFault::Part::audio_source);
  // A child of the encoder's bin posts under its own name: still the encoder.
  CHECK(posted.error_from("inner", GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE, "lost").part ==
        PipelineFault::Part::video_encoder);
  CHECK(posted.error_from("other", GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "x").part == PipelineFault::Part::other);
}

TEST(PipelineFault, ARefusedPublishIsToldByDomainAndCodeNotByText) {
  Posted posted("fakesrc ! fakesink name=rtmp_sink");
  const auto refused = posted.error_from("rtmp_sink", GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
                                         "some text that says nothing");
  CHECK(refused.part == PipelineFault::Part::connection);
  CHECK(refused.refused);
  const auto dropped =
      posted.error_from("rtmp_sink", GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE, "not authorized, it says");
  CHECK_FALSE(dropped.refused);
  CHECK(dropped.domain == GST_RESOURCE_ERROR);
  LONGS_EQUAL(GST_RESOURCE_ERROR_WRITE, dropped.code);
}

TEST(PipelineFault, TheStreamKeyNeverReachesTheMessage) {
  Posted posted("fakesrc ! fakesink name=rtmp_sink");
  const auto fault = posted.error_from("rtmp_sink", GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                                       "cannot publish sk_secret123 now", "sk_secret123");
  CHECK(fault.message.find("sk_secret123") == std::string::npos);
  STRCMP_CONTAINS("rtmp_sink: cannot publish", fault.message.c_str());
}
