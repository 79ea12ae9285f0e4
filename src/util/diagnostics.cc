#include "util/diagnostics.h"

#include <cstdio>

#include "util/text.h"

namespace pybcast::diag {

namespace {

// No destructor: python-mpi's on_exit handler still prints.
std::string_view program_name = "pybcast";

}  // namespace

void set_program(std::string_view name) { program_name = name; }

std::string_view program() { return program_name; }

std::string format_line(Level level, std::string_view message) {
  std::string shown = escape_control(message);
  switch (level) {
    case Level::kError: return fmt::format("{}: error: {}\n", program_name, shown);
    case Level::kWarning: return fmt::format("{}: warning: {}\n", program_name, shown);
    case Level::kNote: return fmt::format("{}: {}\n", program_name, shown);
    case Level::kDetail: break;
  }
  return fmt::format("  {}\n", shown);
}

void print(Level level, std::string_view message) { write_raw(format_line(level, message)); }

void write_raw(std::string_view text) {
  // One fwrite per message: lines of threads that report at once stay whole.
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace pybcast::diag
