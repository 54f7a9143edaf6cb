#include "status/throughput_meter.hpp"

#include <CppUTest/TestHarness.h>

using agentcast::status::ThroughputMeter;

TEST_GROUP(ThroughputMeter){};

TEST(ThroughputMeter, NeedsTwoSamples) {
  ThroughputMeter meter;
  DOUBLES_EQUAL(0, meter.rate(), 1e-9);
  meter.add(1.0, 30);
  DOUBLES_EQUAL(0, meter.rate(), 1e-9);
  meter.add(2.0, 60);
  DOUBLES_EQUAL(30, meter.rate(), 1e-9);
}

TEST(ThroughputMeter, AveragesOverItsWindowOnly) {
  ThroughputMeter meter(2);
  meter.add(0, 0);
  meter.add(1, 100);  // a burst long gone once the window moved on
  meter.add(2, 110);
  meter.add(3, 120);
  DOUBLES_EQUAL(10, meter.rate(), 1e-9);
}

TEST(ThroughputMeter, ACounterThatStartsOverIsNotANegativeRate) {
  ThroughputMeter meter;
  meter.add(0, 500);
  meter.add(1, 530);
  meter.add(2, 10);  // a new pipeline counts from zero
  DOUBLES_EQUAL(0, meter.rate(), 1e-9);
  meter.add(3, 40);
  DOUBLES_EQUAL(30, meter.rate(), 1e-9);
}
