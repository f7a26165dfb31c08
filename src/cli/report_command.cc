// `pal report`: influenced revenue (or not-credited cost) from the runs saved by `pal attribute --save`, grouped as
// asked, per currency with totals, as a table, CSV, TSV or JSON (docs/reports.md).
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"
#include "engine/report_query.h"

namespace openpal::cli {
namespace {

struct ReportArgs {
  std::string partner, customer, from, to, db, output = "table";
  std::vector<std::string> by;
  int64_t run = 0;
  bool unattributed = false, list_runs = false;
};

// Money cells: exact decimal text for machines, "1,234.56" for people.
void AddMoney(std::vector<std::string>& cells, std::vector<std::string>& text, usage::Money m) {
  cells.push_back(usage::FormatMoney(m));
  text.push_back(FormatAmount(m));
}

// The influence report as a table: the group columns in `by` order, then currency and the figures.
Table InfluenceTable(const engine::InfluenceReport& report) {
  std::vector<TableColumn> columns;
  for (engine::GroupBy g : report.by) {
    switch (g) {
      case engine::GroupBy::kPartner:
        columns.push_back({"partnerId", "Partner", false, true});
        columns.push_back({"partnerName", "Partner name", false});
        break;
      case engine::GroupBy::kCustomer:
        columns.push_back({"customerTenantId", "Customer tenant", false, true});
        columns.push_back({"customerName", "Customer", false});
        break;
      case engine::GroupBy::kSubscription: columns.push_back({"subscriptionId", "Subscription", false, true}); break;
      case engine::GroupBy::kMonth: columns.push_back({"month", "Month", false, true}); break;
      case engine::GroupBy::kAdminType: columns.push_back({"adminType", "Admin type", false}); break;
    }
  }
  const size_t group_columns = columns.size();
  columns.push_back({"currency", "Currency", false, true});
  columns.push_back({"usageRows", "Usage rows", true});
  columns.push_back({"totalCost", "Total cost", true});
  columns.push_back({"attributedCost", "Attributed", true});
  Table table(columns);
  for (const auto& r : report.rows) {
    std::vector<std::string> cells;
    for (engine::GroupBy g : report.by) {
      switch (g) {
        case engine::GroupBy::kPartner: cells.push_back(r.partner_id); cells.push_back(r.partner_name); break;
        case engine::GroupBy::kCustomer:
          cells.push_back(r.customer_tenant_id);
          cells.push_back(r.customer_name);
          break;
        case engine::GroupBy::kSubscription: cells.push_back(r.subscription_id); break;
        case engine::GroupBy::kMonth: cells.push_back(r.month); break;
        case engine::GroupBy::kAdminType: cells.push_back(r.admin_type); break;
      }
    }
    cells.push_back(r.currency);
    cells.push_back(std::to_string(r.usage_rows));
    std::vector<std::string> text = cells;
    AddMoney(cells, text, r.total_cost);
    AddMoney(cells, text, r.attributed_cost);
    table.AddRow(std::move(cells), std::move(text));
  }
  // Without group columns the rows already are the per-currency totals.
  if (group_columns > 0) {
    for (const auto& t : report.totals) {
      std::vector<std::string> cells(group_columns);
      cells[0] = "Total";
      cells.push_back(t.currency);
      cells.push_back(std::to_string(t.usage_rows));
      std::vector<std::string> text = cells;
      AddMoney(cells, text, t.total_cost);
      AddMoney(cells, text, t.attributed_cost);
      table.AddTotal(std::move(cells), std::move(text));
    }
  }
  return table;
}

Table UnattributedTable(const engine::UnattributedReport& report) {
  Table table({{"customerTenantId", "Customer tenant", false, true},
               {"subscriptionId", "Subscription", false, true},
               {"month", "Month", false, true},
               {"currency", "Currency", false, true},
               {"reason", "Reason", false, true},
               {"usageRows", "Usage rows", true},
               {"totalCost", "Total cost", true}});
  for (const auto& r : report.rows) {
    std::vector<std::string> cells = {r.customer_tenant_id, r.subscription_id, r.month, r.currency, r.reason,
                                      std::to_string(r.usage_rows)};
    std::vector<std::string> text = cells;
    AddMoney(cells, text, r.total_cost);
    table.AddRow(std::move(cells), std::move(text));
  }
  for (const auto& t : report.totals) {
    std::vector<std::string> cells = {"Total", "", "", t.currency, "", std::to_string(t.usage_rows)};
    std::vector<std::string> text = cells;
    AddMoney(cells, text, t.total_cost);
    table.AddTotal(std::move(cells), std::move(text));
  }
  return table;
}

Table RunsTable(const std::vector<RunInfo>& runs) {
  Table table({{"runId", "Run", true},
               {"createdTime", "Created", false, true},
               {"from", "From", false, true},
               {"to", "To", false, true},
               {"rolePolicy", "Role policy", false, true},
               {"measure", "Measure", false, true},
               {"files", "Files", false}});
  for (const auto& r : runs) {
    std::string files;
    for (const auto& f : r.files) files += (files.empty() ? "" : " ") + f.path;
    table.AddRow({std::to_string(r.run_id), FormatIsoTime(r.created), r.from, r.to, r.role_policy, r.measure, files});
  }
  return table;
}

int RunReport(const ReportArgs& args) {
  auto format = ParseTableFormat(args.output);
  engine::ReportQuery q;
  if (!args.partner.empty()) q.partner = args.partner;
  if (!args.customer.empty()) q.customer = args.customer;
  if (!args.from.empty()) q.from = args.from;
  if (!args.to.empty()) q.to = args.to;
  if (args.run > 0) q.run = args.run;
  auto by = engine::ParseGroupBy(args.by.empty() ? std::vector<std::string>{"partner,customer,month"} : args.by);
  if (!by.ok()) {
    std::cerr << "pal report: --by: " << by.status().message() << "\n";
    return kExitUsage;
  }
  q.by = *by;
  Status valid = engine::ValidateQuery(q);
  if (!valid.ok()) {
    std::cerr << "pal report: " << valid.message() << "\n";
    return kExitUsage;
  }
  if (args.unattributed && !q.partner) {
    std::cerr << "pal report: --unattributed needs --partner (the not-credited cost of that partner's customers)\n";
    return kExitUsage;
  }
  auto store = OpenExistingStore(args.db);
  if (!store.ok()) {
    std::cerr << "pal report: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  const TextStyle style = StdoutStyle();
  if (args.list_runs) {
    RunStore* runs = RunsOf(**store);
    auto list = runs ? runs->ListRuns() : Result<std::vector<RunInfo>>(Status::Error(StatusCode::kIoError, "no runs"));
    if (!list.ok()) {
      std::cerr << "pal report: " << list.status().ToString() << "\n";
      return kExitFailure;
    }
    if (*format == TableFormat::kJson) std::cout << engine::RunsJson(*list);
    else RunsTable(*list).Write(*format, style, std::cout);
    return kExitOk;
  }
  if (args.unattributed) {
    auto report = engine::QueryUnattributed(**store, q);
    if (!report.ok()) {
      std::cerr << "pal report: " << report.status().ToString() << "\n";
      return report.status().code() == StatusCode::kNotFound ? kExitUsage : kExitFailure;
    }
    if (*format == TableFormat::kJson) std::cout << engine::UnattributedJson(*report, *q.partner);
    else UnattributedTable(*report).Write(*format, style, std::cout);
    return kExitOk;
  }
  auto report = engine::QueryInfluence(**store, q);
  if (!report.ok()) {
    std::cerr << "pal report: " << report.status().ToString() << "\n";
    return report.status().code() == StatusCode::kNotFound ? kExitUsage : kExitFailure;
  }
  if (report->runs.empty()) std::cerr << "pal report: no saved runs; use pal attribute --save first\n";
  if (*format == TableFormat::kJson) std::cout << engine::InfluenceJson(*report, q.partner);
  else InfluenceTable(*report).Write(*format, style, std::cout);
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "report", 42, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<ReportArgs>();
      CLI::App* sub = app.add_subcommand(
          "report", "Influenced revenue from the runs saved by `pal attribute --save`, grouped, per currency, totalled");
      sub->add_option("--partner", args->partner, "Only this partner ID");
      sub->add_option("--customer", args->customer, "Only this customer tenant ID");
      sub->add_option("--from", args->from, "First month, YYYY-MM (inclusive)");
      sub->add_option("--to", args->to, "Last month, YYYY-MM (inclusive)");
      sub->add_option("--by", args->by,
                      "Group by any of partner, customer, subscription, month, adminType, in order "
                      "(default partner,customer,month)")
          ->expected(1, -1);
      sub->add_option("--run", args->run, "Read this saved run only (default: the newest run of each usage file)");
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--output", args->output, "table (default), csv, tsv or json")
          ->check(CLI::IsMember({"table", "csv", "tsv", "json"}));
      sub->add_flag("--unattributed", args->unattributed,
                    "The not-credited cost of the --partner's customers instead, per subscription, month and reason");
      sub->add_flag("--list-runs", args->list_runs, "List the saved runs instead");
      return [args] { return RunReport(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
