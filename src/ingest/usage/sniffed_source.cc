// ByteSource::Sniffed: any byte stream read as a file is (plain, or gzip inflated with zlib's inflate), for inputs that
// are not local files. Behaves as the file readers do: concatenated gzip members are one stream, bytes after the last
// member that are not another member are ignored (gzread's rule), a stream that ends inside a member is an error.
#include <zlib.h>

#include <cstring>
#include <vector>

#include "ingest/usage/csv_reader.h"

namespace openpal::usage {
namespace {

class SniffedSource : public ByteSource {
 public:
  SniffedSource(std::unique_ptr<ByteSource> raw, std::string origin) : raw_(std::move(raw)), origin_(std::move(origin)) {}
  ~SniffedSource() override {
    if (gzip_) inflateEnd(&zs_);
  }

  // Reads the first bytes and decides plain or gzip.
  Status Start() {
    in_.resize(1 << 18);
    while (filled_ < 2 && !raw_eof_) {
      Status s = Fill();
      if (!s.ok()) return s;
    }
    if (filled_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b) {
      std::memset(&zs_, 0, sizeof zs_);
      if (inflateInit2(&zs_, 15 + 16) != Z_OK) return Status::Error(StatusCode::kInternal, "cannot start zlib", origin_);
      gzip_ = true;
    }
    return Status::Ok();
  }

  bool compressed() const override { return gzip_; }
  uint64_t ConsumedBytes() const override { return raw_->ConsumedBytes(); }
  uint64_t FileSize() const override { return raw_->FileSize(); }

  Result<size_t> Read(char* buffer, size_t size) override {
    if (!gzip_) {
      if (used_ < filled_) {  // the bytes read to sniff, then the raw stream itself
        size_t n = std::min(size, filled_ - used_);
        std::memcpy(buffer, in_.data() + used_, n);
        used_ += n;
        return n;
      }
      if (raw_eof_) return size_t{0};
      return raw_->Read(buffer, size);
    }
    if (done_) return size_t{0};
    zs_.next_out = reinterpret_cast<Bytef*>(buffer);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    while (zs_.avail_out == static_cast<uInt>(std::min<size_t>(size, 1u << 30))) {
      if (used_ == filled_) {
        if (raw_eof_) {
          if (member_started_) return Status::Error(StatusCode::kIoError, "truncated or corrupt gzip stream", origin_);
          done_ = true;
          break;
        }
        Status s = Fill();
        if (!s.ok()) return s;
        continue;
      }
      if (!member_started_) {
        // Between members: another member must start with the magic bytes; anything else is trailing bytes, ignored.
        if (filled_ - used_ < 2 && !raw_eof_) {
          Status s = Fill();
          if (!s.ok()) return s;
          continue;
        }
        if (filled_ - used_ < 2 || static_cast<unsigned char>(in_[used_]) != 0x1f ||
            static_cast<unsigned char>(in_[used_ + 1]) != 0x8b) {
          done_ = true;
          break;
        }
        if (inflateReset(&zs_) != Z_OK) return Status::Error(StatusCode::kInternal, "cannot reset zlib", origin_);
        member_started_ = true;
      }
      zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + used_);
      zs_.avail_in = static_cast<uInt>(filled_ - used_);
      int rc = inflate(&zs_, Z_NO_FLUSH);
      used_ = filled_ - zs_.avail_in;
      if (rc == Z_STREAM_END) {
        member_started_ = false;
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR) {
        return Status::Error(StatusCode::kIoError, std::string("corrupt gzip data: ") + (zs_.msg ? zs_.msg : "?"),
                             origin_);
      }
    }
    return static_cast<size_t>(std::min<size_t>(size, 1u << 30) - zs_.avail_out);
  }

 private:
  // Moves the unread bytes to the front and reads more after them.
  Status Fill() {
    if (used_ > 0) {
      std::memmove(in_.data(), in_.data() + used_, filled_ - used_);
      filled_ -= used_;
      used_ = 0;
    }
    auto n = raw_->Read(in_.data() + filled_, in_.size() - filled_);
    if (!n.ok()) return n.status();
    if (*n == 0) raw_eof_ = true;
    filled_ += *n;
    return Status::Ok();
  }

  std::unique_ptr<ByteSource> raw_;
  std::string origin_;
  std::vector<char> in_;
  size_t used_ = 0, filled_ = 0;
  bool raw_eof_ = false;
  bool gzip_ = false;
  bool member_started_ = true;  // the first member starts at byte 0 (checked by Start)
  bool done_ = false;
  z_stream zs_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ByteSource::Sniffed(std::unique_ptr<ByteSource> raw, std::string origin) {
  auto source = std::make_unique<SniffedSource>(std::move(raw), std::move(origin));
  Status s = source->Start();
  if (!s.ok()) return s;
  return std::unique_ptr<ByteSource>(std::move(source));
}

}  // namespace openpal::usage
