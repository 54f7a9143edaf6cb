#include "pipeline/pipeline_plan.hpp"

#include "common/handles.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/gst.h>

#include <set>
#include <string>

using namespace agentcast;
using namespace agentcast::pipeline;

namespace {

// 25 fps, 4 s GOP and 2500 kbit/s: none of these are defaults, so a fragment that ignores the
// config shows up.
config::Config tuned_config() {
  return config::parse(
      R"({"platform": {"kind": "rtmp"}, "video": {"fps": 25, "keyframe_interval_s": 4, "bitrate_kbps": 2500,
                           "width": 1920, "height": 1080},
                           "audio": {"bitrate_kbps": 96, "rate": 48000, "channels": 1},
                           "thumbnail": {"width": 640, "height": 360}})",
      "test.json");
}

std::string fragment(const std::string& encoder) {
  const DataFiles files;
  const auto file = files.read("pipelines/video/" + encoder + ".txt");
  CHECK_TEXT(file.has_value(), encoder.c_str());
  return fill_template(file->content, template_values(tuned_config()), file->origin);
}

void contains(const std::string& text, const std::string& part) {
  CHECK_TEXT(text.find(part) != std::string::npos, ("missing \"" + part + "\" in: " + text).c_str());
}

board::MachineFacts generic_machine() {
  return {"", "x86_64", [](const std::string&) { return false; }};
}

}  // namespace

TEST_GROUP(PipelinePlan){};

TEST(PipelinePlan, X264FragmentCarriesRateGopAndLowLatency) {
  const auto text = fragment("x264enc");
  contains(text, "bitrate=2500 ");
  contains(text, "key-int-max=100 ");
  contains(text, "tune=zerolatency");
  contains(text, "vbv-buf-capacity=2000");
  contains(text, "bframes=0");
  contains(text, "scenecut=0");
  contains(text, "profile=main");
}

TEST(PipelinePlan, V4l2FragmentUsesExtraControlsAndPinsTheLevel) {
  const auto text = fragment("v4l2h264enc");
  contains(text, "video_bitrate=2500000,");
  contains(text, "video_bitrate_mode=1");
  contains(text, "h264_i_frame_period=100,");
  contains(text, "repeat_sequence_header=1");
  contains(text, "level=(string)4");
}

TEST(PipelinePlan, NvidiaFragmentUsesNvmmAndCbr) {
  const auto text = fragment("nvv4l2h264enc");
  contains(text, "nvvidconv ! video/x-raw(memory:NVMM),format=NV12");
  contains(text, "control-rate=1");
  contains(text, "bitrate=2500000 ");
  contains(text, "iframeinterval=100 ");
  contains(text, "insert-sps-pps=true");
}

TEST(PipelinePlan, VaapiFragmentsUseCbrInKbps) {
  const auto vaapi = fragment("vaapih264enc");
  contains(vaapi, "rate-control=cbr bitrate=2500 ");
  contains(vaapi, "keyframe-period=100 ");
  const auto va = fragment("vah264enc");
  contains(va, "rate-control=cbr bitrate=2500 ");
  contains(va, "key-int-max=100 ");
}

TEST(PipelinePlan, OpenH264FragmentUsesBitsPerSecond) {
  const auto text = fragment("openh264enc");
  contains(text, "bitrate=2500000 ");
  contains(text, "gop-size=100 ");
}

TEST(PipelinePlan, EveryKnownEncoderHasAFragment) {
  const DataFiles files;
  for (const char* encoder : {"v4l2h264enc", "nvv4l2h264enc", "vah264enc", "vaapih264enc", "x264enc", "openh264enc"}) {
    CHECK_TEXT(config::is_known_encoder(encoder), encoder);
    CHECK_TEXT(files.read(std::string("pipelines/video/") + encoder + ".txt").has_value(), encoder);
  }
}

TEST(PipelinePlan, AudioSourcesAreLiveAndInThePlatformFormat) {
  const auto config = tuned_config();
  const DataFiles files;
  const auto silence = compose_description(config, "x264enc", "voaacenc", files);
  // Silence is the box's own track (the audio feed into voice_src): no source element, no
  // mixer, no thread of their own.
  CHECK(silence.find("name=audio_source") == std::string::npos);
  CHECK(silence.find("audiomixer") == std::string::npos);
  contains(silence, "appsrc name=voice_src is-live=true format=time");
  contains(silence, "identity name=audio_in silent=true");
  contains(silence, "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1");
  contains(silence, "voaacenc name=audio_encoder bitrate=96000");

  auto alsa_config = config::parse(R"({"audio": {"source": "alsa", "device": "hw:2,0"}})", "t");
  const auto alsa = compose_description(alsa_config, "x264enc", "avenc_aac", files);
  contains(alsa, "alsasrc name=audio_source device=\"hw:2,0\"");
  // A microphone is mixed with the box's track.
  contains(alsa, "audiomixer name=audio_in force-live=true output-buffer-duration-fraction=1024/44100");
  contains(alsa, "channels=2 ! audio_in.");
  contains(alsa, "avenc_aac name=audio_encoder bitrate=128000");
}

TEST(PipelinePlan, StreamLayoutHasTheNamedElementsAndNoKey) {
  const auto description = compose_description(tuned_config(), "x264enc", "voaacenc", DataFiles());
  contains(description, "appsrc name=scene_src is-live=true format=time");
  contains(description, "format=I420,width=1920,height=1080,framerate=25/1");
  // The encoded streams leave through appsinks; the firmware muxes them (no flvmux thread).
  contains(description, "stream-format=avc,alignment=au ! appsink name=video_out");
  contains(description, "stream-format=raw ! appsink name=audio_out");
  CHECK(description.find("flvmux") == std::string::npos);
  contains(description, "jpegenc name=thumbnail_encoder");
  contains(description, "videoscale name=thumbnail_scale ! video/x-raw,width=640,height=360");
  // Every queue is a thread: the production pipeline has none (issue 14's footprint).
  CHECK(description.find("queue") == std::string::npos);
  CHECK(description.find("location=") == std::string::npos);
  CHECK(description.find("${") == std::string::npos);
  const auto output = compose_output_description(tuned_config(), DataFiles());
  contains(output, "appsrc name=flv_in is-live=true format=time");
  contains(output, "rtmp2sink name=rtmp_sink");
  CHECK(output.find("flvmux") == std::string::npos);
  CHECK(output.find("location=") == std::string::npos);
}

namespace {
GstElementPtr parse_with_names(const std::string& description, std::initializer_list<const char*> names) {
  GError* raw_error = nullptr;
  GstElement* pipeline = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
  GErrorPtr error(raw_error);
  CHECK_TEXT(error == nullptr, error ? error->message : "");
  GstElementPtr owned(pipeline);
  for (const char* name : names) {
    GstElementPtr element(gst_bin_get_by_name(GST_BIN(pipeline), name));
    CHECK_TEXT(element != nullptr, name);
  }
  return owned;
}
}  // namespace

TEST(PipelinePlan, ComposedDescriptionParsesWithRealElements) {
  parse_with_names(compose_description(tuned_config(), "x264enc", "voaacenc", DataFiles()),
                   {"scene_src", "frames", "video_encoder", "voice_src", "audio_in", "video_out", "audio_out",
                    "thumbnail_scale", "thumbnail_encoder", "thumbnail_sink"});
  parse_with_names(compose_output_description(tuned_config(), DataFiles()), {"flv_in", "rtmp_sink"});
}

TEST(PipelinePlan, PlanOnThisMachinePicksX264AndAnAacEncoder) {
  const auto plan = plan_pipeline(tuned_config(), DataFiles(), generic_machine(), probe_gst_element);
  STRCMP_EQUAL("generic", plan.board_name.c_str());
  STRCMP_EQUAL("x264enc", plan.video_encoder.element.c_str());
  CHECK(plan.aac_encoder.element == "voaacenc" || plan.aac_encoder.element == "avenc_aac" ||
        plan.aac_encoder.element == "fdkaacenc");
}

TEST(PipelinePlan, Rpi4BoardFallsBackToX264WithoutItsDevice) {
  auto config = tuned_config();
  config.board.name = "rpi4";  // its first choice, v4l2h264enc, has no device here
  const auto plan = plan_pipeline(config, DataFiles(), generic_machine(), probe_gst_element);
  STRCMP_EQUAL("x264enc", plan.video_encoder.element.c_str());
  CHECK(plan.video_encoder.considered.front().element == "v4l2h264enc");
  CHECK(plan.video_encoder.considered.front().verdict != "chosen");
}

TEST(PipelinePlan, UnknownBoardNameIsAnError) {
  auto config = tuned_config();
  config.board.name = "rpi9";
  try {
    plan_pipeline(config, DataFiles(), generic_machine(), probe_gst_element);
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    CHECK(std::string(error.what()).starts_with("board.name: unknown board \"rpi9\""));
  }
}

TEST(PipelinePlan, AFragmentNextToTheConfigOverridesTheBuiltIn) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "pipelines" / "video");
  dir.write("pipelines/video/x264enc.txt",
            "x264enc name=video_encoder bitrate=${bitrate_kbps} speed-preset=ultrafast\n");
  const DataFiles files(dir.path());
  const auto description = compose_description(tuned_config(), "x264enc", "voaacenc", files);
  contains(description, "x264enc name=video_encoder bitrate=2500 speed-preset=ultrafast");
}

namespace {

// Every element is usable: what is chosen then depends only on the lists and the fallbacks.
ElementProbe all_usable(std::string_view) { return {ElementProbe::Result::usable, {}}; }

config::Config board_config(const std::string& board, const std::string& encoder, const std::string& audio) {
  return config::parse(R"({"platform": {"kind": "rtmp"}, "board": {"name": ")" + board +
                           R"("}, "video": {"encoder": ")" + encoder + R"("}, "audio": {"source": ")" + audio +
                           R"("}})",
                       "test.json");
}

}  // namespace

TEST(PipelinePlan, AnEncoderThatFailedWhileStreamingIsPassedOverForTheNextOne) {
  const auto config = board_config("rpi4", "auto", "silence");
  const auto first = plan_pipeline(config, DataFiles(), generic_machine(), all_usable);
  STRCMP_EQUAL("v4l2h264enc", first.video_encoder.element.c_str());
  const auto second =
      plan_pipeline(config, DataFiles(), generic_machine(), all_usable, Fallbacks{{"v4l2h264enc"}, false});
  STRCMP_EQUAL("x264enc", second.video_encoder.element.c_str());
  contains(second.video_encoder.reason, "fallback after v4l2h264enc failed while streaming");
  contains(second.description, "x264enc name=video_encoder");
  const auto third =
      plan_pipeline(config, DataFiles(), generic_machine(), all_usable, Fallbacks{{"v4l2h264enc", "x264enc"}, false});
  STRCMP_EQUAL("openh264enc", third.video_encoder.element.c_str());
  CHECK_THROWS(EncoderError, plan_pipeline(config, DataFiles(), generic_machine(), all_usable,
                                           Fallbacks{{"v4l2h264enc", "x264enc", "openh264enc"}, false}));
}

TEST(PipelinePlan, ANamedEncoderThatFailedFallsBackToTheBoardsList) {
  const auto config = board_config("rpi4", "v4l2h264enc", "silence");
  const auto plan =
      plan_pipeline(config, DataFiles(), generic_machine(), all_usable, Fallbacks{{"v4l2h264enc"}, false});
  STRCMP_EQUAL("x264enc", plan.video_encoder.element.c_str());
}

TEST(PipelinePlan, AFailedAudioSourceIsPlannedAsSilence) {
  const auto config = board_config("generic", "auto", "alsa");
  const auto alsa = plan_pipeline(config, DataFiles(), generic_machine(), all_usable);
  STRCMP_EQUAL("alsa", alsa.audio_source.c_str());
  contains(alsa.description, "alsasrc name=audio_source");
  const auto silence = plan_pipeline(config, DataFiles(), generic_machine(), all_usable, Fallbacks{{}, true});
  STRCMP_EQUAL("silence", silence.audio_source.c_str());
  CHECK(silence.description.find("alsasrc") == std::string::npos);
  CHECK(silence.description.find("name=audio_source") == std::string::npos);
}
