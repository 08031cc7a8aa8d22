// Races for the last places, run by the battery on one database (races_test.cc) and through the
// replicas of a Galera cluster's suite (galera_test.cc). Each expects (gtest) and records its
// figures in `section`.
#ifndef LUBAN_TESTS_BATTERY_RACES_H_
#define LUBAN_TESTS_BATTERY_RACES_H_

#include "absl/strings/string_view.h"
#include "tests/battery/battery_network.h"

namespace luban::testing {

// Many concurrent Enroll calls for the last seats of a new run, each trainee twice at once: the
// run is never over capacity, no trainee holds two enrollments in it, every waitlist position is
// given once, and the stored seat counter agrees with the rows.
void RaceForTheLastSeats(BatteryNetwork& network, absl::string_view section);

// Many concurrent ApproveMobility calls for the last places of a new programme's quota: never
// more approved than the quota, and the programme's count agrees with the mobilities.
void RaceForTheLastPlaces(BatteryNetwork& network, absl::string_view section);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_BATTERY_RACES_H_
