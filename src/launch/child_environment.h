#pragma once
// What python-mpi sets for its own interpreter only goes back to the user's
// values once that interpreter has read it, before the user's code runs:
// a child then gets what it would get from the user's shell. PYTHONHOME
// would make another Python read the staged standard library (and fail:
// "Python path configuration: PYTHONHOME = ..."), and PYTHONHASHSEED only
// makes the ranks agree; the staged interpreter finds its home from its own
// path, as any relocatable Python does, so its children need neither. The
// rest (PATH, LD_LIBRARY_PATH, PYTHONPYCACHEPREFIX, PYTHONNOUSERSITE, the
// node-local cache directories) name node-local places children of the
// staged interpreter need and is kept (docs/design.md, "Children").
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// A variable and the value the user had (nullopt: unset).
struct UserValue {
  std::string name;
  std::optional<std::string> value;
};

/// Python source that gives os.environ (and so the process environment:
/// os.environ writes through to it) the user's values back, binding no
/// name in __main__. Every byte is escaped: values are arbitrary bytes.
std::string restore_source(const std::vector<UserValue>& values);

/// Registers an audit hook in the loaded libpython (`library`: its dlopen
/// handle; PySys_AddAuditHook, Python 3.8) that runs restore_source once,
/// at the first cpython.run_* event: after initialisation, before the
/// script, -c, -m, stdin or the interactive prompt. Nothing to do: no hook.
void restore_for_children(void* library, const std::vector<UserValue>& values);

}  // namespace pybcast
