#include <doctest/doctest.h>

#include "writer_ledger.hpp"

using namespace drillhost::probes;

TEST_CASE("RTO is fault to the first acknowledged commit after it, the longest gap spans any client") {
    // Two clients committing every 10 ms; fault at 100 ms; nothing acknowledged from 95 to 1350 ms.
    std::vector<Ack> acks;
    uint64_t id = 0;
    for (double t = 5; t <= 95; t += 10) acks.push_back({++id, static_cast<int>(id % 2), t});
    for (double t = 1350; t <= 1400; t += 10) acks.push_back({++id, static_cast<int>(id % 2), t});
    std::vector<FailedCommit> failures = {{0, 400, "server closed the connection"}, {1, 90, "before"}};
    auto a = analyse(acks, failures, 100);
    REQUIRE(a.rto_ms.has_value());
    CHECK(*a.rto_ms == doctest::Approx(1250));
    CHECK(a.longest_gap_ms == doctest::Approx(1255));
    CHECK(a.longest_gap_start_ms == doctest::Approx(95));
    CHECK(a.failed == 1);
    CHECK(a.failed_before_fault == 1);
    CHECK(a.acknowledged == acks.size());
    CHECK(a.ack_interval_p50_ms == doctest::Approx(10));  // the resolution, outside the outage
    CHECK(a.ack_interval_p99_ms == doctest::Approx(10));
}

TEST_CASE("no acknowledgement after the fault: no RTO, not zero") {
    auto a = analyse({{1, 0, 10}, {2, 0, 20}}, {}, 50);
    CHECK_FALSE(a.rto_ms.has_value());
    CHECK(a.longest_gap_ms == doctest::Approx(10));
}

TEST_CASE("the loss checker reports exactly the acknowledged ids the primary lacks") {
    std::vector<Ack> acks = {{1, 0, 1}, {2, 0, 2}, {3, 1, 3}, {4, 1, 4}, {5, 0, 5}};
    CHECK(lost_ids(acks, {5, 4, 3, 2, 1}).empty());
    CHECK(lost_ids(acks, {1, 2, 5, 99}) == std::vector<uint64_t>{3, 4});  // unacknowledged extras are fine
    CHECK(lost_ids(acks, {}).size() == 5);
}

TEST_CASE("lost writes are split at a time: the unreplicated tail before it, split-brain writes after it") {
    std::vector<Ack> acks = {{1, 0, 10}, {2, 0, 20}, {3, 1, 30}, {4, 1, 40}, {5, 0, 50}};
    auto lost = lost_ids(acks, {1, 2});
    CHECK(acknowledged_after(acks, lost, 35) == 2);  // ids 4 and 5
    CHECK(acknowledged_after(acks, lost, 30) == 3);  // at the time counts as after
    CHECK(acknowledged_after(acks, lost, 60) == 0);
    CHECK(acknowledged_after(acks, {}, 0) == 0);
}

#include "writer_evidence.hpp"

TEST_CASE("LSNs read and print as PostgreSQL writes them, anything else is refused") {
    CHECK(parse_lsn("0/3000060") == 0x3000060u);
    CHECK(parse_lsn("1A/FF") == ((uint64_t{0x1A} << 32) | 0xFF));
    CHECK(format_lsn(0x3000060) == "0/3000060");
    CHECK_FALSE(parse_lsn("").has_value());
    CHECK_FALSE(parse_lsn("0/30x").has_value());
    CHECK_FALSE(parse_lsn("3000060").has_value());
}

TEST_CASE("the series: per 100 ms, acknowledged and failed commits, the longest gap, first and last LSN") {
    // Commits every 10 ms from 1000 to 1195 ms, none from 1200 to 1500 (failures at 1250 and 1350),
    // then again from 1500 ms.
    std::vector<Ack> acks;
    uint64_t id = 0;
    for (double t = 1005; t < 1200; t += 10) acks.push_back({++id, 0, t, 0x1000 + id, 1});
    for (double t = 1505; t < 1600; t += 10) acks.push_back({++id, 0, t, 0x9000 + id, 2});
    std::vector<FailedCommit> failures = {{0, 1250, "gone"}, {0, 1350, "gone"}};
    auto series = writer_series(acks, failures, 1000, 1600);
    CHECK(series.at("version") == 1);
    auto rows = series.at("buckets");
    REQUIRE(rows.size() == 6);
    CHECK(rows[0][0] == 1000.0);
    CHECK(rows[0][1] == 10);                                  // acknowledged
    CHECK(rows[0][4] == "0/1001");                            // first LSN
    CHECK(rows[0][5] == "0/100A");                            // last LSN
    CHECK(rows[2][1] == 0);                                   // the outage
    CHECK(rows[2][2] == 1);                                   // a failed commit in it
    CHECK(rows[2][3].get<double>() == doctest::Approx(105));  // 1195 -> the bucket's end at 1300
    CHECK(rows[3][3].get<double>() == doctest::Approx(205));  // and climbing
    CHECK(rows[2][4].is_null());
    CHECK(rows[5][1] == 10);
    CHECK(rows[5][3].get<double>() == doctest::Approx(310));  // the gap closed by the first commit back
}

TEST_CASE("the WAL summary: per timeline, the first and last acknowledged commit with its LSN") {
    std::vector<Ack> acks = {
        {1, 0, 10, 0x100, 1}, {2, 1, 20, 0x200, 1}, {3, 0, 500, 0x900, 2}, {4, 1, 510, 0, 2}};
    auto wal = writer_wal(acks);
    REQUIRE(wal.at("timelines").size() == 2);
    auto first = wal["timelines"][0];
    CHECK(first.at("timeline") == 1);
    CHECK(first.at("acknowledged") == 2);
    CHECK(first.at("first").at("lsn") == "0/100");
    CHECK(first.at("last").at("id") == 2);
    auto second = wal["timelines"][1];
    CHECK(second.at("timeline") == 2);
    CHECK(second.at("last").at("lsn").is_null());  // a commit whose LSN was not read
    CHECK(second.at("highest_lsn") == "0/900");
}

TEST_CASE("the WAL summary: with several clients the highest LSN is not always the last acknowledged") {
    // Client 1's commit at 0x300 came back after client 0's at 0x380 (CI saw 184 bytes of this).
    std::vector<Ack> acks = {{1, 0, 10, 0x100, 1}, {2, 0, 20, 0x380, 1}, {3, 1, 21, 0x300, 1}};
    auto timeline = writer_wal(acks)["timelines"][0];
    CHECK(timeline.at("last").at("lsn") == "0/300");
    CHECK(timeline.at("highest_lsn") == "0/380");
}

TEST_CASE("WAL loss: writes and bytes beyond the switch point, split at the last published position") {
    // Five writes on timeline 1 at LSNs 0x1000 .. 0x5000; the new timeline forked at 0x2800; the old
    // leader last published 0x3800. Writes 3, 4 and 5 are lost: 3 is behind the publish (a), 4 and 5
    // were written after it (b).
    std::vector<Ack> acks;
    for (uint64_t id = 1; id <= 5; ++id) acks.push_back({id, 0, 100.0 * id, 0x1000 * id, 1});
    std::vector<uint64_t> lost = {3, 4, 5};
    auto loss = wal_loss(acks, lost, 0x2800, 0x3800);
    CHECK(loss.writes == 3);
    CHECK(loss.last_lost_lsn == 0x5000);
    CHECK(loss.bytes == 0x5000 - 0x2800);
    CHECK(loss.writes_behind_published == 1);
    CHECK(loss.bytes_behind_published == 0x3800 - 0x2800);
    CHECK(loss.writes_after_published == 2);
    CHECK(loss.bytes_after_published == 0x5000 - 0x3800);
    CHECK(loss.last_lost_ms == doctest::Approx(500));
}

TEST_CASE("WAL loss: a publish beyond every lost write puts all of it behind the publish") {
    std::vector<Ack> acks = {{1, 0, 10, 0x1000, 1}, {2, 0, 20, 0x2000, 1}};
    auto loss = wal_loss(acks, {2}, 0x1800, 0x9000);
    CHECK(loss.bytes == 0x800);
    CHECK(loss.bytes_behind_published == 0x800);
    CHECK(loss.bytes_after_published == 0);
    CHECK(loss.writes_behind_published == 1);
}

TEST_CASE("WAL loss: nothing lost is zero bytes, and without a published position nothing is split") {
    std::vector<Ack> acks = {{1, 0, 10, 0x1000, 1}};
    auto none = wal_loss(acks, {}, 0x1800, 0x1800);
    CHECK(none.writes == 0);
    CHECK(none.bytes == 0);
    CHECK(none.last_lost_ms == -1);
    auto unsplit = wal_loss(acks, {1}, 0x800, std::nullopt);
    CHECK(unsplit.bytes == 0x800);
    CHECK(unsplit.writes_behind_published + unsplit.writes_after_published == 0);
}

TEST_CASE(
    "RTO after a failover counts the new primary's commits only, not one the dying primary acknowledged") {
    // Fault at 100 ms; the old primary (timeline 4) acknowledges one more commit at 102 ms; the new
    // primary (timeline 5) its first at 20 000 ms.
    std::vector<Ack> acks = {{1, 0, 90, 0, 4}, {2, 0, 102, 0, 4}, {3, 0, 20000, 0, 5}};
    CHECK(*analyse(acks, {}, 100).rto_ms == doctest::Approx(2));
    CHECK(*analyse(acks, {}, 100, 5).rto_ms == doctest::Approx(19900));
}
