#include "common/off_loop.hpp"

#include "common/fault_barrier.hpp"
#include "common/handles.hpp"
#include "common/user_data.hpp"

#include <gio/gio.h>

#include <memory>

namespace agentcast {
namespace {

struct Job {
  std::function<void()> work;
  std::function<void()> done;
};

}  // namespace

void run_off_loop(std::function<void()> work, std::function<void()> done) {
  GObjectPtr<GTask> task(g_task_new(
      nullptr, nullptr,
      [](GObject*, GAsyncResult* result, gpointer) {
        auto* finished = static_cast<Job*>(g_task_get_task_data(G_TASK(result)));
        if (finished->done) fault::contain("work done off the loop", finished->done);
      },
      nullptr));
  g_task_set_task_data(task.get(), to_user_data(Job{std::move(work), std::move(done)}), destroy_user_data<Job>);
  g_task_run_in_thread(task.get(), [](GTask* running, gpointer, gpointer data, GCancellable*) {
    fault::contain("work off the loop", static_cast<Job*>(data)->work);
    g_task_return_boolean(running, TRUE);
  });
}

}  // namespace agentcast
