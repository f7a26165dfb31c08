// Link changes through the API path: the per-principal counter, created_time rules, the append-only event
// history, and atomicity under concurrent callers.
#include <atomic>
#include <thread>

#include "store_test_util.h"

namespace openpal::testing {
namespace {

class LinksTest : public TempStoreTest {
 protected:
  Result<LinkState> Apply(const std::string& object, Timestamp at, LinkDecision d) {
    return store_->ChangeLink(kTenant, object, at, "req-" + std::to_string(at.micros),
                              [d](const LinkState&) { return d; });
  }
  static inline const std::string kTenant = "11111111-1111-1111-1111-111111111111";
  static inline const std::string kAlice = "aaaaaaaa-0000-0000-0000-000000000001";
};

using A = LinkDecision::Action;

TEST_P(LinksTest, CreateNoneMoveDeleteRecreateCountOneVersionPerChange) {
  auto s = Apply(kAlice, Day(1), {A::kCreate, "1234567"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, 1);
  ASSERT_TRUE(s->current.has_value());
  EXPECT_EQ(s->current->value.created_time, Day(1));
  EXPECT_EQ(s->current->value.source, LinkSource::kApi);

  s = Apply(kAlice, Day(2), {A::kNone, ""});  // PUT to the same ID: idempotent
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version, 1);

  s = Apply(kAlice, Day(3), {A::kMove, "2345678"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, 2);
  EXPECT_EQ(s->current->value.partner_id, "2345678");
  EXPECT_EQ(s->current->value.created_time, Day(1)) << "a move keeps created_time";
  EXPECT_EQ(s->current->valid.from, Day(3));

  s = Apply(kAlice, Day(4), {A::kMove, "2345678"});  // PATCH to the linked ID changes nothing
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version, 2);

  s = Apply(kAlice, Day(5), {A::kDelete, ""});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version, 3);
  EXPECT_FALSE(s->current.has_value());

  s = Apply(kAlice, Day(6), {A::kCreate, "1234567"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->version, 4) << "the counter goes on across delete and re-create";
  EXPECT_EQ(s->current->value.created_time, Day(6)) << "a re-created link is a new link";

  auto cur = store_->CurrentLink(kTenant, kAlice);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, 4);
  EXPECT_EQ(cur->current->value.partner_id, "1234567");

  auto history = store_->LinkHistory(kTenant, kAlice);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  const char* actions[] = {"create", "update", "delete", "create"};
  const char* partners[] = {"1234567", "2345678", "2345678", "1234567"};
  Timestamp ats[] = {Day(1), Day(3), Day(5), Day(6)};
  Timestamp created[] = {Day(1), Day(1), Day(1), Day(6)};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*history)[i].version, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*history)[i].action, actions[i]);
    EXPECT_EQ((*history)[i].partner_id, partners[i]);
    EXPECT_EQ((*history)[i].at, ats[i]);
    EXPECT_EQ((*history)[i].created_time, created[i]);
    EXPECT_EQ((*history)[i].request_id, "req-" + std::to_string(ats[i].micros));
  }

  // The link facts are the validity intervals attribution reads: [1,3) to 1234567, [3,5) to 2345678, [6,∞).
  auto facts = store_->LoadFacts(FactKind::kPartnerLink, Interval{Timestamp::Min(), Timestamp::Max()});
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 3u);
  EXPECT_EQ((*facts)[0].valid, (Interval{Day(1), Day(3)}));
  EXPECT_EQ((*facts)[1].valid, (Interval{Day(3), Day(5)}));
  EXPECT_EQ((*facts)[2].valid, (Interval{Day(6), Timestamp::Max()}));
  EXPECT_EQ(std::get<PartnerLink>((*facts)[2].value).version, 4);
}

TEST_P(LinksTest, TheDeciderSeesTheCurrentState) {
  ASSERT_TRUE(Apply(kAlice, Day(1), {A::kCreate, "1234567"}).ok());
  LinkState seen;
  auto s = store_->ChangeLink(kTenant, kAlice, Day(2), "r", [&](const LinkState& st) {
    seen = st;
    return LinkDecision{};
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(seen.version, 1);
  ASSERT_TRUE(seen.current.has_value());
  EXPECT_EQ(seen.current->value.partner_id, "1234567");
}

TEST_P(LinksTest, ImpossibleDecisionsAreErrorsAndWriteNothing) {
  EXPECT_EQ(Apply(kAlice, Day(1), {A::kMove, "1234567"}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Apply(kAlice, Day(1), {A::kDelete, ""}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Apply(kAlice, Day(1), {A::kCreate, ""}).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Apply(kAlice, Day(1), {A::kCreate, "1234567"}).ok());
  EXPECT_EQ(Apply(kAlice, Day(2), {A::kCreate, "2345678"}).status().code(), StatusCode::kAlreadyExists);
  auto h = store_->LinkHistory(kTenant, kAlice);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size(), 1u);
}

TEST_P(LinksTest, AClockSteppingBackNeverEndsALinkBeforeItBegan) {
  ASSERT_TRUE(Apply(kAlice, Day(5), {A::kCreate, "1234567"}).ok());
  auto s = Apply(kAlice, Day(4), {A::kDelete, ""});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto h = store_->LinkHistory(kTenant, kAlice);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[1].at, Day(5)) << "the delete is moved up to the create, not before it";
  auto counts = store_->CountFacts(FactKind::kPartnerLink);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->first, 1);
  EXPECT_EQ(counts->second, 0) << "closed (as the empty interval [5,5), which overlaps no window)";
}

TEST_P(LinksTest, ImportedLinksAreNotTheApisCurrentLink) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  PartnerLink imported{kTenant, kAlice, "1234567", LinkSource::kImport, Day(0), 0};
  ASSERT_TRUE((*tx)->Insert(imported, {Day(0), Timestamp::Max()}).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  auto cur = store_->CurrentLink(kTenant, kAlice);
  ASSERT_TRUE(cur.ok());
  EXPECT_FALSE(cur->current.has_value());
  EXPECT_EQ(cur->version, 0);
}

// 8 threads each toggle (create/delete) one shared principal 200 times: every change gets its own version.
TEST_P(LinksTest, ConcurrentTogglesOfOnePrincipalLoseNoUpdate) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> changes{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto s = store_->ChangeLink(kTenant, kAlice, Day(1 + i), "t" + std::to_string(t), [&](const LinkState& st) {
          return st.current ? LinkDecision{A::kDelete, ""} : LinkDecision{A::kCreate, "1234567"};
        });
        if (s.ok()) changes++; else errors++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(changes.load(), kThreads * kPerThread);
  auto cur = store_->CurrentLink(kTenant, kAlice);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->version, kThreads * kPerThread);
  EXPECT_FALSE(cur->current.has_value()) << "an even number of toggles ends unlinked";
  auto h = store_->LinkHistory(kTenant, kAlice);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < h->size(); ++i) {
    EXPECT_EQ((*h)[i].version, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*h)[i].action, i % 2 == 0 ? "create" : "delete") << "toggles alternate";
  }
}

// 8 threads, each on its own principal, while readers read: versions are per principal.
TEST_P(LinksTest, ConcurrentChangesOfDifferentPrincipalsKeepTheirOwnCounters) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<bool> done{false};
  std::atomic<int> read_errors{0};
  std::thread reader([&] {
    while (!done) {
      auto cur = store_->CurrentLink(kTenant, "bbbbbbbb-0000-0000-0000-000000000000");
      if (!cur.ok()) read_errors++;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string object = "bbbbbbbb-0000-0000-0000-00000000000" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        auto s = store_->ChangeLink(kTenant, object, Day(1 + i), "r", [&](const LinkState& st) {
          return st.current ? LinkDecision{A::kMove, st.current->value.partner_id == "1234567" ? "2345678" : "1234567"}
                            : LinkDecision{A::kCreate, "1234567"};
        });
        EXPECT_TRUE(s.ok()) << s.status().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  EXPECT_EQ(read_errors.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    std::string object = "bbbbbbbb-0000-0000-0000-00000000000" + std::to_string(t);
    auto cur = store_->CurrentLink(kTenant, object);
    ASSERT_TRUE(cur.ok());
    EXPECT_EQ(cur->version, kPerThread);
    EXPECT_EQ(cur->current->value.created_time, Day(1)) << "moves keep created_time";
    auto h = store_->LinkHistory(kTenant, object);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), static_cast<size_t>(kPerThread));
    for (size_t i = 1; i < h->size(); ++i) EXPECT_LT((*h)[i - 1].version, (*h)[i].version);
  }
}

// ChangeCounter (docs/store.md "Several processes"): unchanged while nothing is committed, moved by a commit of
// this store object (a link change), of another store object on the same file (another process), and by an import.
// On PostgreSQL the counter is the server's (docs/store.md): other tests' commits on the same server move it too, so
// "unchanged" is checked as "two answers in a row were equal" (retried while other tests commit in between).
TEST_P(LinksTest, TheChangeCounterMovesOnEveryCommitOfAnyWriter) {
  auto stable = [&](uint64_t* out) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto a = store_->ChangeCounter();
      auto b = store_->ChangeCounter();
      if (!a.ok() || !b.ok()) return false;
      if (*a == *b) { *out = *b; return true; }
    }
    return false;
  };
  uint64_t quiet = 0;
  ASSERT_TRUE(stable(&quiet)) << "two answers with nothing committed in between are equal";
  auto before = store_->ChangeCounter();
  ASSERT_TRUE(before.ok()) << before.status().ToString();

  ASSERT_TRUE(Apply(kAlice, Timestamp::FromSeconds(1000), {A::kCreate, "1234567"}).ok());
  auto after_own = store_->ChangeCounter();
  ASSERT_TRUE(after_own.ok());
  EXPECT_NE(*after_own, *before) << "this store's own link change";

  auto other = Reopen();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->ChangeLink(kTenant, kAlice, Timestamp::FromSeconds(2000), "other", [](const LinkState&) {
                        return LinkDecision{A::kDelete, {}};
                      }).ok());
  auto after_other = store_->ChangeCounter();
  ASSERT_TRUE(after_other.ok());
  EXPECT_NE(*after_other, *after_own) << "another store object's (process's) commit";

  auto tx = (*other)->BeginImport();
  ASSERT_TRUE(tx.ok());
  Interval always{Timestamp::FromSeconds(1), Timestamp::Max()};
  ASSERT_TRUE((*tx)->Insert(Tenant{kTenant, "T", "t.example"}, always).ok());
  auto during = store_->ChangeCounter();
  ASSERT_TRUE(during.ok());
  if (!postgres()) {
    EXPECT_EQ(*during, *after_other) << "an uncommitted import is not a change";
  }
  uint64_t during_quiet = 0;
  ASSERT_TRUE(stable(&during_quiet)) << "an open, uncommitted import does not keep moving the counter";
  ASSERT_TRUE((*tx)->Commit().ok());
  auto after_import = store_->ChangeCounter();
  ASSERT_TRUE(after_import.ok());
  EXPECT_NE(*after_import, during_quiet) << "a committed import";
}

INSTANTIATE_BACKENDS(LinksTest);

}  // namespace
}  // namespace openpal::testing
