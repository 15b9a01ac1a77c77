// libpq with a deadline on every step. A partitioned or frozen server must not stall a sampler for
// libpq's minimum connect_timeout (2 s) or TCP's retransmission timeout (minutes): connect and query
// go through libpq's non-blocking API and poll(2) with the caller's deadline.
#pragma once

#include <poll.h>

#include <chrono>
#include <optional>

#include "pg_connect.hpp"

namespace drillhost::probes {

using SteadyClock = std::chrono::steady_clock;

// Waits until the connection's socket is readable (or writable); false at the deadline.
inline bool wait_socket(PGconn *conn, bool for_write, SteadyClock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd fd{PQsocket(conn), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    return poll(&fd, 1, static_cast<int>(left)) > 0;
}

// nullptr-holding PgConnection when the server did not accept a connection before the deadline.
inline PgConnection connect_until(const ConnectParams &p, SteadyClock::time_point deadline) {
    ParamArrays a(p);
    PgConnection conn(PQconnectStartParams(a.keys.data(), a.values.data(), 1), &PQfinish);
    if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) return PgConnection(nullptr, &PQfinish);
    quiet(conn.get());
    auto state = PGRES_POLLING_WRITING;  // as libpq documents: start as if it asked to write
    while (state != PGRES_POLLING_OK) {
        if (state == PGRES_POLLING_FAILED ||
            !wait_socket(conn.get(), state == PGRES_POLLING_WRITING, deadline))
            return PgConnection(nullptr, &PQfinish);
        state = PQconnectPoll(conn.get());
    }
    return conn;
}

// The single value of a one-row query, or nullopt when the server did not answer in time or failed.
inline std::optional<std::string> query_value_until(PGconn *conn, const char *sql,
                                                    SteadyClock::time_point deadline) {
    if (!PQsendQuery(conn, sql)) return std::nullopt;
    std::optional<std::string> value;
    for (;;) {
        while (PQisBusy(conn))  // PQgetResult would block: wait for input, with the deadline
            if (!wait_socket(conn, false, deadline) || !PQconsumeInput(conn)) return std::nullopt;
        PGresult *raw = PQgetResult(conn);
        if (!raw) break;
        PgResult result(raw, &PQclear);
        if (PQresultStatus(raw) == PGRES_TUPLES_OK && PQntuples(raw) == 1 && PQnfields(raw) == 1)
            value = PQgetvalue(raw, 0, 0);
    }
    return value;
}

}  // namespace drillhost::probes
