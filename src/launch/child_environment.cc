#include "launch/child_environment.h"

#include <dlfcn.h>

#include <string_view>

#include <fmt/format.h>

#include "util/error.h"

namespace pybcast {

namespace {

using AuditHook = int (*)(const char* event, void* args, void* user_data);
using AddAuditHook = int (*)(AuditHook, void*);
using RunSimpleString = int (*)(const char*);

struct HookState {
  std::string source;
  RunSimpleString run = nullptr;
  bool done = false;  ///< also guards against our own code's audit events
};
HookState hook_state;

std::string bytes_literal(std::string_view bytes) {
  std::string out = "b'";
  for (unsigned char c : bytes) out += fmt::format("\\x{:02x}", c);
  return out + "'";
}

int restore_at_start(const char* event, void*, void*) {
  if (hook_state.done || !std::string_view(event).starts_with("cpython.run_")) return 0;
  hook_state.done = true;
  hook_state.run(hook_state.source.c_str());  // a failure prints Python's traceback; the job goes on
  return 0;
}

}  // namespace

std::string restore_source(const std::vector<UserValue>& values) {
  std::string out;
  for (const auto& v : values) {
    if (v.value)
      out += fmt::format("__import__('os').environb[{}] = {}\n", bytes_literal(v.name), bytes_literal(*v.value));
    else out += fmt::format("__import__('os').environb.pop({}, None)\n", bytes_literal(v.name));
  }
  return out;
}

void restore_for_children(void* library, const std::vector<UserValue>& values) {
  if (values.empty()) return;
  auto add = reinterpret_cast<AddAuditHook>(dlsym(library, "PySys_AddAuditHook"));
  auto run = reinterpret_cast<RunSimpleString>(dlsym(library, "PyRun_SimpleString"));
  if (add == nullptr || run == nullptr) fail("libpython has no PySys_AddAuditHook: Python 3.8 or newer is required");
  hook_state = {restore_source(values), run, false};
  if (add(restore_at_start, nullptr) != 0) fail("PySys_AddAuditHook failed");
}

}  // namespace pybcast
