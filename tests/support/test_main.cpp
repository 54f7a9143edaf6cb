#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>
#include <gst/gst.h>

int main(int argc, char** argv) {
  MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
  gst_init(nullptr, nullptr);
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
