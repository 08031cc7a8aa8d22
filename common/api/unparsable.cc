#include "common/api/unparsable.h"

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/domain/validation.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"

namespace luban {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::internal::WireFormatLite;

constexpr int kMaxDepth = 100;  // protobuf's default recursion limit
constexpr int kMarkField = 0;   // no wire data carries field number 0

// Reads the wire data field by field against the descriptors, refusing exactly what protobuf's
// parser refuses (its limits included: tags and lengths of at most 5 bytes, values of at most 10,
// 100 nested messages), and says where it stopped.
class WireWalker {
 public:
  explicit WireWalker(absl::string_view wire) : wire_(wire) {}

  // Empty when `type` parses from the whole wire.
  std::string Walk(const Descriptor& type) { return Message(&type, "", 0, wire_.size(), 0); }

 private:
  // The fields from pos_ to `end` of a message of `type`, or of the unknown group `group` (then
  // `type` is null and the group's end tag ends it). `prefix` is the path of the message, with
  // its trailing dot.
  std::string Message(const Descriptor* type, const std::string& prefix, int depth, size_t end,
                      int group) {
    absl::flat_hash_map<int, int> occurrences;  // of repeated fields, for their index
    while (pos_ < end) {
      const size_t at = pos_;
      uint64_t tag = 0;
      const Read read = Varint(end, 5, &tag);
      if (read == Read::kCutShort) return absl::StrCat("the data is cut short at byte ", at);
      if (read == Read::kMalformed ||
          WireFormatLite::GetTagFieldNumber(static_cast<uint32_t>(tag)) == 0) {
        return absl::StrCat("malformed data at byte ", at);
      }
      const uint32_t tag32 = static_cast<uint32_t>(tag);
      const int number = WireFormatLite::GetTagFieldNumber(tag32);
      const FieldDescriptor* field = type == nullptr ? nullptr : type->FindFieldByNumber(number);
      std::string path = absl::StrCat(prefix, "field ", number);
      if (field != nullptr) {
        path = absl::StrCat(prefix, field->name());
        if (field->is_repeated()) absl::StrAppend(&path, "[", occurrences[number]++, "]");
      }
      switch (WireFormatLite::GetTagWireType(tag32)) {
        case WireFormatLite::WIRETYPE_VARINT: {
          uint64_t value = 0;
          if (std::string why = Problem(Varint(end, 10, &value), path); !why.empty()) return why;
          break;
        }
        case WireFormatLite::WIRETYPE_FIXED64:
        case WireFormatLite::WIRETYPE_FIXED32: {
          const size_t size =
              WireFormatLite::GetTagWireType(tag32) == WireFormatLite::WIRETYPE_FIXED64 ? 8 : 4;
          if (end - pos_ < size) return absl::StrCat("field ", path, " is cut short");
          pos_ += size;
          break;
        }
        case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
          uint64_t size = 0;
          Read read_size = Varint(end, 5, &size);
          if (read_size == Read::kOk && size > kMaxSize) read_size = Read::kMalformed;
          if (std::string why = Problem(read_size, path); !why.empty()) return why;
          if (size > end - pos_) {
            return absl::StrCat("field ", path, " is cut short (", size, " bytes announced, ",
                                end - pos_, " left)");
          }
          const size_t value_end = pos_ + size;
          // A known field of another wire type is an unknown field to protobuf.
          if (field != nullptr) {
            std::string why = Value(*field, path, depth, value_end);
            if (!why.empty()) return why;
          }
          pos_ = value_end;
          break;
        }
        case WireFormatLite::WIRETYPE_START_GROUP: {
          if (depth + 1 > kMaxDepth) {
            return absl::StrCat("field ", path, " is nested more than ", kMaxDepth, " deep");
          }
          std::string why = Message(nullptr, absl::StrCat(path, "."), depth + 1, end, number);
          if (!why.empty()) return why;
          break;
        }
        case WireFormatLite::WIRETYPE_END_GROUP:
          if (number == group) return "";
          return absl::StrCat("malformed data at byte ", at);
        default:
          return absl::StrCat("malformed data at byte ", at);
      }
    }
    if (group != 0) {
      return absl::StrCat("field ", prefix.substr(0, prefix.size() - 1), " is cut short");
    }
    return "";
  }

  // The value of the length-delimited known `field`, from pos_ to `end`.
  std::string Value(const FieldDescriptor& field, const std::string& path, int depth, size_t end) {
    if (field.type() == FieldDescriptor::TYPE_STRING) {
      // proto3 strings must be UTF-8: the parser refuses anything else.
      if (field.file()->syntax() == FileDescriptor::SYNTAX_PROTO3 &&
          !IsValidUtf8(wire_.substr(pos_, end - pos_))) {
        return absl::StrCat("field ", path, " is not valid UTF-8");
      }
      return "";
    }
    if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
      if (depth + 1 > kMaxDepth) {
        return absl::StrCat("field ", path, " is nested more than ", kMaxDepth, " deep");
      }
      return Message(field.message_type(), absl::StrCat(path, "."), depth + 1, end, 0);
    }
    if (field.is_packable()) {
      // A packed list: its values back to back, each whole.
      const WireFormatLite::WireType wire_type = WireFormatLite::WireTypeForFieldType(
          static_cast<WireFormatLite::FieldType>(field.type()));
      const size_t fixed = wire_type == WireFormatLite::WIRETYPE_FIXED64   ? 8
                           : wire_type == WireFormatLite::WIRETYPE_FIXED32 ? 4
                                                                           : 0;
      if (fixed != 0 && (end - pos_) % fixed != 0) {
        return absl::StrCat("field ", path, " holds a malformed packed list");
      }
      uint64_t value = 0;
      while (fixed == 0 && pos_ < end) {
        if (Varint(end, 10, &value) != Read::kOk) {
          return absl::StrCat("field ", path, " holds a malformed packed list");
        }
      }
    }
    return "";
  }

  enum class Read { kOk, kCutShort, kMalformed };

  // Reads a varint of at most `max_bytes` bytes before `end` into `value` (bits past 64 lost, as
  // protobuf loses them).
  Read Varint(size_t end, int max_bytes, uint64_t* value) {
    *value = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= end) return Read::kCutShort;
      const uint8_t byte = static_cast<uint8_t>(wire_[pos_++]);
      *value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) return Read::kOk;
    }
    return Read::kMalformed;
  }

  // What a failed read of field `path` says ("" for none).
  static std::string Problem(Read read, const std::string& path) {
    if (read == Read::kCutShort) return absl::StrCat("field ", path, " is cut short");
    if (read == Read::kMalformed) return absl::StrCat("field ", path, " is malformed");
    return "";
  }

  // The largest length protobuf takes (it keeps 16 bytes of an int's range in reserve).
  static constexpr uint64_t kMaxSize = 0x7fffffff - 16;

  const absl::string_view wire_;
  size_t pos_ = 0;
};

}  // namespace

std::string WhyUnparsable(const Descriptor& type, absl::string_view wire) {
  std::string why = WireWalker(wire).Walk(type);
  return why.empty() ? "it does not parse as one" : why;
}

void MarkUnparsable(google::protobuf::Message* request, absl::string_view why) {
  request->GetReflection()->MutableUnknownFields(request)->AddLengthDelimited(kMarkField,
                                                                              std::string(why));
}

absl::Status CheckParsed(const google::protobuf::Message& request) {
  const google::protobuf::UnknownFieldSet& unknown =
      request.GetReflection()->GetUnknownFields(request);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const google::protobuf::UnknownField& field = unknown.field(i);
    if (field.number() == kMarkField &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      return absl::InvalidArgumentError(absl::StrCat("request is not a valid ",
                                                     request.GetDescriptor()->full_name(), ": ",
                                                     field.length_delimited()));
    }
  }
  return absl::OkStatus();
}

}  // namespace luban
