// Secrets in text and JSON are replaced before anything is logged, journalled or reported.
#include <doctest/doctest.h>
#include <drillhost/core/redact.hpp>

using namespace drillhost;

TEST_CASE("redact: the password of a URL's userinfo") {
    CHECK(redact_text("GET http://admin:s3cret@10.0.0.1:8008/cluster failed") ==
          "GET http://admin:***@10.0.0.1:8008/cluster failed");
    CHECK(redact_text("postgres://u:p%40ss@h/db and https://x:y@z") ==
          "postgres://u:***@h/db and https://x:***@z");
    CHECK(redact_text("http://user@host:8008/ and http://host:8008/") ==
          "http://user@host:8008/ and http://host:8008/");
}

TEST_CASE("redact: conninfo, environment, JSON and YAML assignments") {
    CHECK(redact_text("host=pg-1 user=postgres password=hunter2 dbname=x") ==
          "host=pg-1 user=postgres password=*** dbname=x");
    CHECK(redact_text("password='a b c' port=5432") == "password='***' port=5432");
    CHECK(redact_text("PGPASSWORD=hunter2 psql") == "PGPASSWORD=*** psql");
    CHECK(redact_text(R"({"password": "hunter2", "user": "u"})") == R"({"password": "***", "user": "u"})");
    CHECK(redact_text("replication:\n  password: hunter2\n") == "replication:\n  password: ***\n");
    CHECK(redact_text("db_password=x token=abc") == "db_password=*** token=***");
    // JSON stays JSON: a bare value becomes a string.
    CHECK(redact_text(R"({"x_token":5,"password":null})") == R"({"x_token":"***","password":"***"})");
    // Not secrets: a path to a password file, a word in prose.
    CHECK(redact_text("password_file=/etc/pw") == "password_file=/etc/pw");
    CHECK(redact_text("the password is checked") == "the password is checked");
}

TEST_CASE("redact: JSON members named like secrets, and every string") {
    nlohmann::json target = {{"members",
                              {{{"name", "pg-1"},
                                {"rest_url", "http://patroni:restpw@127.0.0.1:8008"},
                                {"conninfo", "host=127.0.0.1 password=pgpw"},
                                {"password", "toplevel"},
                                {"ssh", {{"key_passphrase", "kp"}, {"port", 22}}}}}},
                             {"api_token", 12345},
                             {"password_file", "/etc/pgpass"}};
    auto out = redact_json(target).dump();
    for (auto secret : {"restpw", "pgpw", "toplevel", "\"kp\"", "12345"})
        CHECK_MESSAGE(out.find(secret) == std::string::npos, secret << " in " << out);
    CHECK(out.find("/etc/pgpass") != std::string::npos);
    CHECK(out.find("127.0.0.1:8008") != std::string::npos);
}
