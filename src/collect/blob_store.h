// Cost exports read straight from Azure Blob Storage: blob URLs, listing with paging, Cost Management's export layout
// (runs, manifest.json), SAS / Shared Key / bearer authorization, and each blob streamed by ranged GETs with retries.
// Decisions and sources: docs/blob-exports.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collect/http_fetch.h"
#include "core/status.h"
#include "ingest/usage/input_store.h"

namespace openpal::collect {

// Where a blob URL points. Host style: https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH (the account is the host's
// first label). Path style, for the emulator (a loopback or IP-literal host): http(s)://HOST:PORT/ACCOUNT/CONTAINER/PATH.
struct BlobUrl {
  std::string origin;   // scheme://host[:port]
  std::string account;
  bool path_style = false;
  std::string container;
  std::string path;     // blob name or prefix, decoded; "" = the whole container
  std::string sas;      // the query given with the URL, without '?' ("" = none)

  // The encoded URL path of the container ("/ACCOUNT/CONTAINER" path style, "/CONTAINER" host style).
  std::string ContainerPath() const;
  // The encoded URL path of blob `name` in this container.
  std::string BlobPath(const std::string& name) const;
  // The blob's URL without any query: what errors, notes and saved runs name.
  std::string BlobAddress(const std::string& name) const { return origin + BlobPath(name); }
};

// True for text that is meant as a blob URL (http:// or https://) rather than a local path.
bool LooksLikeBlobUrl(const std::string& text);
// `url` without its query (a SAS must never reach a log, an error or a saved run).
std::string WithoutQuery(const std::string& url);
// Parses a blob URL. Errors: InvalidArgument naming the URL (without its query).
Result<BlobUrl> ParseBlobUrl(const std::string& url);

// Shared Key authorization (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key): the string to
// sign for a request without a body, and the header value "SharedKey ACCOUNT:SIGNATURE". `path` is the encoded URL
// path; `query` the decoded query parameters; `headers` every header sent (the x-ms-* ones are canonicalized).
std::string SharedKeyStringToSign(const std::string& verb, const std::string& account, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& query,
                                  const HeaderList& headers);
// HMAC-SHA256 of `string_to_sign` with the base64 account key, base64-encoded. InvalidArgument when the key is not
// base64.
Result<std::string> SharedKeySignature(const std::string& base64_key, const std::string& string_to_sign);

struct BlobCredentials {
  std::string sas;          // a SAS token (query string without '?'), used when the URL carries none
  std::string account_key;  // the account's base64 key: requests are signed with Shared Key
  std::string bearer;       // an OAuth 2 access token for https://storage.azure.com/

  bool empty() const { return sas.empty() && account_key.empty() && bearer.empty(); }
};

// The credentials the Azure CLI reads from the environment (az storage --sas-token / --account-key):
// $AZURE_STORAGE_SAS_TOKEN, else $AZURE_STORAGE_KEY. What `pal attribute` falls back to, and all a Dask worker has.
BlobCredentials BlobCredentialsFromEnvironment();

struct BlobStoreOptions {
  BlobCredentials credentials;
  RetryPolicy retry;
  int timeout_seconds = 60;
  std::string ca_file;                  // PEM bundle to trust instead of the system's ("" = system)
  int list_page_size = 5000;            // maxresults per List Blobs page (the service's maximum)
  uint64_t chunk_bytes = 8ull << 20;    // bytes per ranged GET
  // Fetch a blob's next range while the current one is credited (two ranges in memory per blob). Off when the
  // environment says OPENPAL_BLOB_READ_AHEAD=0 (bench/blob compares the two).
  bool read_ahead = true;
  std::function<void(const std::string&)> note;  // what the layout rules chose or skipped, for people
};

// One blob found by a listing: what reading it needs.
struct BlobInfo {
  BlobUrl where;       // its container (path = the blob's name)
  uint64_t size = 0;
};

class BlobStore final : public usage::InputStore {
 public:
  explicit BlobStore(BlobStoreOptions options);
  ~BlobStore() override;

  // The blobs `url` stands for, as URLs without query, in reading order: the blob itself when one has that name
  // (a manifest.json: the blobs it lists); otherwise, under the folder PATH/, the data blobs of each Cost Management
  // export run (its manifest.json's list; of several runs of one export and period, the newest) and the other .csv
  // and .csv.gz blobs. Errors name the URL without its SAS: NotFound (no such blob, container or export),
  // PermissionDenied (credentials refused), NotSupported (Parquet), Unavailable (the service kept failing).
  Result<std::vector<std::string>> Expand(const std::string& url);
  // Takes blob `address` (a URL without query, as Expand returns it) of `size` bytes as one of this store's inputs,
  // without listing it: for a process that reads blobs another one listed (a Dask worker). InvalidArgument when the
  // address is not a blob's URL, or carries a query (a SAS travels in the credentials, never in an address).
  Status Adopt(const std::string& address, uint64_t size);
  // The size of a blob Expand or Adopt took (nullopt for any other name).
  std::optional<uint64_t> SizeOf(const std::string& address) const override;

  bool Handles(const std::string& name) const override;
  Result<std::unique_ptr<usage::ByteSource>> OpenRaw(const std::string& name) override;
  Result<std::string> Sha256(const std::string& name) const override;

  const FetchStats& stats() const { return fetcher_.stats(); }

  // A GET of `path` (encoded) with `query` (decoded), authorized; the reply as received. Used by the blob sources.
  Result<HttpResponse> Get(const BlobUrl& where, const std::string& path,
                           const std::vector<std::pair<std::string, std::string>>& query, HeaderList headers);
  // Records the digest of a blob read to its end.
  void RecordDigest(const std::string& address, std::string sha256);
  uint64_t chunk_bytes() const { return options_.chunk_bytes; }
  bool read_ahead() const { return options_.read_ahead; }

 private:
  // Every blob whose name starts with `prefix`, in name order (all pages; only the first `limit` names when set).
  Result<std::vector<BlobInfo>> List(const BlobUrl& where, const std::string& prefix, int limit = 0);
  Result<std::string> ReadSmall(const BlobInfo& blob);

  BlobStoreOptions options_;
  HttpFetcher fetcher_;
  std::map<std::string, BlobInfo> blobs_;  // by address, filled by Expand
  mutable std::mutex mu_;
  std::map<std::string, std::string> digests_;
};

// A storage service's error reply as a Status naming `address`: the HTTP status, x-ms-error-code and the message's
// first line, with what to check for 403s. `action` is what was being done ("list", "read").
Status BlobError(const HttpResponse& reply, const std::string& address, const std::string& action);

}  // namespace openpal::collect
