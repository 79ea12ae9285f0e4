#include "util/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include "util/error.h"
#include "util/io.h"
#include "util/settings.h"

extern char** environ;

namespace pybcast {

namespace {

struct Pipe {
  io::Fd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe", errno);
  return {io::Fd(fds[0]), io::Fd(fds[1])};
}

std::vector<std::string> merged_environment(const ChildOptions& options) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : options.env) vars[key] = value;
  std::vector<std::string> env;
  for (const auto& [key, value] : vars) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

/// Feeds stdin and drains stdout/stderr together, so a chatty child can
/// never block on a full pipe while we wait on another one.
void exchange(Pipe& in, Pipe& out, Pipe& err, const std::string& input, ChildResult& result) {
  size_t written = 0;
  if (input.empty()) in.write.reset();
  else ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  char buffer[65536];
  while (out.read.valid() || err.read.valid() || in.write.valid()) {
    pollfd fds[3] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}, {in.write.get(), POLLOUT, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", errno);
    }
    if (fds[2].revents != 0) {
      ssize_t n = ::write(in.write.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.write.reset();
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      io::Fd& fd = i == 0 ? out.read : err.read;
      ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n > 0) (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fd.reset();
    }
  }
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty()) fail("run_child: empty command");
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = merged_environment(options);
  std::vector<char*> c_args = c_strings(args), c_env = c_strings(env);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail("cannot run '{}': {}", argv[0], std::strerror(rc));
  in.read.reset();
  out.write.reset();
  err.write.reset();

  ChildResult result;
  // A child that exits without reading its input must not kill us with
  // SIGPIPE: block it in this thread (write then fails with EPIPE) and
  // discard the pending signal before unblocking. Other threads, and the
  // process's handlers, are left alone.
  sigset_t pipe_signal, previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  auto restore = [&] {
    timespec no_wait{};
    while (::sigtimedwait(&pipe_signal, nullptr, &no_wait) == SIGPIPE) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  };
  try {
    exchange(in, out, err, options.input, result);
  } catch (...) {
    restore();
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw;
  }
  restore();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid", errno);
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

std::string find_program(const std::string& program, const std::string& path) {
  auto runnable = [](const std::string& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) return runnable(program) ? program : "";
  for (const auto& dir : split_list(path))
    if (runnable(dir + "/" + program)) return dir + "/" + program;
  return "";
}

}  // namespace pybcast
