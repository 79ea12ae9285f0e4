// `pybcast pack python|dist|dir|env|pip ... -o OUT` and `pybcast pack --from-run -o OUT -- COMMAND`:
// build a reproducible bundle.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "pack/image_writer.h"
#include "pack/packer.h"
#include "pack/progress.h"
#include "tree/file_set.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/temp_dir.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

struct PackFlags {
  PackOptions options;
  std::string format;
  bool no_default_excludes = false;
  bool compile = false, no_compile = false;
  bool no_headers = false;
  ImageOptions image;
};

void add_image_options(CLI::App* app, PackFlags& f) {
  app->add_option("--block-size", f.image.block_bytes, "squashfs block size in bytes (default: 128K)");
}

void add_common(CLI::App* app, PackFlags& f) {
  auto& o = f.options;
  app->add_option("-o,--output", o.output,
                  "bundle file to write (.tar.zst, .tar.gz, .tar or, with --format squashfs, .sqfs)")
      ->required();
  app->add_option("--name", o.name, "name recorded in the manifest (default: the output file's name)");
  app->add_option("--exclude", o.excludes, "leave out names matching GLOB (repeatable; a GLOB with '/' matches paths)")
      ->type_name("GLOB")
      ->allow_extra_args(false);
  app->add_flag("--no-default-excludes", f.no_default_excludes, "keep *.png *.jpg *.html *.pyo *.pyc");
  auto* compile = app->add_flag("--compile", f.compile,
                                "ship unchecked-hash .pyc files compiled by the target python (the default when "
                                "the target python is known; an error without one)");
  app->add_flag("--no-compile", f.no_compile, "leave bytecode out")->excludes(compile);
  app->add_option("--format", f.format,
                  "tar.zst (default), tar.gz, tar, or squashfs: an image bundle that staging mounts instead of "
                  "extracting (default: from the output name; .sqfs is squashfs)")
      ->check(CLI::IsMember({"tar.zst", "tar.gz", "tar", "squashfs"}));
  app->add_option("--level", o.level, "compression level (default: zstd 3, gzip 6; squashfs: zstd 6)");
  add_image_options(app, f);
  app->add_option("--threads", o.threads, "compression and hashing threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
}

void add_python(CLI::App* app, PackFlags& f, const char* help) { app->add_option("--python", f.options.python, help); }

void print_result(const PackResult& r) {
  for (const auto& note : r.notes) diag::note(note);
  for (const auto& warning : r.warnings) diag::warning(warning);
  diag::note("wrote {}: {}", r.output, format_summary(r.files, r.unpacked, r.packed, r.seconds));
}

/// Options, then the rest of the command line is what to finish: shared by
/// the subcommands and --from-run.
int finish(PackFlags& f) {
  f.options.default_excludes = !f.no_default_excludes;
  if (f.compile) f.options.compile = true;
  if (f.no_compile) f.options.compile = false;
  f.options.headers = !f.no_headers;
  if (!f.format.empty()) f.options.format = compression_for_name("." + f.format);
  f.options.progress = ::isatty(STDERR_FILENO) != 0;
  bool image = f.format == "squashfs" || (f.format.empty() && f.options.output.ends_with(".sqfs"));
  if (image) f.options.format = Compression::kNone;
  return run_reporting_errors([&] {
    if (!image) {
      print_result(pack(f.options));
      return kExitOk;
    }
    // The tar stream pack makes, then its image (pack/image_writer.h).
    std::string output = f.options.output;
    if (f.options.name.empty()) f.options.name = bundle_name_for(output);
    TempDir scratch(parent_path(output).empty() ? "." : parent_path(output), ".pybcast-pack-");
    f.options.output = scratch.path() + "/" + file_name(output) + ".tar";
    if (f.options.level != 0) f.image.level = f.options.level;
    f.options.level = 0;
    f.image.threads = f.options.threads;
    PackResult r = pack(f.options);
    ImageResult image_result = write_image({r.output}, output, f.image);
    r.output = output;
    r.packed = image_result.bytes;
    print_result(r);
    return kExitOk;
  });
}

/// True when --from-run comes before any "--" (after it, it is the traced command's).
bool wants_from_run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return false;
    if (a == "--from-run") return true;
  }
  return false;
}

/// `pybcast pack --from-run [options] -o OUT -- COMMAND...`
int run_pack_from_run(int argc, char** argv) {
  CLI::App app(
      "Run COMMAND once (python script.py ..., or mpirun -n 2 python script.py ...) with a Python audit hook, then\n"
      "pack exactly the modules, data files and non-system shared libraries it touched, laid out where the\n"
      "target python finds them. Reports what was included and what stays where it is, with sizes.",
      "pybcast pack --from-run");
  PackFlags f;
  f.options.kind = PackKind::from_run;
  bool from_run = false;
  app.add_flag("--from-run", from_run, "trace COMMAND and pack what it touched")->required();
  add_common(&app, f);
  add_python(&app, f,
             "the python whose processes are packed, laid out for it (default: the first process's; processes of "
             "other pythons are left out)");
  app.add_flag("--with-python", f.options.with_python,
               "also pack the interpreter's own files the run touched (stdlib modules, lib-dynload, libpython, "
               "the binary): one self-contained bundle");
  app.add_option("command", f.options.targets, "the command to trace, after --")->required();
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  return finish(f);
}

}  // namespace

int run_pack(int argc, char** argv) {
  if (wants_from_run(argc, argv)) return run_pack_from_run(argc, argv);
  CLI::App app("Build a reproducible bundle (tar + zstd/gzip, manifest first) for `pybcast stage`.", "pybcast pack");
  app.require_subcommand(1);
  app.footer(
      "pybcast pack --from-run [options] -o OUT -- COMMAND...\n"
      "  trace one run of COMMAND (python script.py ...) and pack exactly what it touched;\n"
      "  see `pybcast pack --from-run --help`.");
  PackFlags f;
  const char* target_python = "the python to ask and pack for (default: python3 on PATH)";

  CLI::App* python = app.add_subcommand(
      "python", "the interpreter: bin/pythonX.Y, standard library, lib-dynload, libpython, C headers");
  add_common(python, f);
  add_python(python, f, target_python);
  python
      ->add_option("--keep", f.options.keep,
                   "keep a part of the standard library left out by default: "
                   "test, idlelib, tkinter, ensurepip, __pycache__, config, site-packages (repeatable)")
      ->type_name("PART")
      ->allow_extra_args(false);
  python->add_flag("--no-headers", f.no_headers,
                   "leave out the C headers (include/pythonX.Y: what f2py, cffi, setuptools and Triton compile "
                   "against at run time)");

  CLI::App* dist = app.add_subcommand("dist", "installed distributions, found from their metadata");
  dist->add_option("names", f.options.targets, "distribution names")->required();
  dist->add_flag("--deps", f.options.deps, "also pack the installed distributions they require");
  dist->add_flag(
      "--no-check", [&f](int64_t) { f.options.check = false; },
      "skip the import check (after packing, the target python imports the named packages from the "
      "bundle alone, isolated, and warns of modules it lacks)");
  dist->add_option("--with", f.options.with,
                   "a bundle staged beside this one, for the import check (a python bundle, other dist bundles; "
                   "repeatable)")
      ->type_name("BUNDLE")
      ->allow_extra_args(false);
  add_common(dist, f);
  add_python(dist, f, target_python);

  CLI::App* dir = app.add_subcommand("dir", "a prefix directory as it is (easy_install --prefix, ~/.local)");
  dir->add_option("prefix", f.options.targets, "the directory")->required()->expected(1);
  add_common(dir, f);
  add_python(dir, f, "move site directories to where this python finds them, and --compile with it");

  CLI::App* env = app.add_subcommand("env", "a venv or a conda environment");
  env->add_option("path", f.options.targets, "the environment's directory")->required()->expected(1);
  add_common(env, f);
  add_python(env, f, "the environment's python (default: PATH/bin/python)");

  CLI::App* pip = app.add_subcommand("pip", "what `pip install --prefix` installs; pip's arguments go after --");
  pip->add_option("args", f.options.targets, "arguments for pip install")->required();
  add_common(pip, f);
  add_python(pip, f, target_python);

  CLI::App* image = app.add_subcommand(
      "image",
      "convert tar bundles into one image bundle (squashfs): merged in order, a later bundle winning; or seal one "
      "squashfs image made elsewhere (mksquashfs, tar2sqfs) as an image bundle");
  std::vector<std::string> image_inputs;
  image
      ->add_option("bundles", image_inputs,
                   "tar bundles made by pack (or any tar staging accepts), or one squashfs image")
      ->required();
  image->add_option("-o,--output", f.options.output, "image bundle to write (.sqfs)")->required();
  image->add_option("--level", f.image.level, "zstd level of the image's blocks (default: 6)");
  image->add_option("--threads", f.image.threads, "compression threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  add_image_options(image, f);

  if (auto status = parse_command_line(app, argc, argv)) return *status;
  if (image->parsed())
    return run_reporting_errors([&] {
      Stopwatch clock;
      ImageResult r = write_image(image_inputs, f.options.output, f.image);
      if (!r.warnings.empty())
        diag::warning("{} symlink{} point off the node (kept, as staging keeps them), e.g. {}", r.warnings.size(),
                      r.warnings.size() == 1 ? "" : "s", r.warnings.front());
      diag::note("wrote {}: {} bundle{} as one image, {} in {}", f.options.output, image_inputs.size(),
                 image_inputs.size() == 1 ? "" : "s", format_bytes(static_cast<double>(r.bytes)),
                 format_seconds(clock.seconds()));
      return kExitOk;
    });
  const std::pair<CLI::App*, PackKind> kinds[] = {{python, PackKind::python},
                                                  {dist, PackKind::dist},
                                                  {dir, PackKind::dir},
                                                  {env, PackKind::env},
                                                  {pip, PackKind::pip}};
  for (const auto& [sub, kind] : kinds)
    if (sub->parsed()) f.options.kind = kind;
  return finish(f);
}

}  // namespace pybcast
