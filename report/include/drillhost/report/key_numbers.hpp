// The numbers a person looks at first for a drill (RTO, unavailability, writes lost, ...), in that
// order and formatted with their units, shared by every report so they all say the same.
#pragma once

#include <drillhost/report/run_journal.hpp>

#include <string>
#include <vector>

namespace drillhost::report {

// "10.0 s", "16257", "1.5 MiB": a measurement's value in its unit.
std::string format_value(double value, const std::string &unit);

// Up to `limit` measurements of the drill, the well-known ones first (rto, service_rto,
// unavailability, lost_writes, ...), then the others in journal order.
std::vector<const Measurement *> key_numbers(const DrillJournal &drill, size_t limit);

}  // namespace drillhost::report
