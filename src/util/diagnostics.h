#pragma once
// The one voice of the program on stderr. Every layer reports through it, so
// that a message names the program that was started ("pybcast" or
// "python-mpi", set once in main), has one shape per level, and cannot carry
// raw control characters from user text (bundle member names, paths) to the
// terminal. It is also the one place that writes to stderr, and it flushes
// each write: ranks die by MPI_Abort or a signal, and what they said must be
// out by then.
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pybcast::diag {

enum class Level {
  kError,    ///< "<program>: error: <message>"
  kWarning,  ///< "<program>: warning: <message>"
  kNote,     ///< "<program>: <message>"
  kDetail,   ///< "  <message>": a line that continues the message before it
};

/// Names the program in every message; `name` must be a literal (it is read
/// at exit). Until it is called, messages say "pybcast".
void set_program(std::string_view name);
std::string_view program();

/// One line as it goes to stderr: prefix, level, the message with its control
/// characters escaped, and a newline. Pure but for the program name.
std::string format_line(Level level, std::string_view message);

/// Writes one line (format_line) to stderr.
void print(Level level, std::string_view message);

/// Writes `text` to stderr as it is: a screen (--report, the audit) or a
/// progress line, formatted by its owner, who escapes what it shows.
void write_raw(std::string_view text);

inline void error(std::string_view message) { print(Level::kError, message); }
inline void warning(std::string_view message) { print(Level::kWarning, message); }
inline void note(std::string_view message) { print(Level::kNote, message); }
inline void detail(std::string_view message) { print(Level::kDetail, message); }

/// The same with fmt's formatting (at least one argument).
template <typename Arg, typename... Args>
void error(fmt::format_string<Arg, Args...> format, Arg&& arg, Args&&... args) {
  error(fmt::format(format, std::forward<Arg>(arg), std::forward<Args>(args)...));
}
template <typename Arg, typename... Args>
void warning(fmt::format_string<Arg, Args...> format, Arg&& arg, Args&&... args) {
  warning(fmt::format(format, std::forward<Arg>(arg), std::forward<Args>(args)...));
}
template <typename Arg, typename... Args>
void note(fmt::format_string<Arg, Args...> format, Arg&& arg, Args&&... args) {
  note(fmt::format(format, std::forward<Arg>(arg), std::forward<Args>(args)...));
}

}  // namespace pybcast::diag
