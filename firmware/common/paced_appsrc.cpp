#include "common/paced_appsrc.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

namespace agentcast {

void PacedAppSrc::on_need_data(GstAppSrc* /*appsrc*/, guint /*length*/, gpointer serve) {
  fault::contain("a paced appsrc", user_data<std::function<void()>>(serve));
}

void PacedAppSrc::attach(GstElement* appsrc, GstClock* clock, GstClockTime base_time, std::function<void()> serve) {
  detach();
  GstAppSrcCallbacks callbacks{};
  callbacks.need_data = on_need_data;
  gst_app_src_set_callbacks(GST_APP_SRC(appsrc), &callbacks, to_user_data(std::move(serve)),
                            destroy_user_data<std::function<void()>>);
  std::lock_guard lock(mutex_);
  appsrc_.reset(GST_ELEMENT(gst_object_ref(appsrc)));
  clock_.reset(GST_CLOCK(gst_object_ref(clock)));
  base_time_ = base_time;
}

void PacedAppSrc::detach() {
  GstElementPtr appsrc;
  {
    std::lock_guard lock(mutex_);
    appsrc = std::move(appsrc_);
    if (waiting_ != nullptr) gst_clock_id_unschedule(waiting_);
  }
  if (!appsrc) return;
  // appsrc keeps a callback that is running alive until it returns (GStreamer >= 1.20).
  GstAppSrcCallbacks none{};
  gst_app_src_set_callbacks(GST_APP_SRC(appsrc.get()), &none, nullptr, nullptr);
}

bool PacedAppSrc::attached() const {
  std::lock_guard lock(mutex_);
  return static_cast<bool>(appsrc_);
}

GstClockTime PacedAppSrc::base_time() const {
  std::lock_guard lock(mutex_);
  return base_time_;
}

GstClockTime PacedAppSrc::now() const {
  std::lock_guard lock(mutex_);
  return clock_ ? gst_clock_get_time(clock_.get()) : 0;
}

bool PacedAppSrc::wait_until(GstClockTime clock_time) {
  GstClockID tick = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!appsrc_) return false;
    tick = waiting_ = gst_clock_new_single_shot_id(clock_.get(), clock_time);
  }
  gst_clock_id_wait(tick, nullptr);  // returns early, unscheduled, when detach() cuts it
  std::lock_guard lock(mutex_);
  waiting_ = nullptr;
  gst_clock_id_unref(tick);
  return static_cast<bool>(appsrc_);
}

bool PacedAppSrc::push(GstBuffer* buffer) {
  std::lock_guard lock(mutex_);
  if (!appsrc_) {
    gst_buffer_unref(buffer);
    return false;
  }
  return gst_app_src_push_buffer(GST_APP_SRC(appsrc_.get()), buffer) == GST_FLOW_OK;
}

}  // namespace agentcast
