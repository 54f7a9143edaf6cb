/* Fault injection for the systemd watchdog test, LD_PRELOADed into the box: while the file
 * named by AGENTCAST_TEST_WEDGE_FILE exists, the main thread does not get past poll(), where
 * GLib's main loop waits between iterations. The main loop is wedged as by a blocking call;
 * every other thread (GStreamer's streaming threads) runs on. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

typedef int (*poll_function)(struct pollfd*, nfds_t, int);

int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
  static poll_function real_poll;
  if (real_poll == NULL) {
    /* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer. */
    void* symbol = dlsym(RTLD_NEXT, "poll");
    memcpy(&real_poll, &symbol, sizeof real_poll);
  }
  const char* wedge = getenv("AGENTCAST_TEST_WEDGE_FILE");
  if (wedge != NULL && gettid() == getpid()) {
    const struct timespec pause = {0, 10 * 1000 * 1000};
    while (access(wedge, F_OK) == 0) nanosleep(&pause, NULL);
  }
  return real_poll(fds, count, timeout_ms);
}
