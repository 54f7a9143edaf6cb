#pragma once
// Owning handles for the GLib objects we hold (GLib only: the text sanitiser and its fuzzer
// use them without GStreamer). GStreamer's and GObject's are in common/handles.hpp.
#include <glib.h>

#include <memory>

namespace agentcast {

struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
struct GErrorFree {
  void operator()(GError* error) const { g_error_free(error); }
};
struct GMainLoopUnref {
  void operator()(GMainLoop* loop) const { g_main_loop_unref(loop); }
};
struct GBytesUnref {
  void operator()(GBytes* bytes) const { g_bytes_unref(bytes); }
};
struct GDateTimeUnref {
  void operator()(GDateTime* time) const { g_date_time_unref(time); }
};
struct GUriUnref {
  void operator()(GUri* uri) const { g_uri_unref(uri); }
};

using GCharPtr = std::unique_ptr<gchar, GFree>;
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;
using GMainLoopPtr = std::unique_ptr<GMainLoop, GMainLoopUnref>;
using GBytesPtr = std::unique_ptr<GBytes, GBytesUnref>;
using GDateTimePtr = std::unique_ptr<GDateTime, GDateTimeUnref>;
using GUriPtr = std::unique_ptr<GUri, GUriUnref>;

}  // namespace agentcast
