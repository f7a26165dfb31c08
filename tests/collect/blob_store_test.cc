// Reading cost exports from Azure Blob Storage (collect/blob_store.h) against an in-process fake of the Blob service:
// URL forms, the Shared Key string to sign, List Blobs paging, ranged reads through 5xx faults and timeouts, a blob
// replaced mid-read, manifests naming missing blobs, and refused credentials whose SAS never reaches a message.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "collect/blob_store.h"

namespace openpal::collect {
namespace {

// A container "c" of account "acct", path style (as Azurite serves it), with faults the test turns on.
class FakeBlobService {
 public:
  FakeBlobService() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeBlobService() {
    server_.stop();
    thread_.join();
  }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port_) + "/acct/c"; }

  std::map<std::string, std::string> blobs;  // name → bytes
  std::string etag = "\"0x8DC0FFEE\"";
  int fail_every = 0;           // every n-th blob GET answers 500 (0: never)
  int slow_every = 0;           // every n-th blob GET waits past the client's timeout
  bool replace_after_first = false;  // the blob's ETag changes after its first range was served
  size_t replace_after_ranges = 0;   // ... or once this many ranges were served in all (0: never)
  std::string required_sig;     // when set, a request without this sig= is refused (403)
  std::mutex mu;
  std::vector<std::string> ranges, if_matches, list_markers, authorizations;
  std::atomic<int> blob_gets{0};

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    if (!required_sig.empty() && req.get_param_value("sig") != required_sig) {
      res.status = 403;
      res.set_header("x-ms-error-code", "AuthenticationFailed");
      res.set_content("<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to "
                      "authenticate the request.\nRequestId:1</Message></Error>",
                      "application/xml");
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      authorizations.push_back(req.get_header_value("Authorization") + " " + req.get_header_value("x-ms-version"));
    }
    if (req.path == "/acct/c" && req.get_param_value("comp") == "list") return List(req, res);
    const std::string prefix = "/acct/c/";
    if (req.path.rfind(prefix, 0) != 0) {
      res.status = 404;
      return;
    }
    const std::string name = req.path.substr(prefix.size());
    int n = ++blob_gets;
    if (fail_every && n % fail_every == 0) {
      res.status = 500;
      return;
    }
    if (slow_every && n % slow_every == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto it = blobs.find(name);
    if (it == blobs.end()) {
      res.status = 404;
      res.set_header("x-ms-error-code", "BlobNotFound");
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    const std::string if_match = req.get_header_value("If-Match");
    if_matches.push_back(if_match);
    if (!if_match.empty() && if_match != etag) {
      res.status = 412;
      res.set_header("x-ms-error-code", "ConditionNotMet");
      return;
    }
    const std::string range = req.get_header_value("Range");
    ranges.push_back(range);
    res.set_header("ETag", etag);
    if (replace_after_first || ranges.size() == replace_after_ranges) etag = "\"0x8DBEEF\"";
    // cpp-httplib answers a Range request itself (206 and Content-Range over the whole content), as the service does.
    res.set_content(it->second, "application/octet-stream");
  }

  void List(const httplib::Request& req, httplib::Response& res) {
    const std::string prefix = req.get_param_value("prefix"), marker = req.get_param_value("marker");
    const int page = std::stoi(req.get_param_value("maxresults"));
    {
      std::lock_guard<std::mutex> lock(mu);
      list_markers.push_back(marker);
    }
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"x\" "
                      "ContainerName=\"c\"><Prefix>" + prefix + "</Prefix><Blobs>";
    int count = 0;
    std::string next;
    for (const auto& [name, bytes] : blobs) {
      if (name.rfind(prefix, 0) != 0 || (!marker.empty() && name < marker)) continue;
      if (count == page) {
        next = name;
        break;
      }
      ++count;
      std::string escaped;
      for (char ch : name) escaped += ch == '&' ? std::string("&amp;") : std::string(1, ch);
      xml += "<Blob><Name>" + escaped + "</Name><Properties><Content-Length>" + std::to_string(bytes.size()) +
             "</Content-Length><Etag>" + etag + "</Etag></Properties></Blob>";
    }
    xml += "</Blobs><NextMarker>" + next + "</NextMarker></EnumerationResults>";
    res.set_content(xml, "application/xml");
  }

  httplib::Server server_;
  int port_;
  std::thread thread_;
};

BlobStoreOptions FastOptions() {
  BlobStoreOptions o;
  o.retry.max_attempts = 4;
  o.retry.base_delay = std::chrono::milliseconds(1);
  o.retry.max_delay = std::chrono::milliseconds(5);
  o.timeout_seconds = 1;
  o.chunk_bytes = 64 << 10;
  o.list_page_size = 2;
  return o;
}

std::string ReadAll(BlobStore& store, const std::string& name, Status* error = nullptr) {
  auto source = store.OpenRaw(name);
  EXPECT_TRUE(source.ok());
  std::string out;
  std::vector<char> buffer(10000);
  for (;;) {
    auto n = (*source)->Read(buffer.data(), buffer.size());
    if (!n.ok()) {
      if (error) *error = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

TEST(BlobUrl, HostStyleAndTheEmulatorsPathStyleAreParsedAndBadOnesRefused) {
  auto host = ParseBlobUrl("https://contoso.blob.core.windows.net/exports/focus/2026%2009/?sv=1&sig=SECRET");
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(host->account, "contoso");
  EXPECT_FALSE(host->path_style);
  EXPECT_EQ(host->container, "exports");
  EXPECT_EQ(host->path, "focus/2026 09/");
  EXPECT_EQ(host->sas, "sv=1&sig=SECRET");
  EXPECT_EQ(host->BlobAddress("a b/part_0.csv"), "https://contoso.blob.core.windows.net/exports/a%20b/part_0.csv");
  auto emulator = ParseBlobUrl("http://127.0.0.1:10000/devstoreaccount1/costs");
  ASSERT_TRUE(emulator.ok());
  EXPECT_TRUE(emulator->path_style);
  EXPECT_EQ(emulator->account, "devstoreaccount1");
  EXPECT_EQ(emulator->container, "costs");
  EXPECT_EQ(emulator->path, "");
  EXPECT_EQ(emulator->BlobPath("x.csv"), "/devstoreaccount1/costs/x.csv");
  for (const char* bad : {"http://contoso.blob.core.windows.net/c/x",  // plain http off loopback
                          "https://example.com/c/x",                   // not a Blob endpoint
                          "https://contoso.blob.core.windows.net/",    // no container
                          "http://127.0.0.1:10000/devstoreaccount1"}) {
    auto r = ParseBlobUrl(std::string(bad) + "?sig=SECRET");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().ToString().find("SECRET"), std::string::npos) << r.status().ToString();
  }
}

TEST(SharedKey, TheStringToSignFollowsTheDocumentedLayout) {
  // learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key: VERB, eleven standard headers (an empty
  // line each when absent), the x-ms-* headers sorted, then /ACCOUNT + the encoded path and the sorted query
  // parameters, one a line, names lowercase, values decoded.
  HeaderList headers = {{"x-ms-version", "2021-08-06"}, {"x-ms-date", "Fri, 04 Dec 2026 20:00:00 GMT"},
                        {"Range", "bytes=0-65535"}, {"If-Match", "\"0x1\""}};
  std::string s = SharedKeyStringToSign("GET", "devstoreaccount1", "/devstoreaccount1/costs",
                                        {{"restype", "container"}, {"comp", "list"}, {"prefix", "a b/"}}, headers);
  EXPECT_EQ(s,
            "GET\n\n\n\n\n\n\n\n\"0x1\"\n\n\nbytes=0-65535\n"
            "x-ms-date:Fri, 04 Dec 2026 20:00:00 GMT\nx-ms-version:2021-08-06\n"
            "/devstoreaccount1/devstoreaccount1/costs\ncomp:list\nprefix:a b/\nrestype:container");
  // HMAC-SHA256 with the decoded key, base64: RFC 4231 test case 2's key and data.
  auto sig = SharedKeySignature("SmVmZQ==", "what do ya want for nothing?");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  EXPECT_FALSE(SharedKeySignature("not base64!", "x").ok());
}

TEST(BlobStore, ListsEveryPageAndReadsEachBlobByRangesThroughFaultsAndTimeouts) {
  FakeBlobService fake;
  std::mt19937 rng(18);
  std::string big;
  while (big.size() < 300000) big += "row," + std::to_string(rng()) + "\n";
  for (int i = 0; i < 5; ++i) fake.blobs["exp/file" + std::to_string(i) + ".csv"] = i == 2 ? big : "h\n1\n";
  fake.blobs["exp/notes.txt"] = "not an export";
  fake.blobs["other/x.csv"] = "h\n";
  fake.fail_every = 3;
  fake.slow_every = 7;
  std::vector<std::string> notes;
  auto options = FastOptions();
  options.note = [&](const std::string& n) { notes.push_back(n); };
  BlobStore store(options);
  auto blobs = store.Expand(fake.root() + "/exp");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  ASSERT_EQ(blobs->size(), 5u) << "the five CSV blobs under exp/, not notes.txt nor other/";
  EXPECT_EQ((*blobs)[2], fake.root() + "/exp/file2.csv");
  EXPECT_EQ(fake.list_markers.size(), 4u) << "6 blobs under exp/, 2 a page: 3 pages and one empty marker-less end";
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("exp/notes.txt"), std::string::npos);
  Status error;
  const std::string read = ReadAll(store, (*blobs)[2], &error);
  EXPECT_TRUE(error.ok()) << error.ToString();
  EXPECT_TRUE(read == big) << "through 500s and timeouts, every byte once, in order (" << read.size() << " bytes read)";
  EXPECT_GT(store.stats().retried.load(), 0u);
  // Ranges: a small first one, then chunk_bytes; after the first, each conditional on the first's ETag.
  std::lock_guard<std::mutex> lock(fake.mu);
  ASSERT_GE(fake.ranges.size(), 5u);
  EXPECT_EQ(fake.ranges[0], "bytes=0-65535");
  EXPECT_EQ(fake.ranges[1], "bytes=65536-131071");
  EXPECT_EQ(fake.if_matches[0], "");
  EXPECT_EQ(fake.if_matches.back(), fake.etag);
  auto sha = store.Sha256((*blobs)[2]);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(sha->size(), 64u);
}

// A Dask worker reads blobs pal listed: it adopts each by the address and size pal sent, without listing.
TEST(BlobStore, ABlobAnotherProcessListedIsReadByItsAddressAndSize) {
  FakeBlobService fake;
  fake.blobs["exp/file1.csv"] = "h\n1\n2\n";
  BlobStore lister(FastOptions());
  auto blobs = lister.Expand(fake.root() + "/exp");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  ASSERT_EQ(blobs->size(), 1u);
  ASSERT_EQ(lister.SizeOf((*blobs)[0]), std::optional<uint64_t>(6));
  BlobStore worker(FastOptions());
  EXPECT_FALSE(worker.Handles((*blobs)[0]));
  EXPECT_EQ(worker.SizeOf((*blobs)[0]), std::nullopt);
  ASSERT_TRUE(worker.Adopt((*blobs)[0], 6).ok());
  EXPECT_TRUE(worker.Handles((*blobs)[0]));
  EXPECT_EQ(worker.SizeOf((*blobs)[0]), std::optional<uint64_t>(6));
  Status error;
  EXPECT_EQ(ReadAll(worker, (*blobs)[0], &error), "h\n1\n2\n");
  EXPECT_TRUE(error.ok()) << error.ToString();
  EXPECT_TRUE(worker.Sha256((*blobs)[0]).ok()) << "checksummed as it streamed, as after a listing";
  // Refused: a query (a SAS travels in credentials, never in an address), a container, an address spelled otherwise
  // than pal lists it (it would never be asked for under that name).
  for (const std::string& bad : {(*blobs)[0] + "?sig=SECRET", fake.root(), fake.root() + "/exp/",
                                 fake.root() + "/exp/file%31.csv"}) {
    Status adopted = worker.Adopt(bad, 7);
    EXPECT_EQ(adopted.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(adopted.ToString().find("SECRET"), std::string::npos) << adopted.ToString();
  }
}

// Read-ahead: once the reader is past the first range, the next range is fetched while the reader still holds the
// current one (the network and the crediting overlap); a header check (the first range only) fetches nothing more.
TEST(BlobStore, TheNextRangeIsFetchedWhileTheReaderHoldsTheCurrentOne) {
  FakeBlobService fake;
  std::string bytes;
  while (bytes.size() < 400000) bytes += "line " + std::to_string(bytes.size()) + "\n";
  fake.blobs["big.csv"] = bytes;
  BlobStore store(FastOptions());  // ranges: 64 KiB, then 64 KiB each
  auto blobs = store.Expand(fake.root() + "/big.csv");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  auto served = [&fake] {
    std::lock_guard<std::mutex> lock(fake.mu);
    return fake.ranges.size();
  };
  auto waits_for = [&](size_t n) {  // the ranges served reach n within 5 s
    for (int i = 0; i < 500 && served() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return served();
  };
  {
    auto header_only = store.OpenRaw((*blobs)[0]);
    ASSERT_TRUE(header_only.ok());
    char line[100];
    ASSERT_TRUE((*header_only)->Read(line, sizeof line).ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(served(), 1u) << "a reader that stops in the first range fetches no other";
  auto source = store.OpenRaw((*blobs)[0]);
  ASSERT_TRUE(source.ok());
  std::vector<char> buffer(64 << 10);
  std::string out;
  auto read_range = [&] {  // one whole range: its bytes fill the buffer exactly
    auto n = (*source)->Read(buffer.data(), buffer.size());
    EXPECT_TRUE(n.ok());
    if (n.ok()) out.append(buffer.data(), *n);
    return n.ok() ? *n : 0;
  };
  EXPECT_EQ(read_range(), buffer.size());  // range 1 (the reader's second request of the blob in all)
  EXPECT_EQ(waits_for(2), 2u);
  EXPECT_EQ(read_range(), buffer.size());  // range 2: read now, and range 3 asked for ahead
  EXPECT_EQ(waits_for(4), 4u) << "range 3 was fetched while the reader still held range 2";
  for (size_t n = read_range(); n > 0; n = read_range()) {
  }
  EXPECT_TRUE(out == bytes) << "every byte once, in order (" << out.size() << " bytes)";
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.ranges.size(), 1 + (bytes.size() + buffer.size() - 1) / buffer.size()) << "no range fetched twice";
  for (size_t i = 2; i < fake.ranges.size(); ++i)
    EXPECT_EQ(fake.ranges[i], "bytes=" + std::to_string((i - 1) * buffer.size()) + "-" +
                                  std::to_string(std::min(i * buffer.size(), bytes.size()) - 1))
        << "in order, one after the other";
}

TEST(BlobStore, ABlobReplacedWhileItIsReadFailsNamingIt) {
  FakeBlobService fake;
  fake.blobs["part_0_0001.csv"] = std::string(200000, 'x');
  fake.replace_after_first = true;
  BlobStore store(FastOptions());
  auto blobs = store.Expand(fake.root() + "/part_0_0001.csv");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  Status error;
  ReadAll(store, (*blobs)[0], &error);
  EXPECT_EQ(error.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(error.where(), fake.root() + "/part_0_0001.csv");
  EXPECT_NE(error.message().find("changed while it was read"), std::string::npos) << error.ToString();
  EXPECT_FALSE(store.Sha256((*blobs)[0]).ok()) << "no checksum for a blob not read whole";
  // Past the first ranges, where ranges are fetched ahead: the failure comes from the read-ahead thread, and reading on
  // after it gives the same error at once (nothing is waited for). Ranges of 64 KiB: 4 in all; the 4th fails.
  fake.replace_after_first = false;
  {
    std::lock_guard<std::mutex> lock(fake.mu);
    fake.etag = "\"0x8DCAFE\"";
    fake.replace_after_ranges = fake.ranges.size() + 3;
  }
  auto source = store.OpenRaw((*blobs)[0]);
  ASSERT_TRUE(source.ok());
  std::vector<char> buffer(64 << 10);
  Status first = Status::Ok();
  for (int i = 0; i < 10 && first.ok(); ++i) {
    auto n = (*source)->Read(buffer.data(), buffer.size());
    if (!n.ok()) first = n.status();
  }
  EXPECT_EQ(first.code(), StatusCode::kFailedPrecondition) << first.ToString();
  auto again = (*source)->Read(buffer.data(), buffer.size());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().ToString(), first.ToString());
}

TEST(BlobStore, AManifestListingAMissingBlobAndAMissingBlobAreNotFoundNamingThem) {
  FakeBlobService fake;
  fake.blobs["exp/focus/20260901-20260930/run1/manifest.json"] =
      R"({"runInfo":{"submittedTime":"2026-10-01T00:00:00Z"},"blobs":[{"blobName":"exp/focus/20260901-20260930/run1/part_0_0001.csv"}]})";
  BlobStore store(FastOptions());
  auto blobs = store.Expand(fake.root() + "/exp");
  ASSERT_FALSE(blobs.ok());
  EXPECT_EQ(blobs.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs.status().where(), fake.root() + "/exp/focus/20260901-20260930/run1/manifest.json");
  EXPECT_NE(blobs.status().message().find(fake.root() + "/exp/focus/20260901-20260930/run1/part_0_0001.csv"),
            std::string::npos)
      << blobs.status().ToString();
  auto missing = store.Expand(fake.root() + "/exp/nope.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().where(), fake.root() + "/exp/nope.csv");
}

TEST(BlobStore, RefusedCredentialsArePermissionDeniedAndTheSasNeverAppears) {
  FakeBlobService fake;
  fake.blobs["a.csv"] = "h\n";
  fake.required_sig = "GOOD";
  BlobStore store(FastOptions());
  auto refused = store.Expand(fake.root() + "/a.csv?sv=2021-08-06&sp=rl&sig=WRONGSIG");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("HTTP 403 AuthenticationFailed"), std::string::npos);
  EXPECT_EQ(refused.status().ToString().find("WRONGSIG"), std::string::npos) << refused.status().ToString();
  auto granted = store.Expand(fake.root() + "/a.csv?sv=2021-08-06&sp=rl&sig=GOOD");
  ASSERT_TRUE(granted.ok()) << granted.status().ToString();
  EXPECT_EQ((*granted)[0], fake.root() + "/a.csv") << "inputs are named without their SAS";
  EXPECT_EQ(ReadAll(store, (*granted)[0]), "h\n") << "the SAS given with the URL authorizes the reads too";
}

}  // namespace
}  // namespace openpal::collect

namespace openpal::collect {
namespace {

TEST(BlobStore, ABearerTokenIsSentOnEveryRequestWithTheServiceVersion) {
  FakeBlobService fake;
  fake.blobs["a.csv"] = "h\n1\n";
  auto options = FastOptions();
  options.credentials.bearer = "eyJ0eXAi.token";
  BlobStore store(options);
  auto blobs = store.Expand(fake.root() + "/a.csv");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  EXPECT_EQ(ReadAll(store, (*blobs)[0]), "h\n1\n");
  std::lock_guard<std::mutex> lock(fake.mu);
  ASSERT_GE(fake.authorizations.size(), 2u) << "a listing and a read";
  for (const auto& a : fake.authorizations) EXPECT_EQ(a, "Bearer eyJ0eXAi.token 2021-08-06");
}

}  // namespace
}  // namespace openpal::collect
