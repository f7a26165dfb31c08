// Test helpers for the link commands: a temporary folder, times made stable, golden files. Processes run through
// tests/support/process.h; the demo world behind `pal serve --dev-issuer`: tests/support/dev_world.h.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support/process.h"

namespace openpal::testing {

inline std::string TempDir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
  return ::mkdtemp(pattern.data()) ? pattern : std::string();
}

// The digits of times with a fraction (ARM's 7 digits, ISO's 6) become 'N': they vary from run to run; the width
// stays, so aligned tables stay aligned.
inline std::string NormaliseTimes(std::string text) {
  static const std::regex time("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]+Z");
  for (std::sregex_iterator it(text.begin(), text.end(), time), end; it != end; ++it)
    for (long i = it->position(); i < it->position() + it->length(); ++i)
      if (text[i] >= '0' && text[i] <= '9') text[i] = 'N';
  return text;
}

// Compares `actual` with the golden file `name` in `dir`; OPENPAL_UPDATE_GOLDEN=1 rewrites it instead.
inline std::string CheckGolden(const std::string& dir, const std::string& name, const std::string& actual) {
  std::string path = dir + "/" + name;
  if (const char* update = std::getenv("OPENPAL_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return "";
  }
  if (!std::filesystem::exists(path)) return "missing golden file " + path + " (OPENPAL_UPDATE_GOLDEN=1 writes it)";
  std::string expected = SlurpFile(path);
  return expected == actual ? "" : "differs from " + path + "; got:\n" + actual;
}

}  // namespace openpal::testing
