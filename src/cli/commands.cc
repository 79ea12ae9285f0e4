#include "cli/commands.h"

#include <algorithm>
#include <vector>

namespace pybcast {

namespace {

const Command kCommands[] = {
    {"stage", "copy bundles once to every node's local storage (run under MPI)", run_stage},
    {"run", "stage, then run Python in-process with MPI initialized (= python-mpi)", run_run},
    {"pack", "build a reproducible bundle: python, dist, dir, env or pip", run_pack},
    {"inspect", "print a bundle's manifest; --verify checks every member", run_inspect},
    {"gc", "remove node-local cache entries (all, idle, or over a size budget)", run_gc},
    {"doctor", "find what a Python start-up reads from shared file systems, and say what to change", run_doctor},
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const Command> commands() { return kCommands; }

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string suggest_command(std::string_view name) {
  std::string best;
  size_t best_distance = 3;  // more edits than this is not a typo
  for (const auto& c : kCommands) {
    size_t d = edit_distance(name, c.name);
    if (d < best_distance || (std::string_view(c.name).starts_with(name) && !name.empty())) {
      best_distance = std::min(d, best_distance);
      best = c.name;
    }
  }
  return best;
}

}  // namespace pybcast
