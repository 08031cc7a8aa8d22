#include "tools/report/report_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace luban::report {
namespace {

constexpr char kMagic[] = "LBNRPT01";
constexpr char kTrailer[] = "END!";
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
// A cursor name longer than this is damage, not a resource name.
constexpr uint32_t kMaxNameBytes = 1024;

std::string ErrnoText() { return std::strerror(errno); }

// Buffered writes to a file descriptor, hashing what passes.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd) { buffer_.reserve(kBufferSize); }

  void Bytes(absl::string_view bytes) {
    for (char c : bytes) {
      hash_ = (hash_ ^ static_cast<unsigned char>(c)) * kFnvPrime;
    }
    buffer_.append(bytes.data(), bytes.size());
    if (buffer_.size() >= kBufferSize) Drain();
  }
  template <typename T>
  void Int(T value) {
    const auto bits = static_cast<uint64_t>(value);
    char out[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    Bytes(absl::string_view(out, sizeof(T)));
  }
  uint64_t hash() const { return hash_; }

  // False after any failed write (errno says why).
  bool Finish() {
    Drain();
    return ok_;
  }

 private:
  static constexpr size_t kBufferSize = 1 << 16;

  void Drain() {
    size_t done = 0;
    while (ok_ && done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok_ = false;
        break;
      }
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  int fd_;
  std::string buffer_;
  uint64_t hash_ = kFnvOffset;
  bool ok_ = true;
};

// Reads the whole file through a buffer, hashing what passes; any short read marks it failed.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}

  bool Bytes(char* out, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      if (position_ == filled_ && !Fill()) return false;
      out[i] = buffer_[position_++];
      hash_ = (hash_ ^ static_cast<unsigned char>(out[i])) * kFnvPrime;
    }
    return true;
  }
  template <typename T>
  bool Int(T* value) {
    char in[sizeof(T)];
    if (!Bytes(in, sizeof(T))) return false;
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    }
    *value = static_cast<T>(bits);
    return true;
  }
  uint64_t hash() const { return hash_; }
  bool AtEnd() { return position_ == filled_ && !Fill(); }

 private:
  bool Fill() {
    while (true) {
      const ssize_t n = ::read(fd_, buffer_, sizeof(buffer_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      position_ = 0;
      filled_ = static_cast<size_t>(n);
      return true;
    }
  }

  int fd_;
  char buffer_[1 << 16];
  size_t position_ = 0;
  size_t filled_ = 0;
  uint64_t hash_ = kFnvOffset;
};

void WriteCursor(Writer& w, const ExportCursor& cursor) {
  w.Int<int64_t>(cursor.seconds);
  w.Int<int32_t>(cursor.nanos);
  w.Int<uint32_t>(static_cast<uint32_t>(cursor.after_name.size()));
  w.Bytes(cursor.after_name);
}

bool ReadCursor(Reader& r, ExportCursor& cursor) {
  uint32_t size = 0;
  if (!r.Int(&cursor.seconds) || !r.Int(&cursor.nanos) || !r.Int(&size) || size > kMaxNameBytes) {
    return false;
  }
  cursor.after_name.assign(size, '\0');
  return r.Bytes(cursor.after_name.data(), size);
}

// `file_size` bounds the count: a damaged count must not allocate gigabytes, and a sound one
// lets the vector be allocated once (no doubling while loading).
template <typename Record, typename ReadOne>
bool ReadTable(Reader& r, CompactTable<Record>& table, uint64_t file_size, size_t record_bytes,
               ReadOne read_one) {
  uint64_t count = 0;
  if (!r.Int(&count) || count > file_size / record_bytes) return false;
  std::vector<Record> rows;
  // An eighth to spare: the next export's changes usually merge without reallocating.
  rows.reserve(count + count / 8);
  for (uint64_t i = 0; i < count; ++i) {
    Record record;
    if (!read_one(record)) return false;
    if (!rows.empty() && rows.back().id >= record.id) return false;  // sorted and unique
    rows.push_back(record);
  }
  table.Assign(std::move(rows));
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() may carry (e.g. a delayed write failure).
  bool Close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes through `body` into a temporary file beside `path`, then renames it over `path`.
template <typename Body>
absl::Status WriteAtomically(const std::string& path, Body body) {
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    return absl::FailedPreconditionError(absl::StrCat(temp, ": cannot create: ", ErrnoText()));
  }
  Writer writer(fd.get());
  body(writer);
  const bool written = writer.Finish();
  const std::string error = written ? "" : ErrnoText();
  if (!written || ::fsync(fd.get()) != 0 || !fd.Close()) {
    const std::string why = written ? ErrnoText() : error;
    ::unlink(temp.c_str());
    return absl::FailedPreconditionError(absl::StrCat(temp, ": cannot write: ", why));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = ErrnoText();
    ::unlink(temp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot rename ", temp, " over it: ", why));
  }
  // The rename itself must reach the disk too.
  Fd dir(::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadState(const std::string& path, Snapshot& snapshot) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no state yet"));
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read: ", ErrnoText()));
  }
  const auto damaged = [&](absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a usable luban-report state file (", what,
                     "); remove it (or run with --full) to rebuild it from a full export"));
  };
  struct stat file {};
  if (::fstat(fd.get(), &file) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read: ", ErrnoText()));
  }
  const auto file_size = static_cast<uint64_t>(file.st_size);
  Reader r(fd.get());
  char magic[8];
  if (!r.Bytes(magic, sizeof(magic)) || absl::string_view(magic, 8) != kMagic) {
    return damaged("bad header");
  }
  Snapshot loaded;
  if (!ReadCursor(r, loaded.enrollments_cursor) || !ReadCursor(r, loaded.trainees_cursor) ||
      !ReadCursor(r, loaded.mobilities_cursor)) {
    return damaged("bad cursors");
  }
  uint16_t padding16 = 0;
  uint8_t padding8 = 0;
  if (!ReadTable(r, loaded.enrollments, file_size, 16, [&](EnrollmentRecord& e) {
        return r.Int(&e.id) && r.Int(&e.run) && r.Int(&e.trainee) && r.Int(&e.state) &&
               r.Int(&e.certificate) && r.Int(&padding16);
      })) {
    return damaged("bad enrollment records");
  }
  if (!ReadTable(r, loaded.trainees, file_size, 8, [&](TraineeRecord& t) {
        return r.Int(&t.id) && r.Int(&t.birth_year) && r.Int(&t.sex) && r.Int(&padding8);
      })) {
    return damaged("bad trainee records");
  }
  if (!ReadTable(r, loaded.mobilities, file_size, 12, [&](MobilityRecord& m) {
        return r.Int(&m.id) && r.Int(&m.programme) && r.Int(&m.state) && r.Int(&m.participant) &&
               r.Int(&padding16);
      })) {
    return damaged("bad mobility records");
  }
  const uint64_t expected = r.hash();
  char trailer[4];
  uint64_t hash = 0;
  if (!r.Bytes(trailer, sizeof(trailer)) || absl::string_view(trailer, 4) != kTrailer ||
      !r.Int(&hash)) {
    return damaged("truncated");
  }
  if (hash != expected) return damaged("checksum mismatch");
  if (!r.AtEnd()) return damaged("trailing bytes");
  snapshot = std::move(loaded);
  return absl::OkStatus();
}

absl::Status SaveState(const std::string& path, const Snapshot& snapshot) {
  return WriteAtomically(path, [&](Writer& w) {
    w.Bytes(absl::string_view(kMagic, 8));
    WriteCursor(w, snapshot.enrollments_cursor);
    WriteCursor(w, snapshot.trainees_cursor);
    WriteCursor(w, snapshot.mobilities_cursor);
    w.Int<uint64_t>(snapshot.enrollments.rows().size());
    for (const EnrollmentRecord& e : snapshot.enrollments.rows()) {
      w.Int(e.id);
      w.Int(e.run);
      w.Int(e.trainee);
      w.Int(e.state);
      w.Int(e.certificate);
      w.Int<uint16_t>(0);
    }
    w.Int<uint64_t>(snapshot.trainees.rows().size());
    for (const TraineeRecord& t : snapshot.trainees.rows()) {
      w.Int(t.id);
      w.Int(t.birth_year);
      w.Int(t.sex);
      w.Int<uint8_t>(0);
    }
    w.Int<uint64_t>(snapshot.mobilities.rows().size());
    for (const MobilityRecord& m : snapshot.mobilities.rows()) {
      w.Int(m.id);
      w.Int(m.programme);
      w.Int(m.state);
      w.Int(m.participant);
      w.Int<uint16_t>(0);
    }
    const uint64_t hash = w.hash();
    w.Bytes(absl::string_view(kTrailer, 4));
    w.Int(hash);
  });
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  return WriteAtomically(path, [&](Writer& w) { w.Bytes(contents); });
}

}  // namespace luban::report
