#include "target_command.hpp"

#include <drillhost/core/errors.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

#include "exit_codes.hpp"
#include "output_file.hpp"
#include "target_file.hpp"
#include "target_import.hpp"

namespace drillhost::cli {
namespace {

struct ImportOptions {
    std::string pigsty, cluster;
    std::vector<std::string> patroni_yml;
    std::string output;  // "" = stdout
    SshChoice ssh;
};

int import_target(const GlobalOptions &global, const ImportOptions &o) {
    if (o.pigsty.empty() == o.patroni_yml.empty())
        throw UsageError(
            "target import: give --pigsty FILE --cluster NAME, or --patroni-yml FILE (one per node)");
    if (!o.pigsty.empty() && o.cluster.empty())
        throw UsageError("target import --pigsty: --cluster NAME says which of the inventory's clusters");
    if (!o.output.empty()) check_output_file(o.output, "--output");
    nlohmann::json target;
    std::string header;
    if (!o.pigsty.empty()) {
        target = target_from_pigsty(load_yaml_file(o.pigsty, "--pigsty"), o.cluster, "--pigsty " + o.pigsty,
                                    o.ssh);
        header = "drillhost target: cluster " + o.cluster + " of the Pigsty inventory " + o.pigsty;
    } else {
        std::vector<nlohmann::json> configs;
        std::vector<std::string> where;
        for (const auto &file : o.patroni_yml) {
            configs.push_back(load_yaml_file(file, "--patroni-yml"));
            where.push_back("--patroni-yml " + file);
        }
        target = target_from_patroni_configs(configs, where, o.ssh);
        header = "drillhost target: from Patroni's config";
        for (const auto &file : o.patroni_yml) header += " " + file;
    }
    header += "\nIt holds credentials: keep it mode 0600. docs/transports.md describes every field.";
    // The TLS files the files name are the nodes' own paths; drillhost reads them here.
    for (const auto &[section, key] : {std::pair{"restapi", "cacert"}, std::pair{"dcs_tls", "cacert"},
                                       std::pair{"dcs_tls", "cert"}, std::pair{"dcs_tls", "key"}}) {
        const auto value = target.value(section, nlohmann::json::object()).value(key, nlohmann::json());
        std::error_code ec;
        if (value.is_string() && !std::filesystem::exists(value.get<std::string>(), ec))
            std::cerr << "notice: " << section << "." << key << " names " << value.get<std::string>()
                      << ", a node's file that is not on this machine: drillhost reads it here, so copy "
                         "it here or edit the path\n";
    }
    std::string text = global.format == Format::json ? target.dump(2) + "\n" : target_yaml(target, header);
    if (o.output.empty()) {
        std::cout << text;
    } else {
        write_output_file(o.output, text, "--output");  // 0600: it holds passwords
        std::cerr << "wrote " << o.output << ": " << target["members"].size() << " member(s) of "
                  << target.value("scope", "") << '\n';
    }
    return static_cast<int>(ExitCode::passed);
}

}  // namespace

std::function<int()> add_target_commands(CLI::App &app, const GlobalOptions &global) {
    auto *target =
        app.add_subcommand("target", "target files: import one from a Pigsty inventory or patroni.yml");
    target->require_subcommand(1);
    auto options = std::make_shared<ImportOptions>();
    auto *import = target->add_subcommand(
        "import",
        "write a target file from what the files say (it never connects to the addresses they name)");
    import->add_option("--pigsty", options->pigsty, "a Pigsty inventory (pigsty.yml)");
    import->add_option("--cluster", options->cluster, "the cluster to import (a group under all.children)");
    import->add_option("--patroni-yml", options->patroni_yml, "a node's patroni.yml; give one per node");
    import->add_option("--output,-o", options->output, "write here (mode 0600) instead of stdout");
    import->add_option(
        "--ssh-user", options->ssh.user,
        "who drillhost logs in as (default: the inventory's admin user, or root); not root: sudo -n");
    import->add_option("--ssh-key", options->ssh.key, "the private key for ssh");
    import->add_option("--known-hosts", options->ssh.known_hosts,
                       "a known_hosts file (strict host key checking)");
    return [&global, options, import]() -> int {
        if (*import) return import_target(global, *options);
        return static_cast<int>(ExitCode::usage);
    };
}

}  // namespace drillhost::cli
