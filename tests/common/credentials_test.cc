#include "common/auth/credentials.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdminToken[] = "0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e-admin";
constexpr char kCollegeToken[] = "d41d8cd98f00b204e9800998ecf8427e-tju";
constexpr char kReporterToken[] = "reporter-token-6b86b273ff34fce19d6b";
constexpr char kServiceToken[] = "svc-enrollment-token-d4735e3a265e16";

std::string GoodFile() {
  return absl::StrCat(
      "# Luban Network credentials\n"
      "\n",
      HashToken(kAdminToken), " network_admin root\n",
      // Upper-case hex and tabs are accepted.
      absl::AsciiStrToUpper(HashToken(kCollegeToken)),
      "\tcollege_admin\ttju-admin institutions/7\n", "   ", HashToken(kReporterToken),
      " reporter stats   \n"
      "# a comment between entries\n",
      HashToken(kServiceToken), " service svc-enrollment\n");
}

TEST(HashTokenTest, IsLowercaseHexSha256) {
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CredentialStoreTest, ParsesAGoodFile) {
  auto store = CredentialStore::Parse(GoodFile());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 4u);
}

TEST(CredentialStoreTest, AuthenticatesEachRole) {
  auto store = CredentialStore::Parse(GoodFile());
  ASSERT_TRUE(store.ok()) << store.status();

  auto admin = store->Authenticate(absl::StrCat("Bearer ", kAdminToken));
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->name, "root");
  EXPECT_EQ(admin->role, Role::kNetworkAdmin);
  EXPECT_EQ(admin->institution_id, 0);

  auto college = store->Authenticate(absl::StrCat("Bearer ", kCollegeToken));
  ASSERT_TRUE(college.ok()) << college.status();
  EXPECT_EQ(college->name, "tju-admin");
  EXPECT_EQ(college->role, Role::kCollegeAdmin);
  EXPECT_EQ(college->institution_id, 7);

  auto reporter = store->Authenticate(absl::StrCat("bearer ", kReporterToken));
  ASSERT_TRUE(reporter.ok()) << reporter.status();
  EXPECT_EQ(reporter->role, Role::kReporter);

  auto service = store->Authenticate(absl::StrCat("Bearer ", kServiceToken, " "));
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->name, "svc-enrollment");
  EXPECT_EQ(service->role, Role::kService);
}

TEST(CredentialStoreTest, RefusesUnknownAndMalformedWithoutEchoingTheToken) {
  auto store = CredentialStore::Parse(GoodFile());
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string secret = "s3cr3t-T0ken-Value-never-logged";
  for (const std::string& header : {
           absl::StrCat("Bearer ", secret),                  // unknown token
           absl::StrCat("Basic ", secret),                   // another scheme
           absl::StrCat("Bearer", secret),                   // no separator
           std::string(secret),                              // no scheme
           absl::StrCat("Bearer ", HashToken(kAdminToken)),  // the hash is not the token
           std::string("Bearer "),
           std::string("Bearer    "),
           std::string(""),
       }) {
    auto principal = store->Authenticate(header);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_THAT(std::string(principal.status().message()), Not(HasSubstr(secret)));
    EXPECT_THAT(std::string(principal.status().message()), Not(HasSubstr(HashToken(kAdminToken))));
  }
}

TEST(CredentialStoreTest, EmptyFileAuthenticatesNobody) {
  auto store = CredentialStore::Parse("# nobody yet\n");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->Authenticate(absl::StrCat("Bearer ", kAdminToken)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

struct BadLine {
  std::string line;
  std::string why;
};

TEST(CredentialStoreTest, ErrorsNameTheLine) {
  const std::string good = absl::StrCat(HashToken(kAdminToken), " network_admin root\n");
  const std::string hash = HashToken("another token");
  for (const BadLine& bad : {
           BadLine{absl::StrCat(hash, " network_admin"), "expected"},
           BadLine{absl::StrCat(hash, " reporter a b c"), "expected"},
           BadLine{"abc123 reporter stats", "64 hex digits"},
           BadLine{absl::StrCat(std::string(63, 'a'), "g reporter stats"), "64 hex digits"},
           BadLine{absl::StrCat(hash, " superuser someone"), "unknown role 'superuser'"},
           BadLine{absl::StrCat(hash, " college_admin tju-admin"), "needs its institution"},
           BadLine{absl::StrCat(hash, " college_admin tju-admin institutions/0"), "institution"},
           BadLine{absl::StrCat(hash, " college_admin tju-admin workshops/7"), "institution"},
           BadLine{absl::StrCat(hash, " reporter stats institutions/7"), "only a college_admin"},
           BadLine{absl::StrCat(HashToken(kAdminToken), " reporter stats"), "duplicate token hash"},
       }) {
    // Line 1 a comment, line 2 good, line 3 blank, line 4 the bad one.
    const std::string text = absl::StrCat("# credentials\n", good, "\n", bad.line, "\n", good);
    auto store = CredentialStore::Parse(text);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << bad.line;
    EXPECT_THAT(std::string(store.status().message()), HasSubstr("line 4: ")) << bad.line;
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(bad.why)) << bad.line;
  }
}

TEST(CredentialStoreTest, LoadsAFile) {
  const std::string path = ::testing::TempDir() + "/luban_credentials_test.txt";
  {
    std::ofstream out(path);
    out << GoodFile();
  }
  auto store = CredentialStore::LoadFile(path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 4u);
  std::remove(path.c_str());

  auto missing = CredentialStore::LoadFile(path + ".missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(CredentialStoreTest, LoadFileNamesTheFileAndLine) {
  const std::string path = ::testing::TempDir() + "/luban_credentials_bad.txt";
  {
    std::ofstream out(path);
    out << "# one\n# two\nnot-a-hash reporter x\n";
  }
  auto store = CredentialStore::LoadFile(path);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("line 3"));
  std::remove(path.c_str());
}

TEST(ServicePrincipalForCertificateTest, AServiceCommonNameIsThatService) {
  for (const char* name : {"course", "enrollment", "exchange"}) {
    auto principal = ServicePrincipalForCertificate(name);
    ASSERT_TRUE(principal.ok()) << name;
    EXPECT_EQ(principal->name, std::string("svc-") + name);
    EXPECT_EQ(principal->role, Role::kService);
    EXPECT_EQ(principal->institution_id, 0);
  }
  for (const char* other : {"", "Course", "svc-course", "reporter", "course.example.org"}) {
    EXPECT_EQ(ServicePrincipalForCertificate(other).status().code(), absl::StatusCode::kNotFound)
        << other;
  }
}

}  // namespace
}  // namespace luban::auth
