#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace agentcast::testing {

// A child process whose stdout and stderr go to `output_file`. Killed and reaped on
// destruction if it is still running, so no test leaves a server behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& output_file,
               const std::vector<std::string>& extra_env = {});
  // Output into a pipe this object reads from (read_output), until close_output() makes the
  // child's next write hit a pipe without a reader, as when journald or a terminal goes away.
  struct OutputPipe {};
  ChildProcess(const std::vector<std::string>& argv, OutputPipe, const std::vector<std::string>& extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // The exit code once it exited normally, -signal when a signal killed it, nullopt when still
  // running after `timeout_ms`.
  std::optional<int> wait_for_exit(int timeout_ms);
  bool running();

  // What the child wrote to the pipe so far (without waiting); "" for a file-backed child.
  std::string read_output();
  void close_output();

 private:
  void spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
             const std::string& output_file, int pipe_write_end);

  pid_t pid_ = -1;
  int output_pipe_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion (bounded), with `extra_env` ("NAME=value") added to its
// environment; returns its exit code and fills `output`.
int run_command(const std::vector<std::string>& argv, std::string* output, int timeout_ms = 60000,
                const std::vector<std::string>& extra_env = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

// Waits (bounded) until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);

}  // namespace agentcast::testing
