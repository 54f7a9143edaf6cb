#pragma once
// One function per command of the command line; each returns the process exit code.
#include "app/cli.hpp"

namespace agentcast::app {

int run_command(const Command& command);
int probe_command(const Command& command);
int register_command(const Command& command);
int verify_command(const Command& command);
int chat_send_command(const Command& command);
int status_command(const Command& command);
// `agent interrupt`: asks the running box (SIGUSR2 to the pid in its fresh status) to cut the
// agent's turn short.
int agent_interrupt_command(const Command& command);

}  // namespace agentcast::app
