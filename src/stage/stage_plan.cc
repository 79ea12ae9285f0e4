#include "stage/stage_plan.h"

#include <sstream>

#include <fmt/format.h>

#include "util/error.h"

namespace pybcast {

uint64_t StagePlan::total_bytes() const {
  uint64_t total = 0;
  for (uint64_t s : sizes) total += s;
  return total;
}

bool StagePlan::has_trees() const {
  for (bool t : trees)
    if (t) return true;
  return false;
}

std::string StagePlan::encode() const {
  std::string text = key + "\n";
  for (size_t i = 0; i < names.size(); ++i)
    text += fmt::format("{}{}{} {}:{}\n", sizes[i], i < trees.size() && trees[i] ? "t" : "",
                        i < images.size() && images[i] ? "i" : "", names[i].size(), names[i]);
  return text;
}

StagePlan StagePlan::decode(const std::string& text) {
  StagePlan plan;
  size_t pos = text.find('\n');
  if (pos == std::string::npos) fail("malformed stage plan");
  plan.key = text.substr(0, pos);
  ++pos;
  while (pos < text.size()) {
    size_t space = text.find(' ', pos);
    size_t colon = text.find(':', space);
    if (space == std::string::npos || colon == std::string::npos) fail("malformed stage plan");
    std::string size_text = text.substr(pos, space - pos);
    bool image = size_text.ends_with('i');
    if (image) size_text.pop_back();
    bool tree = size_text.ends_with('t');
    if (tree) size_text.pop_back();
    uint64_t size = std::stoull(size_text);
    size_t length = std::stoull(text.substr(space + 1, colon - space - 1));
    if (colon + 1 + length + 1 > text.size()) fail("malformed stage plan");
    plan.sizes.push_back(size);
    plan.trees.push_back(tree);
    plan.images.push_back(image);
    plan.names.push_back(text.substr(colon + 1, length));
    pos = colon + 1 + length + 1;
  }
  return plan;
}

}  // namespace pybcast
