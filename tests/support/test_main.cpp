#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>
#include <curl/curl.h>
#include <gst/gst.h>

int main(int argc, char** argv) {
  MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
  gst_init(nullptr, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
