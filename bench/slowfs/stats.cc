#include "stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace slowfs {
namespace {

using Counter = std::atomic<uint64_t> Stats::*;

struct Field {
  const char* name;
  Counter counter;
  bool metadata;  ///< Delayed, and part of metadata_ops.
};

/// The JSON keys, in output order; reset() and metadata_ops() walk the same table.
// clang-format off
constexpr Field kFields[] = {
    {"lookup", &Stats::lookup, true},
    {"lookup_negative", &Stats::lookup_negative, false},
    {"getattr", &Stats::getattr, true},
    {"open", &Stats::open, true},
    {"opendir", &Stats::opendir, true},
    {"readdir", &Stats::readdir, true},
    {"readlink", &Stats::readlink, true},
    {"statfs", &Stats::statfs, true},
    {"access", &Stats::access, true},
    {"read", &Stats::read, false},
    {"read_bytes", &Stats::read_bytes, false},
};
// clang-format on

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

void Stats::reset() {
  for (const Field& f : kFields) (this->*f.counter).store(0);
}

uint64_t Stats::metadata_ops() const {
  uint64_t sum = 0;
  for (const Field& f : kFields)
    if (f.metadata) sum += (this->*f.counter).load();
  return sum;
}

std::string to_json(const Stats& stats, const Settings& settings) {
  std::string out = "{\n";
  for (const Field& f : kFields)
    out += "  \"" + std::string(f.name) + "\": " + std::to_string((stats.*f.counter).load()) + ",\n";
  out += "  \"metadata_ops\": " + std::to_string(stats.metadata_ops()) + ",\n";
  char settings_json[256];
  std::snprintf(settings_json, sizeof settings_json,
                "  \"latency_ms\": %g,\n  \"serialise\": %s,\n  \"read_mibps\": %g,\n", settings.latency_ms,
                settings.serialise ? "true" : "false", settings.read_mibps);
  out += settings_json;
  out += "  \"source\": " + json_string(settings.source) + "\n}\n";
  return out;
}

bool write_json_file(const std::string& path, const Stats& stats, const Settings& settings) {
  const std::string tmp = path + ".tmp";
  const std::string text = to_json(stats, settings);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return false;
  }
  return true;
}

}  // namespace slowfs
