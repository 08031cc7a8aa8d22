#include "tools/bench/samples.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;

void SetTime(google::protobuf::Timestamp* t) {
  t->set_seconds(1790000000);
  t->set_nanos(123456000);
}

pb::Trainee MakeTrainee() {
  pb::Trainee t;
  t.set_name("trainees/48213");
  t.set_family_name("Раҳимов");
  t.set_given_name("Ҷамшед");
  t.set_family_name_latin("Rahimov");
  t.set_given_name_latin("Jamshed");
  t.set_sex(pb::SEX_MALE);
  t.mutable_birth_date()->set_year(2003);
  t.mutable_birth_date()->set_month(4);
  t.mutable_birth_date()->set_day(17);
  t.set_birth_year(2003);
  t.set_citizenship("TJ");
  t.mutable_identity_document()->set_country_code("TJ");
  t.mutable_identity_document()->set_type(pb::DOCUMENT_TYPE_PASSPORT);
  t.mutable_identity_document()->set_number("A 4821337");
  t.mutable_contacts()->set_email("jamshed.rahimov@example.tj");
  t.mutable_contacts()->set_phone("+992 93 482 1337");
  t.set_home_workshop("workshops/1");
  t.set_status(pb::TRAINEE_STATUS_ACTIVE);
  SetTime(t.mutable_create_time());
  SetTime(t.mutable_update_time());
  t.set_etag("W/\"3-1790000000123456\"");
  return t;
}

pb::Enrollment MakeEnrollment(int i) {
  pb::Enrollment e;
  e.set_name(absl::StrCat("enrollments/", 150000 + i));
  e.set_trainee(absl::StrCat("trainees/", 48213 + i));
  e.set_course_run("courseRuns/412");
  e.set_workshop("workshops/1");
  e.set_course("courses/7");
  e.set_state(pb::ENROLLMENT_STATE_ENROLLED);
  SetTime(e.mutable_enroll_time());
  SetTime(e.mutable_create_time());
  SetTime(e.mutable_update_time());
  e.set_etag("W/\"1-1790000000123456\"");
  return e;
}

}  // namespace

const pb::Trainee& SampleTrainee() {
  static const pb::Trainee* const trainee = new pb::Trainee(MakeTrainee());
  return *trainee;
}

const pb::Enrollment& SampleEnrollment() {
  static const pb::Enrollment* const enrollment = new pb::Enrollment(MakeEnrollment(0));
  return *enrollment;
}

pb::ListEnrollmentsResponse SamplePage(int page_size) {
  static const std::vector<pb::Enrollment>* const all = [] {
    auto* v = new std::vector<pb::Enrollment>();
    for (int i = 0; i < 1000; ++i) v->push_back(MakeEnrollment(i));
    return v;
  }();
  const int size = page_size <= 0 ? 50 : std::min(page_size, 1000);
  pb::ListEnrollmentsResponse page;
  for (int i = 0; i < size; ++i) *page.add_enrollments() = (*all)[i];
  page.set_next_page_token("c2FtcGxlLXBhZ2UtdG9rZW4tb2YtNDAtYnl0ZXMh");
  return page;
}

}  // namespace luban::bench
