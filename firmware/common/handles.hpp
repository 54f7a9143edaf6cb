#pragma once
// Owning handles for the C objects we hold: each pointer is released exactly once, by the
// deleter that matches how it was obtained.
#include "common/glib_handles.hpp"

#include <gst/gst.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace agentcast {

struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
struct GstObjectUnref {
  void operator()(gpointer object) const { gst_object_unref(object); }
};
struct GstMiniObjectUnref {
  void operator()(gpointer object) const { gst_mini_object_unref(GST_MINI_OBJECT_CAST(object)); }
};
struct GstStructureFree {
  void operator()(GstStructure* structure) const { gst_structure_free(structure); }
};

template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;
template <typename T>
using GstObjectPtr = std::unique_ptr<T, GstObjectUnref>;
using GstElementPtr = GstObjectPtr<GstElement>;
using GstBufferPtr = std::unique_ptr<GstBuffer, GstMiniObjectUnref>;
using GstBufferListPtr = std::unique_ptr<GstBufferList, GstMiniObjectUnref>;
using GstSamplePtr = std::unique_ptr<GstSample, GstMiniObjectUnref>;
using GstMessagePtr = std::unique_ptr<GstMessage, GstMiniObjectUnref>;
using GstCapsPtr = std::unique_ptr<GstCaps, GstMiniObjectUnref>;
using GstStructurePtr = std::unique_ptr<GstStructure, GstStructureFree>;

// A new reference to a GObject that copies may share: for work handed to another thread in a
// std::function (which must be copyable), where GObjectPtr cannot go.
template <typename T>
std::shared_ptr<T> shared_ref(T* object) {
  if (object != nullptr) g_object_ref(object);
  return std::shared_ptr<T>(object, GObjectUnref{});
}

// A file descriptor closed when the owner goes away.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A GLib source id removed when the owner goes away, so no callback outlives its object.
class SourceId {
 public:
  SourceId() = default;
  explicit SourceId(guint id) : id_(id) {}
  SourceId(const SourceId&) = delete;
  SourceId& operator=(const SourceId&) = delete;
  SourceId(SourceId&& other) noexcept : id_(std::exchange(other.id_, 0)) {}
  SourceId& operator=(SourceId&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, 0);
    }
    return *this;
  }
  ~SourceId() { reset(); }

  void reset() {
    if (id_ != 0) g_source_remove(std::exchange(id_, 0));
  }
  explicit operator bool() const { return id_ != 0; }

 private:
  guint id_ = 0;
};

}  // namespace agentcast
