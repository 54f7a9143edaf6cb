// libgpiod 1.6 (the v1 API). A line is requested for as long as its object lives; a button's
// event fd is a GLib source of the main loop, read only when the kernel says it is readable,
// so nothing here ever waits.
#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "gpio/gpio_chips.hpp"

#include <gpiod.h>

#include <glib-unix.h>
#include <glib.h>

#include <cerrno>
#include <utility>

namespace agentcast::gpio {
namespace {

constexpr const char* kConsumer = "agentcast";

struct ChipClose {
  void operator()(gpiod_chip* chip) const { gpiod_chip_close(chip); }
};
using ChipPtr = std::unique_ptr<gpiod_chip, ChipClose>;

std::string named(const board::GpioLine& line) { return line.chip + " line " + std::to_string(line.offset); }

// The chip and its line, or why not.
std::pair<ChipPtr, gpiod_line*> find(const board::GpioLine& wanted, std::string& problem) {
  errno = 0;
  ChipPtr chip(gpiod_chip_open_lookup(wanted.chip.c_str()));
  if (!chip) {
    problem = "no GPIO chip \"" + wanted.chip + "\"" + (errno != 0 ? std::string(" (") + g_strerror(errno) + ")" : "");
    return {nullptr, nullptr};
  }
  gpiod_line* line = gpiod_chip_get_line(chip.get(), wanted.offset);
  if (line == nullptr) {
    problem = wanted.chip + " has no line " + std::to_string(wanted.offset) + " (it has " +
              std::to_string(gpiod_chip_num_lines(chip.get())) + ")";
    return {nullptr, nullptr};
  }
  return {std::move(chip), line};
}

std::string refusal(const board::GpioLine& wanted, gpiod_line* line, int error) {
  if (error == EBUSY) {
    const char* holder = gpiod_line_consumer(line);
    return named(wanted) + " is busy (used by " + (holder != nullptr ? holder : "another program") + ")";
  }
  return named(wanted) + " could not be requested (" + g_strerror(error) + ")";
}

class LibgpiodOutput final : public OutputLine {
 public:
  LibgpiodOutput(ChipPtr chip, gpiod_line* line) : chip_(std::move(chip)), line_(line) {}
  ~LibgpiodOutput() override {
    gpiod_line_set_value(line_, 0);
    gpiod_line_release(line_);
  }
  LibgpiodOutput(const LibgpiodOutput&) = delete;
  LibgpiodOutput& operator=(const LibgpiodOutput&) = delete;

  void set(bool lit) override { gpiod_line_set_value(line_, lit ? 1 : 0); }

 private:
  ChipPtr chip_;
  gpiod_line* line_;  // owned by the chip
};

class LibgpiodInput final : public InputLine {
 public:
  LibgpiodInput(ChipPtr chip, gpiod_line* line, std::string name)
      : chip_(std::move(chip)), line_(line), name_(std::move(name)) {}
  ~LibgpiodInput() override {
    if (source_ != 0) g_source_remove(source_);
    gpiod_line_release(line_);
  }
  LibgpiodInput(const LibgpiodInput&) = delete;
  LibgpiodInput& operator=(const LibgpiodInput&) = delete;

  void watch(Edge edge) override {
    edge_ = std::move(edge);
    if (source_ == 0) source_ = g_unix_fd_add(gpiod_line_event_get_fd(line_), G_IO_IN, &LibgpiodInput::readable, this);
  }

 private:
  static gboolean readable(gint /*fd*/, GIOCondition /*condition*/, gpointer self) {
    gboolean keep = G_SOURCE_CONTINUE;
    fault::contain("a button's line", [&] { keep = static_cast<LibgpiodInput*>(self)->read_event(); });
    return keep;
  }
  gboolean read_event() {
    gpiod_line_event event{};
    if (gpiod_line_event_read(line_, &event) < 0) {
      log::warning("gpio: ", name_, ": its events cannot be read (", g_strerror(errno), "); the button is ignored");
      source_ = 0;
      return G_SOURCE_REMOVE;
    }
    // The level now, not the edge's kind: bounces can leave the two apart, and the value is
    // already logical (active-low applied by the kernel).
    const int value = gpiod_line_get_value(line_);
    if (value >= 0 && edge_) edge_(value == 1);
    return G_SOURCE_CONTINUE;
  }

  ChipPtr chip_;
  gpiod_line* line_;
  std::string name_;
  Edge edge_;
  guint source_ = 0;
};

class LibgpiodChips final : public GpioChips {
 public:
  std::unique_ptr<OutputLine> output(const board::GpioLine& wanted, std::string& problem) override {
    auto [chip, line] = find(wanted, problem);
    if (!chip) return nullptr;
    const int flags = wanted.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    if (gpiod_line_request_output_flags(line, kConsumer, flags, 0) < 0) {
      problem = refusal(wanted, line, errno);
      return nullptr;
    }
    return std::make_unique<LibgpiodOutput>(std::move(chip), line);
  }

  std::unique_ptr<InputLine> input(const board::GpioLine& wanted, std::string& problem) override {
    auto [chip, line] = find(wanted, problem);
    if (!chip) return nullptr;
    const int flags = wanted.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    // A button to ground wants a pull-up; a chip that cannot set one (Jetson) has an external one.
    int result = -1;
    if (wanted.active_low) {
      result =
          gpiod_line_request_both_edges_events_flags(line, kConsumer, flags | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);
    }
    if (result < 0 && (!wanted.active_low || errno != EBUSY)) {
      result = gpiod_line_request_both_edges_events_flags(line, kConsumer, flags);
    }
    if (result < 0) {
      problem = refusal(wanted, line, errno);
      return nullptr;
    }
    return std::make_unique<LibgpiodInput>(std::move(chip), line, named(wanted));
  }
};

}  // namespace

std::unique_ptr<GpioChips> libgpiod_chips() { return std::make_unique<LibgpiodChips>(); }

}  // namespace agentcast::gpio
