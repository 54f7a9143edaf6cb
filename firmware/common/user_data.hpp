#pragma once
// Ownership of what we hand to C as callback user data, in one place: to_user_data() gives C
// a heap copy of a value, C frees it through the matching destroy notify, and a callback that
// is called exactly once takes it back with take_user_data(). No naked new or delete elsewhere.
#include <glib-object.h>

#include <memory>
#include <utility>

namespace agentcast {

template <typename T>
gpointer to_user_data(T value) {
  return std::make_unique<T>(std::move(value)).release();
}

template <typename T>
T& user_data(gpointer data) {
  return *static_cast<T*>(data);
}

// For a one-shot callback that owns its data (GAsyncReadyCallback and the like).
template <typename T>
std::unique_ptr<T> take_user_data(gpointer data) {
  return std::unique_ptr<T>(static_cast<T*>(data));
}

// GDestroyNotify.
template <typename T>
void destroy_user_data(gpointer data) {
  take_user_data<T>(data).reset();
}

// GClosureNotify (g_signal_connect_data).
template <typename T>
void destroy_closure_data(gpointer data, GClosure* /*closure*/) {
  take_user_data<T>(data).reset();
}

}  // namespace agentcast
