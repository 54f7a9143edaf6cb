#include "common/off_loop.hpp"

#include "common/fault_barrier.hpp"
#include "common/main_thread.hpp"
#include "common/user_data.hpp"

#include <glib.h>
#include <pthread.h>

namespace agentcast {
namespace {

struct Job {
  std::function<void()> work;
  std::function<void()> done;
};

void run_job(gpointer data, gpointer /*pool_data*/) {
  const auto job = take_user_data<Job>(data);
  // GLib names pool threads after the program; this one has a job of its own in `top -H`.
  thread_local const bool named = pthread_setname_np(pthread_self(), "off-loop") == 0;
  static_cast<void>(named);
  fault::contain("work off the loop", job->work);
  if (job->done) post_to_main_loop(std::move(job->done));
}

// The process's one worker, like the main loop itself: created once, never freed.
GThreadPool* worker() {
  static GThreadPool* const pool = [] {
    GError* error = nullptr;
    GThreadPool* created = g_thread_pool_new(run_job, nullptr, 1, TRUE, &error);
    if (created == nullptr) {
      // Without a thread the box cannot work safely; GLib aborts on thread creation failure
      // elsewhere too.
      g_error("cannot start the off-loop worker: %s", error != nullptr ? error->message : "unknown");
    }
    return created;
  }();
  return pool;
}

}  // namespace

void run_off_loop(std::function<void()> work, std::function<void()> done) {
  g_thread_pool_push(worker(), to_user_data(Job{std::move(work), std::move(done)}), nullptr);
}

}  // namespace agentcast
