#include "pipeline/pipeline_template.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast::pipeline;

TEST_GROUP(PipelineTemplate){};

TEST(PipelineTemplate, CommentsGoAndLinesJoin) {
  const auto out = fill_template("# a comment\nx264enc bitrate=${rate}\n   # indented comment\n  ! fakesink\n",
                                 {{"rate", "1500"}}, "t");
  STRCMP_EQUAL("x264enc bitrate=1500 ! fakesink", out.c_str());
}

TEST(PipelineTemplate, EveryPlaceholderIsFilled) {
  const auto out = fill_template("${a}-${b}-${a}", {{"a", "1"}, {"b", "2"}}, "t");
  STRCMP_EQUAL("1-2-1", out.c_str());
}

TEST(PipelineTemplate, GstreamerSyntaxIsLeftAlone) {
  const auto out =
      fill_template("video/x-h264,level=(string)4 ! capsfilter caps=\"video/x-raw,format={ I420, NV12 }\"", {}, "t");
  STRCMP_EQUAL("video/x-h264,level=(string)4 ! capsfilter caps=\"video/x-raw,format={ I420, NV12 }\"", out.c_str());
}

TEST(PipelineTemplate, UnknownPlaceholderNamesFileAndName) {
  try {
    fill_template("x264enc bitrate=${bitrat}", {{"bitrate", "1"}}, "pipelines/video/x264enc.txt");
    FAIL("expected TemplateError");
  } catch (const TemplateError& error) {
    STRCMP_EQUAL("pipelines/video/x264enc.txt: unknown placeholder ${bitrat}", error.what());
  }
}

TEST(PipelineTemplate, UnterminatedPlaceholderIsAnError) {
  try {
    fill_template("x264enc bitrate=${bitrate", {{"bitrate", "1"}}, "f.txt");
    FAIL("expected TemplateError");
  } catch (const TemplateError& error) {
    STRCMP_EQUAL("f.txt: unterminated \"${\"", error.what());
  }
}
