#pragma once
// Human-readable numbers for reports and progress lines.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pybcast {

/// 1536 -> "1.5 KiB"; binary units, three significant digits.
std::string format_bytes(double bytes);
/// 0.0123 -> "12.3 ms"; 75 -> "1m15s".
std::string format_seconds(double seconds);
/// Bytes per second as "812 MiB/s".
std::string format_rate(double bytes, double seconds);
/// Parses "4M", "512k", "1G", "65536" (binary multiples); throws Error on junk.
uint64_t parse_size(const std::string& text);
/// A count written in decimal digits alone ("0", "16"); nullopt for anything
/// else (signs, spaces, units, a value past 64 bits), which the caller names.
std::optional<uint64_t> parse_count(std::string_view text);

}  // namespace pybcast
