#include "util/spawned_child.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "util/child_process.h"
#include "util/error.h"

extern char** environ;

namespace pybcast {

SpawnedChild::SpawnedChild(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) fail("SpawnedChild: empty command");
  program_ = argv[0];
  const char* path = std::getenv("PATH");
  std::string resolved = argv[0].find('/') != std::string::npos ? argv[0] : find_program(argv[0], path ? path : "");
  if (resolved.empty()) fail("cannot run '{}': not found on PATH", argv[0]);
  int err = ::memfd_create("pybcast-child-stderr", MFD_CLOEXEC);
  if (err < 0) throw_errno("memfd_create", errno);
  err_ = io::Fd(err);
  int fds[2] = {-1, -1};
  if (options.pipe != SpawnOptions::Pipe::kNone && ::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe", errno);
  io::Fd read_end(fds[0]), write_end(fds[1]);
  io::Fd null = io::open("/dev/null", O_RDWR | O_CLOEXEC);
  int child_in = options.pipe == SpawnOptions::Pipe::kStdin ? read_end.get() : null.get();
  int child_out = options.pipe == SpawnOptions::Pipe::kStdout ? write_end.get() : null.get();
  // Everything the child needs is prepared before fork: after it, in a
  // threaded process, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork", errno);
  if (pid == 0) {
    if (options.death_signal != 0) {
      ::prctl(PR_SET_PDEATHSIG, options.death_signal);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    }
    if (options.own_session) ::setsid();
    ::dup2(child_in, 0);
    ::dup2(child_out, 1);
    ::dup2(err_.get(), 2);
    // Signals we block (a staging thread's mask) must not stay blocked in it.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(resolved.c_str(), c_args.data(), environ);
    ::_exit(127);
  }
  pid_ = pid;
  if (options.pipe == SpawnOptions::Pipe::kStdin) pipe_ = std::move(write_end);
  if (options.pipe == SpawnOptions::Pipe::kStdout) pipe_ = std::move(read_end);
}

SpawnedChild::~SpawnedChild() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

SpawnedExit SpawnedChild::exited(int wait_status) {
  pid_ = -1;
  SpawnedExit e;
  e.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  e.err = err_text();
  return e;
}

SpawnedExit SpawnedChild::wait() {
  pipe_.reset();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0)
    if (errno != EINTR) throw_errno("waitpid " + program_, errno);
  return exited(status);
}

std::optional<SpawnedExit> SpawnedChild::poll() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) return exited(status);
  return std::nullopt;
}

std::string SpawnedChild::err_text() const {
  std::string text;
  char buffer[4096];
  for (off_t offset = 0;;) {
    ssize_t n = ::pread(err_.get(), buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
    if (text.size() > (1u << 20)) break;
  }
  return text;
}

std::string describe_exit(const std::string& program, const SpawnedExit& exit) {
  std::string line = last_line(exit.err);
  if (!line.empty()) return fmt::format("{}: {}", program, line);
  if (exit.status > 128) return fmt::format("{} was killed by signal {}", program, exit.status - 128);
  return fmt::format("{} exited with status {}", program, exit.status);
}

}  // namespace pybcast
