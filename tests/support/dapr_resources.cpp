#include "support/dapr_resources.hpp"

#include <chrono>
#include <stdexcept>

#include "integration/kcat_support.hpp"
#include "support/test_paths.hpp"

namespace todoai::testing {

std::pair<std::filesystem::path, std::filesystem::path> write_dapr_resources(const std::filesystem::path& dir,
                                                                             const DaprResourcesOptions& o) {
    const auto script = (source_path(__FILE__).parent_path() / "../../scripts/dapr-resources.sh").lexically_normal();
    const auto result =
        run_command({"bash", script.string(), dir.string(), o.kafka_brokers, o.secrets_file.string(),
                     o.name_resolution.string(), "--set-string", "dapr.cron.schedule=" + o.cron_schedule},
                    std::chrono::seconds(60));
    if (result.exit_code != 0)
        throw std::runtime_error(script.string() + " failed (exit " + std::to_string(result.exit_code) +
                                 "): the chart did not render the Dapr resources");
    return {dir / "resources", dir / "config.yaml"};
}

}  // namespace todoai::testing
