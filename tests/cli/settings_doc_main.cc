// Prints one documented option table of the settings table (src/cli/settings_doc.h):
// scripts/update-option-tables.sh writes them into README.md and the man pages.
#include <cstdio>

#include "cli/settings_doc.h"

int main(int argc, char** argv) {
  std::optional<std::string> text = argc == 2 ? pybcast::settings_doc(argv[1]) : std::nullopt;
  if (!text) {
    std::fputs("usage: settings_doc markdown|man-table|man-env|man-env-python-mpi\n", stderr);
    return 2;
  }
  std::fputs(text->c_str(), stdout);
  return 0;
}
