#pragma once
// A helper program that runs beside us while we feed it or read it (tar2sqfs
// fed a tar stream, sqfs2tar read as one) or for as long as we live
// (squashfuse_ll serving an image). Unlike run_child it does not wait: the
// caller streams through the pipe it asked for, then calls wait(). Its stderr
// goes to an anonymous memory file, read back for the error message, so a
// chatty child never blocks on it and we never block on it either.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "util/io.h"

namespace pybcast {

struct SpawnOptions {
  enum class Pipe { kNone, kStdin, kStdout };
  Pipe pipe = Pipe::kNone;  ///< which of its standard streams is our pipe (the other is /dev/null)
  /// Sent this signal (0: none) when the thread that spawned it dies,
  /// whatever the cause: a server must not outlive the process it serves.
  int death_signal = 0;
  /// In a session of its own (setsid), so that a launcher killing the job's
  /// process group does not kill it, nor the helpers it starts, before they
  /// have cleaned up (fusermount3's auto_unmount).
  bool own_session = false;
};

struct SpawnedExit {
  int status = 0;   ///< exit code, or 128 + signal number
  std::string err;  ///< what it wrote to stderr
};

class SpawnedChild {
 public:
  /// Starts argv (argv[0] searched on PATH). Throws Error("cannot run ...").
  SpawnedChild(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  /// Kills (SIGKILL) and reaps a child not yet waited for.
  ~SpawnedChild();
  SpawnedChild(const SpawnedChild&) = delete;
  SpawnedChild& operator=(const SpawnedChild&) = delete;

  pid_t pid() const { return pid_; }
  /// Our end of the pipe (write end for kStdin, read end for kStdout).
  int pipe_fd() const { return pipe_.get(); }
  /// Closes our end of the pipe (its stdin then sees end of file).
  void close_pipe() { pipe_.reset(); }
  /// Waits for it to exit (closing our end of the pipe first).
  SpawnedExit wait();
  /// If it has exited already, reaps it; else nullopt.
  std::optional<SpawnedExit> poll();
  /// What it wrote to stderr so far.
  std::string err_text() const;

 private:
  SpawnedExit exited(int wait_status);

  std::string program_;
  pid_t pid_ = -1;
  io::Fd pipe_;
  io::Fd err_;
};

/// "tar2sqfs: <last line of stderr>" or "tar2sqfs exited with status 3".
std::string describe_exit(const std::string& program, const SpawnedExit& exit);

}  // namespace pybcast
