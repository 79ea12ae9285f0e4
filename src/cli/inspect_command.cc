// `pybcast inspect BUNDLE [--verify]`: print a bundle's manifest, check its members.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bundle/manifest.h"
#include "cli/commands.h"
#include "cli/exit_status.h"
#include "pack/bundle_reader.h"
#include "pack/import_check.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/units.h"

namespace pybcast {

namespace {

void print_summary(const std::string& bundle, const Manifest& m) {
  auto line = [](const char* key, const std::string& value) {
    if (!value.empty()) fmt::print("{:<14}{}\n", key, value);
  };
  line("bundle:", bundle);
  line("name:", m.name);
  line("kind:", m.kind);
  line("format:", m.format);
  if (!m.python.version.empty())
    line("python:", fmt::format("{} {}{}", m.python.implementation.empty() ? "python" : m.python.implementation,
                                m.python.version, m.python.abi.empty() ? "" : " (" + m.python.abi + ")"));
  std::vector<std::string> versions;
  for (const auto& [name, version] : m.versions) versions.push_back(name + " " + version);
  line("versions:", fmt::format("{}", fmt::join(versions, ", ")));
  line("files:", fmt::format("{} ({} unpacked)", m.files, format_bytes(static_cast<double>(m.unpacked_bytes))));
  line("executable:", m.layout.executable);
  line("libpython:", m.layout.libpython);
  line("stdlib:", m.layout.stdlib);
  line("purelib:", m.layout.purelib);
  if (m.layout.platlib != m.layout.purelib) line("platlib:", m.layout.platlib);
  line("packed from:", m.layout.source_prefix);
  if (m.links) {
    const ManifestLinks& l = *m.links;
    line("symlinks:", fmt::format("{} inside, {} to system directories, {} replaced by their targets, {} dangling",
                                  l.inside, l.system, l.replaced, l.dangling));
    auto names = [&](const char* kind, const std::vector<std::string>& items, uint64_t total) {
      for (const auto& item : items) fmt::print("  {:<12}{}\n", kind, item);
      if (total > items.size()) fmt::print("  {:<12}... and {} more\n", kind, total - items.size());
    };
    names("system:", l.system_links, l.system);
    names("replaced:", l.replaced_links, l.replaced);
    names("dangling:", l.dangling_links, l.dangling);
  }
  if (m.caches) {  // a caches bundle (python-mpi --save-caches): what it holds, by cache
    const ManifestCaches& c = *m.caches;
    line("made on:",
         fmt::format("{}{}, {} node{} merged{}", c.machine, c.host.empty() ? "" : " (host " + c.host + ")", c.nodes,
                     c.nodes == 1 ? "" : "s",
                     c.differing == 0 ? "" : fmt::format(", {} paths differed (first node's kept)", c.differing)));
    for (const auto& k : c.kinds)
      fmt::print("  {:<12}{} file{}, {}{}\n", k.name + ":", k.files, k.files == 1 ? "" : "s",
                 format_bytes(static_cast<double>(k.bytes)), k.variable.empty() ? "" : " (" + k.variable + ")");
  }
}

void print_files(const Manifest& m) {
  for (const auto& e : m.entries) {
    if (!e.link.empty()) fmt::print("{:>12}  {:16}  {} -> {}\n", "", "", e.path, e.link);
    else fmt::print("{:>12}  {:16}  {}\n", e.size, e.xxh3, e.path);
  }
}

/// --check-import: the bundle's top-level packages, imported by `python`
/// from it (and the --with bundles) alone.
void check_import(const std::string& bundle, const Manifest& manifest, const std::vector<std::string>& with,
                  const std::string& python) {
  ImportCheck check = check_bundle_imports(python, bundle, manifest, with, {});
  std::string line = fmt::format("pybcast pack dist --python {} -o MORE.tar.zst", python);
  if (std::string w = describe_import_check(check, line); !w.empty()) fail("{}: {}", bundle, w);
  diag::note("{}: the packed set imports on its own", bundle);
}

}  // namespace

int run_inspect(int argc, char** argv) {
  CLI::App app("Print the manifest of a bundle made by `pybcast pack`; --verify checks every member against it.",
               "pybcast inspect");
  std::string bundle;
  bool json = false, files = false, verify = false, import = false;
  std::vector<std::string> with;
  std::string python = "python3";
  app.add_option("bundle", bundle, "the bundle file")->required();
  app.add_flag("--json", json, "print the manifest member as it is");
  app.add_flag("--files", files, "list every file with its size and xxh3");
  app.add_flag("--verify", verify, "read the whole bundle and compare each member with the manifest");
  app.add_flag("--check-import", import,
               "import the bundle's top-level packages with --python from it (and --with bundles) alone, isolated; "
               "fails naming the modules it lacks");
  app.add_option("--with", with, "a bundle staged beside it, for --check-import (repeatable)")
      ->type_name("BUNDLE")
      ->allow_extra_args(false);
  app.add_option("--python", python, "the python for --check-import (default: python3 on PATH)");
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  return run_reporting_errors([&] {
    std::string text;
    Manifest manifest;
    VerifyReport report;
    if (verify) {
      report = verify_bundle(bundle);
      manifest = report.manifest;
      text = report.manifest_text;
    } else {
      text = read_manifest_text(bundle);
      try {
        manifest = parse_manifest(text);
      } catch (const Error& e) {
        throw e.with_context(bundle);
      }
    }
    if (json) fmt::print("{}", text);
    else print_summary(bundle, manifest);
    if (files) print_files(manifest);
    if (import) {
      std::fflush(stdout);
      check_import(bundle, manifest, with, python);
    }
    if (!verify) return 0;
    std::fflush(stdout);
    if (report.problems.empty()) {
      diag::note("verified {}: all {} members match the manifest", bundle, report.checked);
      return 0;
    }
    for (const auto& p : report.problems) diag::detail(p);
    fail("{}: {} problem{} found by --verify", bundle, report.problems.size(), report.problems.size() == 1 ? "" : "s");
  });
}

}  // namespace pybcast
