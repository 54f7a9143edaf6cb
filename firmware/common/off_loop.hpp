#pragma once
// Runs blocking work (a file read or written, with fsyncs where asked) on the box's one worker
// thread, `off-loop`, so the main loop never waits on the disk; `done` (optional) runs on the
// main loop afterwards. The work must not touch anything the main loop owns.
//
// One thread, started at the first use and kept: jobs run one at a time in the order given.
// GLib's own pool (what GIO's *_async file calls use) would come and go with the load, one to
// three threads at a time; the appliance's thread budget counts on one. Work that may take
// seconds (a pipeline going to NULL) does not belong here: it would hold up the status file.
#include <functional>

namespace agentcast {

void run_off_loop(std::function<void()> work, std::function<void()> done = {});

}  // namespace agentcast
