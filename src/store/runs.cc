// What both stores share of saved runs: finding the run store behind a Store, and the default SaveRunFrom.
#include "store/runs.h"

#include <type_traits>

#include "store/store.h"

namespace openpal {

RunStore* RunsOf(Store& store) { return dynamic_cast<RunStore*>(&store); }

Result<int64_t> RunStore::SaveRunFrom(const RunInfo& info, SavedRowSource& rows) {
  SavedRun run;
  run.info = info;
  auto gather = [](auto next, auto& into) -> Status {
    for (;;) {
      typename std::decay_t<decltype(into)>::value_type row;
      auto more = next(row);
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
      into.push_back(std::move(row));
    }
  };
  Status s = gather([&](SavedReportRow& r) { return rows.NextReport(r); }, run.report);
  if (s.ok()) s = gather([&](SavedUnattributedRow& r) { return rows.NextUnattributed(r); }, run.unattributed);
  if (s.ok()) s = gather([&](SavedReconciliation& r) { return rows.NextReconciliation(r); }, run.reconciliation);
  if (!s.ok()) return s;
  return SaveRun(run);
}

}  // namespace openpal
