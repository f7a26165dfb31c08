// Fast parsing of the two time shapes that fill cost exports, falling back to core/time.h for every other form.
#pragma once

#include <optional>
#include <string_view>

#include "core/time.h"

namespace openpal::usage {

struct ParsedTime {
  Timestamp at;
  bool date_only = false;  // the text had no time of day (2024-09-01, 09/21/2023)
};

// "YYYY-MM-DD", "YYYY-MM-DD[T ]hh:mm:ss[Z]" and "MM/DD/YYYY" directly; anything else through ParseTime.
// nullopt when the text is not a real time (the caller reports it).
std::optional<ParsedTime> ParseUsageTime(std::string_view text);

}  // namespace openpal::usage
