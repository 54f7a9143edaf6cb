#include "common/signal_watch.hpp"

#include "common/fault_barrier.hpp"

#include <fcntl.h>
#include <glib-unix.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>

namespace agentcast {
namespace {

// The write end of the current watch's pipe, for the handler (-1: none).
std::atomic<int> signal_pipe{-1};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler may only touch lock-free atomics");

// Async-signal-safe: one write(2) to a non-blocking pipe (a full pipe drops the signal, with
// 64 KiB of signals already waiting to be handled), errno kept for the interrupted code.
extern "C" void forward_signal(int signal) {
  const int saved_errno = errno;
  const int fd = signal_pipe.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const auto number = static_cast<unsigned char>(signal);
    [[maybe_unused]] const ssize_t written = ::write(fd, &number, 1);
  }
  errno = saved_errno;
}

}  // namespace

SignalWatch::SignalWatch(std::initializer_list<int> signals, Handler handler) : handler_(std::move(handler)) {
  std::array<int, 2> ends{-1, -1};
  if (::pipe2(ends.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
    problem_ = std::string("cannot make the signal pipe: ") + g_strerror(errno);
    return;
  }
  read_end_ = UniqueFd(ends[0]);
  write_end_ = UniqueFd(ends[1]);
  int expected = -1;
  if (!signal_pipe.compare_exchange_strong(expected, write_end_.get())) {
    problem_ = "another signal watch is installed";
    return;
  }
  source_ = SourceId(g_unix_fd_add(read_end_.get(), G_IO_IN, on_readable, this));
  for (const int signal : signals) {
    struct sigaction action {};
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // the interrupted system calls go on by themselves
    struct sigaction previous {};
    if (::sigaction(signal, &action, &previous) == 0) previous_.emplace_back(signal, previous);
  }
}

SignalWatch::~SignalWatch() {
  for (const auto& [signal, previous] : previous_) ::sigaction(signal, &previous, nullptr);
  int ours = write_end_.get();
  signal_pipe.compare_exchange_strong(ours, -1);
}

gboolean SignalWatch::on_readable(gint fd, GIOCondition /*condition*/, gpointer self) {
  std::array<unsigned char, 64> numbers{};
  const ssize_t got = ::read(fd, numbers.data(), numbers.size());
  // A copy: a handler may end the watch's owner, and with it the watch.
  const Handler handler = static_cast<SignalWatch*>(self)->handler_;
  for (ssize_t i = 0; i < got; ++i) {
    fault::contain("a signal's handler", [&] { handler(numbers[static_cast<std::size_t>(i)]); });
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace agentcast
