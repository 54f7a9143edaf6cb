#include "pipeline/async_close.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <gio/gio.h>

#include <memory>

namespace agentcast::pipeline {
namespace {

void to_null(GTask* task, gpointer /*source*/, gpointer pipeline, GCancellable* /*cancellable*/) {
  gst_element_set_state(GST_ELEMENT(pipeline), GST_STATE_NULL);
  g_task_return_boolean(task, TRUE);
}

void finished(GObject* /*source*/, GAsyncResult* /*result*/, gpointer data) {
  const auto done = take_user_data<std::function<void()>>(data);
  if (*done) fault::contain("a pipeline closed", *done);
}

}  // namespace

void close_async(GstElementPtr pipeline, std::function<void()> done) {
  if (!pipeline) {
    if (done) done();
    return;
  }
  GObjectPtr<GTask> task(g_task_new(nullptr, nullptr, finished, to_user_data(std::move(done))));
  // The task owns the pipeline's last reference and drops it after the state change.
  g_task_set_task_data(task.get(), pipeline.release(), gst_object_unref);
  g_task_run_in_thread(task.get(), to_null);
}

}  // namespace agentcast::pipeline
