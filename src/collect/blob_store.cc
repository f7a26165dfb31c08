// Azure Blob Storage for cost exports (see blob_store.h): URLs, authorization, listing, errors, reading by ranges.
#include "collect/blob_store.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <thread>

namespace openpal::collect {
namespace {

// The REST version sent with every request: supported by Azure and by Azurite 3.x; ranged GETs, If-Match and the
// List Blobs XML used here are unchanged since long before it.
constexpr char kStorageVersion[] = "2021-08-06";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Encodes a blob name for a URL path: every segment percent-encoded, the slashes kept.
std::string EncodePath(const std::string& name) {
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    out += PercentEncode(name.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

bool IsIpLiteralOrLoopback(const std::string& host) {
  if (host == "localhost" || (!host.empty() && host.front() == '[')) return true;
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

// The text of the first <tag>…</tag> in `xml` from `from`, XML entities decoded; "" when absent.
std::string XmlText(const std::string& xml, const std::string& tag, size_t from = 0, size_t to = std::string::npos) {
  size_t open = xml.find("<" + tag + ">", from);
  if (open == std::string::npos || open >= to) return "";
  size_t start = open + tag.size() + 2;
  size_t close = xml.find("</" + tag + ">", start);
  if (close == std::string::npos) return "";
  std::string raw = xml.substr(start, close - start), out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    size_t semi = raw.find(';', i);
    if (semi == std::string::npos) {
      out += raw[i];
      continue;
    }
    std::string entity = raw.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (!entity.empty() && entity[0] == '#') {
      unsigned long code = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X')
                               ? std::strtoul(entity.c_str() + 2, nullptr, 16)
                               : std::strtoul(entity.c_str() + 1, nullptr, 10);
      // UTF-8 of the code point.
      if (code < 0x80) out += static_cast<char>(code);
      else if (code < 0x800) { out += static_cast<char>(0xC0 | (code >> 6)); out += static_cast<char>(0x80 | (code & 0x3F)); }
      else if (code < 0x10000) { out += static_cast<char>(0xE0 | (code >> 12)); out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)); out += static_cast<char>(0x80 | (code & 0x3F)); }
      else { out += static_cast<char>(0xF0 | (code >> 18)); out += static_cast<char>(0x80 | ((code >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)); out += static_cast<char>(0x80 | (code & 0x3F)); }
    } else {
      out += raw.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::string HttpDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// One blob streamed by ranged GETs: a small first range (the header check reads only the first line), then
// chunk_bytes at a time, each after the first conditional on the ETag the first returned, so a blob overwritten while
// it is read (a daily export run replacing its file) fails instead of mixing two versions. Retries are the fetcher's.
// Read-ahead: while the engine credits one range, a thread of the source's own (with its own keep-alive connection)
// fetches the next and checksums it, so the network time and the crediting time overlap instead of adding up. Requests
// stay one at a time and in order; memory holds two ranges per blob.
class BlobSource : public usage::ByteSource {
 public:
  BlobSource(BlobStore& store, BlobInfo blob, std::string address)
      : store_(store), blob_(std::move(blob)), address_(std::move(address)), sha_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr);
  }
  ~BlobSource() override {
    if (ahead_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
      }
      wake_.notify_all();
      ahead_.join();  // an abandoned read waits for the range in flight (bounded by the fetcher's timeouts)
    }
    EVP_MD_CTX_free(sha_);
  }

  uint64_t ConsumedBytes() const override { return next_ - (chunk_.size() - pos_); }
  uint64_t FileSize() const override { return blob_.size; }

  Result<size_t> Read(char* buffer, size_t size) override {
    if (!failed_.ok()) return failed_;  // a failed read stays failed (no range is asked for twice, none waited for)
    if (pos_ == chunk_.size()) {
      if (next_ >= blob_.size) {
        Finish();
        return size_t{0};
      }
      Status s = Take();
      if (!s.ok()) {
        failed_ = s;
        return s;
      }
    }
    size_t n = std::min(size, chunk_.size() - pos_);
    std::memcpy(buffer, chunk_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  // The bytes of the range at next_ (`want` long).
  uint64_t Want() const {
    return std::min<uint64_t>(next_ == 0 ? (64u << 10) : store_.chunk_bytes(), blob_.size - next_);
  }

  Result<HttpResponse> Get(uint64_t offset, uint64_t want) {
    HeaderList headers = {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + want - 1)}};
    if (!etag_.empty()) headers.emplace_back("If-Match", etag_);
    return store_.Get(blob_.where, blob_.where.BlobPath(blob_.where.path), {}, headers);
  }

  // Installs the range at next_: the one fetched ahead when there is one, else fetched now; then asks for the next.
  Status Take() {
    const uint64_t want = Want();
    Result<std::string> bytes = Status::Ok();
    if (ahead_.joinable()) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return reply_.has_value(); });
      bytes = std::move(*reply_);
      reply_.reset();
    } else {
      bytes = Checked(Get(next_, want), next_, want);
    }
    if (!bytes.ok()) return bytes.status();
    const bool first = next_ == 0;
    chunk_ = std::move(bytes).value();
    pos_ = 0;
    next_ += want;
    // Not after the first range: a header check reads only that one and closes the source. From the second on, the
    // reader is going through the blob; the ETag (from the first) makes every range conditional.
    if (!first && next_ < blob_.size && store_.read_ahead()) Ahead(next_, Want());
    return Status::Ok();
  }

  // Has the source's thread fetch, check and checksum the range [offset, offset + want) (one request at a time).
  void Ahead(uint64_t offset, uint64_t want) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      request_ = std::make_pair(offset, want);
    }
    if (!ahead_.joinable()) {
      ahead_ = std::thread([this] {
        for (;;) {
          std::pair<uint64_t, uint64_t> range;
          {
            std::unique_lock<std::mutex> lock(mu_);
            wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
            if (stop_) return;
            range = *request_;
            request_.reset();
          }
          Result<std::string> fetched = Checked(Get(range.first, range.second), range.first, range.second);
          {
            std::lock_guard<std::mutex> lock(mu_);
            reply_ = std::move(fetched);
          }
          wake_.notify_all();
        }
      });
    } else {
      wake_.notify_all();
    }
  }

  // The bytes of the range [offset, offset + want) from its reply, checked, and added to the checksum (ranges are
  // checked in order, on one thread at a time: the reader's for the first two, then the read-ahead thread's).
  Result<std::string> Checked(Result<HttpResponse> reply, uint64_t offset, uint64_t want) {
    if (!reply.ok()) return reply.status().WithContext(address_);
    if (reply->status == 412)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "the blob changed while it was read (its ETag no longer matches " + etag_ +
                               "): an export run replaced it; run again",
                           address_);
    if (reply->status != 206 && reply->status != 200) return BlobError(*reply, address_, "read");
    // The range must be the one asked for, of the blob of the size listed.
    const std::string range = reply->Header("Content-Range");
    const std::string total = range.substr(range.rfind('/') == std::string::npos ? range.size() : range.rfind('/') + 1);
    if ((reply->status == 206 && total != std::to_string(blob_.size)) ||
        (reply->status == 200 && reply->body.size() != blob_.size))
      return Status::Error(StatusCode::kFailedPrecondition,
                           "the blob changed size while it was read (listed " + std::to_string(blob_.size) +
                               " bytes, now " + (total.empty() ? std::to_string(reply->body.size()) : total) +
                               "): an export run replaced it; run again",
                           address_);
    if (reply->status == 200) reply->body = reply->body.substr(offset, want);
    if (reply->body.size() != want)
      return Status::Error(StatusCode::kUnavailable,
                           "short read: " + std::to_string(reply->body.size()) + " of " + std::to_string(want) +
                               " bytes at offset " + std::to_string(offset),
                           address_);
    if (offset == 0) etag_ = reply->Header("ETag");  // then read-only: the read-ahead thread sends it
    EVP_DigestUpdate(sha_, reply->body.data(), reply->body.size());
    return std::move(reply->body);
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha_, digest, &length);
    std::string hex;
    char two[3];
    for (unsigned int i = 0; i < length; ++i) {
      std::snprintf(two, sizeof two, "%02x", digest[i]);
      hex += two;
    }
    store_.RecordDigest(address_, hex);
  }

  BlobStore& store_;
  BlobInfo blob_;
  std::string address_;
  EVP_MD_CTX* sha_;
  std::string etag_;
  std::string chunk_;
  size_t pos_ = 0;
  uint64_t next_ = 0;  // the offset of the next range to install
  bool finished_ = false;
  Status failed_ = Status::Ok();
  // Read-ahead: the range asked of the thread, and its reply; etag_ is set before the thread starts and then read-only.
  std::thread ahead_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::optional<std::pair<uint64_t, uint64_t>> request_;
  std::optional<Result<std::string>> reply_;
  bool stop_ = false;
};

}  // namespace

std::string BlobUrl::ContainerPath() const {
  return (path_style ? "/" + PercentEncode(account) : std::string()) + "/" + PercentEncode(container);
}

std::string BlobUrl::BlobPath(const std::string& name) const { return ContainerPath() + "/" + EncodePath(name); }

bool LooksLikeBlobUrl(const std::string& text) {
  return text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0;
}

std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

Result<BlobUrl> ParseBlobUrl(const std::string& url) {
  const std::string shown = WithoutQuery(url);
  auto split = SplitHttpUrl(url);
  if (!split.ok()) return Status::Error(StatusCode::kInvalidArgument, split.status().message(), shown);
  BlobUrl out;
  out.origin = split->origin;
  std::string path = split->path_and_query;
  if (size_t q = path.find('?'); q != std::string::npos) {
    out.sas = path.substr(q + 1);
    path = path.substr(0, q);
  }
  const std::string host_port = out.origin.substr(out.origin.find("://") + 3);
  std::string host = host_port.front() == '[' ? host_port.substr(0, host_port.find(']') + 1)
                                              : host_port.substr(0, host_port.rfind(':') == std::string::npos
                                                                        ? std::string::npos
                                                                        : host_port.rfind(':'));
  std::vector<std::string> segments;
  for (size_t start = 1; start <= path.size();) {
    size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  out.path_style = IsIpLiteralOrLoopback(host);
  size_t next = 0;
  if (out.path_style) {
    if (segments.empty() || segments[0].empty())
      return Status::Error(StatusCode::kInvalidArgument,
                           "expected http(s)://HOST:PORT/ACCOUNT/CONTAINER[/PATH] (the emulator's path style)", shown);
    out.account = PercentDecode(segments[next++]);
  } else {
    out.account = host.substr(0, host.find('.'));
    if (host.find(".blob.") == std::string::npos)
      return Status::Error(StatusCode::kInvalidArgument,
                           "expected https://ACCOUNT.blob.core.windows.net/CONTAINER[/PATH] (a Blob Storage endpoint)",
                           shown);
  }
  if (next >= segments.size() || segments[next].empty())
    return Status::Error(StatusCode::kInvalidArgument, "the URL names no container", shown);
  out.container = PercentDecode(segments[next++]);
  std::string rest;
  for (; next < segments.size(); ++next) rest += (rest.empty() ? "" : "/") + segments[next];
  out.path = PercentDecode(rest);
  return out;
}

std::string SharedKeyStringToSign(const std::string& verb, const std::string& account, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& query,
                                  const HeaderList& headers) {
  auto header = [&](const char* name) {
    for (const auto& [k, v] : headers)
      if (Lower(k) == Lower(name)) return v;
    return std::string();
  };
  std::string s = verb + "\n";
  for (const char* name : {"Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type",
                           "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"}) {
    std::string v = header(name);
    if (std::string(name) == "Content-Length" && v == "0") v.clear();  // version 2015-02-21 and later
    s += v + "\n";
  }
  std::map<std::string, std::string> ms;
  for (const auto& [k, v] : headers) {
    std::string name = Lower(k);
    if (name.rfind("x-ms-", 0) == 0) ms[name] = v;
  }
  for (const auto& [k, v] : ms) s += k + ":" + v + "\n";
  s += "/" + account + path;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [k, v] : query) params[Lower(k)].push_back(v);
  for (auto& [k, values] : params) {
    std::sort(values.begin(), values.end());
    s += "\n" + k + ":";
    for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
  }
  return s;
}

Result<std::string> SharedKeySignature(const std::string& base64_key, const std::string& string_to_sign) {
  std::string key_text;
  for (char c : base64_key)
    if (!std::isspace(static_cast<unsigned char>(c))) key_text += c;
  if (key_text.empty() || key_text.size() % 4 != 0)
    return Status::Error(StatusCode::kInvalidArgument, "the account key is not base64 (as the portal shows it)");
  std::string key(key_text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(key.data()),
                          reinterpret_cast<const unsigned char*>(key_text.data()), static_cast<int>(key_text.size()));
  if (n < 0) return Status::Error(StatusCode::kInvalidArgument, "the account key is not base64 (as the portal shows it)");
  size_t pad = key_text.size() >= 2 && key_text[key_text.size() - 2] == '=' ? 2 : key_text.back() == '=' ? 1 : 0;
  key.resize(static_cast<size_t>(n) - pad);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac, &mac_length);
  std::string out(((mac_length + 2) / 3) * 4, '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(mac_length));
  return out;
}

Status BlobError(const HttpResponse& reply, const std::string& address, const std::string& action) {
  std::string code = reply.Header("x-ms-error-code");
  if (code.empty()) code = XmlText(reply.body, "Code");
  std::string message = XmlText(reply.body, "Message");
  message = message.substr(0, message.find('\n'));
  if (message.size() > 300) message = message.substr(0, 300) + "...";
  std::string text = "cannot " + action + ": HTTP " + std::to_string(reply.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message);
  switch (reply.status) {
    case 401:
    case 403:
      return Status::Error(reply.status == 401 ? StatusCode::kUnauthenticated : StatusCode::kPermissionDenied,
                           text + " (the storage account refused the credentials: a SAS must be valid now and allow "
                                  "read and list (sp=rl); a Shared Key must be the account's; a token needs the "
                                  "Storage Blob Data Reader role)",
                           address);
    case 404:
      return Status::Error(StatusCode::kNotFound, text, address);
    default:
      return Status::Error(StatusCode::kUnavailable, text, address);
  }
}

BlobStore::BlobStore(BlobStoreOptions options)
    : options_(std::move(options)), fetcher_(options_.retry, options_.timeout_seconds, options_.ca_file) {
  if (options_.chunk_bytes < (64u << 10)) options_.chunk_bytes = 64u << 10;
  options_.list_page_size = std::clamp(options_.list_page_size, 1, 5000);
  if (const char* ahead = std::getenv("OPENPAL_BLOB_READ_AHEAD"); ahead && std::string(ahead) == "0")
    options_.read_ahead = false;
}

BlobStore::~BlobStore() = default;

Result<HttpResponse> BlobStore::Get(const BlobUrl& where, const std::string& path,
                                    const std::vector<std::pair<std::string, std::string>>& query,
                                    HeaderList headers) {
  std::string url = where.origin + path, sep = "?";
  for (const auto& [k, v] : query) {
    url += sep + PercentEncode(k) + "=" + PercentEncode(v);
    sep = "&";
  }
  headers.emplace_back("x-ms-version", kStorageVersion);
  const BlobCredentials& c = options_.credentials;
  const std::string& sas = !where.sas.empty() ? where.sas : c.sas;
  if (!sas.empty()) {
    url += sep + (sas.front() == '?' ? sas.substr(1) : sas);
  } else if (!c.account_key.empty()) {
    headers.emplace_back("x-ms-date", HttpDate());
    auto signature = SharedKeySignature(c.account_key, SharedKeyStringToSign("GET", where.account, path, query, headers));
    if (!signature.ok()) return signature.status();
    headers.emplace_back("Authorization", "SharedKey " + where.account + ":" + *signature);
  } else if (!c.bearer.empty()) {
    headers.emplace_back("Authorization", "Bearer " + c.bearer);
  }
  auto reply = fetcher_.Get(url, headers);
  // The fetcher's own errors name the URL it was given: with a SAS, that would print the signature.
  if (!reply.ok())
    return Status::Error(reply.status().code(), reply.status().message(), WithoutQuery(reply.status().where()));
  return reply;
}

Result<std::vector<BlobInfo>> BlobStore::List(const BlobUrl& where, const std::string& prefix, int limit) {
  std::vector<BlobInfo> out;
  std::string marker;
  const std::string address = where.origin + where.ContainerPath() + (prefix.empty() ? "" : "/" + EncodePath(prefix));
  for (int page = 0;; ++page) {
    std::vector<std::pair<std::string, std::string>> query = {{"restype", "container"}, {"comp", "list"}};
    if (!prefix.empty()) query.emplace_back("prefix", prefix);
    if (!marker.empty()) query.emplace_back("marker", marker);
    query.emplace_back("maxresults", std::to_string(limit > 0 ? limit : options_.list_page_size));
    auto reply = Get(where, where.ContainerPath(), query, {});
    if (!reply.ok()) return reply.status().WithContext(address);
    if (reply->status != 200) return BlobError(*reply, address, "list the blobs");
    const std::string& xml = reply->body;
    if (xml.find("<EnumerationResults") == std::string::npos)
      return Status::Error(StatusCode::kCorruption, "the listing is not a List Blobs reply (EnumerationResults)", address);
    for (size_t at = xml.find("<Blob>"); at != std::string::npos; at = xml.find("<Blob>", at + 1)) {
      size_t end = xml.find("</Blob>", at);
      if (end == std::string::npos) break;
      BlobInfo blob;
      blob.where = where;
      blob.where.path = XmlText(xml, "Name", at, end);
      const std::string length = XmlText(xml, "Content-Length", at, end);
      blob.size = length.empty() ? 0 : std::stoull(length);
      if (blob.where.path.empty())
        return Status::Error(StatusCode::kCorruption, "a listed blob has no readable <Name> (an encoded name?)", address);
      out.push_back(std::move(blob));
    }
    // The listing is complete when NextMarker is empty (learn.microsoft.com/rest/api/storageservices/enumerating-blob-resources).
    std::string next = XmlText(xml, "NextMarker");
    if (next.empty() || (limit > 0 && static_cast<int>(out.size()) >= limit)) break;
    if (next == marker)
      return Status::Error(StatusCode::kCorruption, "the listing returned the same NextMarker twice", address);
    marker = next;
  }
  return out;
}

Result<std::string> BlobStore::ReadSmall(const BlobInfo& blob) {
  const std::string address = blob.where.BlobAddress(blob.where.path);
  if (blob.size > (64u << 20))
    return Status::Error(StatusCode::kCorruption, "a manifest of more than 64 MiB is not a manifest", address);
  auto reply = Get(blob.where, blob.where.BlobPath(blob.where.path), {}, {});
  if (!reply.ok()) return reply.status().WithContext(address);
  if (reply->status != 200) return BlobError(*reply, address, "read");
  return std::move(reply->body);
}

BlobCredentials BlobCredentialsFromEnvironment() {
  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  BlobCredentials credentials;
  credentials.sas = env("AZURE_STORAGE_SAS_TOKEN");
  if (credentials.sas.empty()) credentials.account_key = env("AZURE_STORAGE_KEY");
  return credentials;
}

Status BlobStore::Adopt(const std::string& address, uint64_t size) {
  if (address.find('?') != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "a blob address carries no query (no SAS)",
                         WithoutQuery(address));
  auto url = ParseBlobUrl(address);
  if (!url.ok()) return url.status();
  if (url->container.empty() || url->path.empty() || url->path.back() == '/')
    return Status::Error(StatusCode::kInvalidArgument, "expected the URL of one blob (account, container and name)",
                         address);
  BlobInfo blob;
  blob.where = *url;
  blob.size = size;
  // The name under which the engine asks for it must be the address Expand would give, byte for byte.
  if (blob.where.BlobAddress(blob.where.path) != address)
    return Status::Error(StatusCode::kInvalidArgument,
                         "not a blob address as pal lists them (expected " + blob.where.BlobAddress(blob.where.path) +
                             ")",
                         address);
  std::lock_guard<std::mutex> lock(mu_);
  blobs_[address] = std::move(blob);
  return Status::Ok();
}

std::optional<uint64_t> BlobStore::SizeOf(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(address);
  if (it == blobs_.end()) return std::nullopt;
  return it->second.size;
}

bool BlobStore::Handles(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_.count(name) > 0;
}

Result<std::unique_ptr<usage::ByteSource>> BlobStore::OpenRaw(const std::string& name) {
  BlobInfo blob;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blobs_.find(name);
    if (it == blobs_.end())
      return Status::Error(StatusCode::kInternal, "a blob read that no listing found", name);
    blob = it->second;
  }
  return std::unique_ptr<usage::ByteSource>(new BlobSource(*this, blob, name));
}

Result<std::string> BlobStore::Sha256(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = digests_.find(name);
  if (it == digests_.end())
    return Status::Error(StatusCode::kFailedPrecondition, "the blob was not read to its end: no checksum", name);
  return it->second;
}

void BlobStore::RecordDigest(const std::string& address, std::string sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  digests_[address] = std::move(sha256);
}

}  // namespace openpal::collect
