// Cost-export families as data: the columns each family is read from (with their aliases), which are required, how
// a row's charge period is read, and the cost measures. A new export format is one entry in kFamilies
// (export_family.cc) and a test. Contract: docs/spec-attribution.md "Usage input"; decisions: docs/attribution.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openpal::usage {

enum class Family { kFocus, kAzureExport };

// Which FOCUS metric is credited (Azure exports have one cost column).
enum class Measure { kEffective, kBilled };

// How a row's charge period is read.
enum class PeriodRule {
  kStartEnd,  // a start and an end time: [start, end)
  kDay,       // one time: the UTC day that holds it, whether or not a time of day is written
};

// One logical column: the header names it goes by (lower case, the first present wins) and its name in errors.
struct ColumnSpec {
  const char* display = "";
  std::vector<std::string_view> aliases;
  bool required = false;
};

// A family of cost exports, described once.
struct FamilyDescriptor {
  Family family;
  const char* name;    // "FOCUS", "Azure Cost Management export"
  // A column only this family has (lower case): when present, the file is this family's and a missing required
  // column is an error naming it. Empty: the family is the file's when all its required columns are present.
  std::string_view marker;
  const char* needs;   // what the family needs, for the error of a header that fits no family
  PeriodRule period;
  ColumnSpec start, end;           // end: unused (kDay)
  ColumnSpec effective, billed;    // the measures; a family with one cost column lists it as both
  ColumnSpec currency, resource_id, subscription;
};

// Every family, in the order a header is tried against them.
const std::vector<FamilyDescriptor>& ExportFamilies();

// The descriptor of `f`.
const FamilyDescriptor& Describe(Family f);

// Where a family's columns are in one header (-1: absent).
struct FamilyColumns {
  const FamilyDescriptor* family = nullptr;
  int start = -1, end = -1, amount = -1, currency = -1, resource_id = -1, subscription = -1;
};

// The family of a header (its names trimmed and lower-cased) and where its columns are, for `measure`. An error at
// `where` (file:1) names the required columns missing from a family whose marker is present, or what each family
// needs when the header fits none.
Result<FamilyColumns> DetectFamily(const std::vector<std::string>& header, Measure measure, const std::string& where);

}  // namespace openpal::usage
