#include "codec/repeat_meta.hpp"

namespace agentcast::codec {
namespace {

GType repeat_meta_api_type() {
  static GType type = 0;
  static const gchar* tags[] = {nullptr};
  if (g_once_init_enter(&type)) {
    const GType registered = gst_meta_api_type_register("AgentcastRepeatMetaAPI", tags);
    g_once_init_leave(&type, registered);
  }
  return type;
}

gboolean init_meta(GstMeta* /*meta*/, gpointer /*params*/, GstBuffer* /*buffer*/) { return TRUE; }

// Copies of the buffer header (tee branches, gst_buffer_copy) are the same picture: keep it.
gboolean transform_meta(GstBuffer* destination, GstMeta* /*meta*/, GstBuffer* /*source*/, GQuark type,
                        gpointer /*data*/) {
  if (!GST_META_TRANSFORM_IS_COPY(type)) return FALSE;
  gst_buffer_add_meta(destination, gst_meta_get_info("AgentcastRepeatMeta"), nullptr);
  return TRUE;
}

const GstMetaInfo* repeat_meta_info() {
  static const GstMetaInfo* info = nullptr;
  if (g_once_init_enter(&info)) {
    const GstMetaInfo* registered = gst_meta_register(repeat_meta_api_type(), "AgentcastRepeatMeta", sizeof(GstMeta),
                                                      init_meta, nullptr, transform_meta);
    g_once_init_leave(&info, registered);
  }
  return info;
}

}  // namespace

void mark_repeat(GstBuffer* frame) {
  if (!is_repeat(frame)) gst_buffer_add_meta(frame, repeat_meta_info(), nullptr);
}

bool is_repeat(GstBuffer* frame) { return gst_buffer_get_meta(frame, repeat_meta_api_type()) != nullptr; }

}  // namespace agentcast::codec
