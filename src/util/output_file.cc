#include "util/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

/// The one temporary file a signal handler must remove (pack writes one
/// bundle per process).
char g_temp[PATH_MAX];
struct sigaction g_previous_actions[3];
constexpr int kFatalSignals[3] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temp_and_die(int sig) {
  if (g_temp[0] != '\0') ::unlink(g_temp);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_handlers(const std::string& temp) {
  std::strncpy(g_temp, temp.c_str(), sizeof g_temp - 1);
  struct sigaction action {};
  action.sa_handler = remove_temp_and_die;
  for (int i = 0; i < 3; ++i) ::sigaction(kFatalSignals[i], &action, &g_previous_actions[i]);
}

void remove_handlers() {
  for (int i = 0; i < 3; ++i) ::sigaction(kFatalSignals[i], &g_previous_actions[i], nullptr);
  g_temp[0] = '\0';
}

}  // namespace

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path.empty()) fail("no output file given (-o FILE)");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail("cannot write {}: it is a directory", path);
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  temp_ = dir + "." + base + ".tmp-XXXXXX";
  int fd = ::mkostemp(temp_.data(), O_CLOEXEC);  // pip and python must not inherit it
  if (fd < 0) throw_errno("cannot write " + path, errno);
  fd_.reset(fd);
  install_handlers(temp_);
  // mkstemp makes 0600; a bundle is read by the job's other users' tools too.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
}

OutputFile::~OutputFile() {
  if (!committed_) {
    fd_.reset();
    ::unlink(temp_.c_str());
  }
  remove_handlers();
}

void OutputFile::commit() {
  // No fsync: like tar and zstd we leave durability to the file system; the
  // rename alone already keeps readers from ever seeing a partial bundle.
  if (::close(fd_.release()) != 0) throw_errno("cannot write " + path_, errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) throw_errno("cannot write " + path_, errno);
  committed_ = true;
}

}  // namespace pybcast
