#pragma once
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace todoai::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction. The name joins the
/// pid, a per-process counter and a random number, so no two live TempDirs (in one process or several) collide.
class TempDir {
  public:
    TempDir() {
        static std::atomic<unsigned> counter{0};
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("todoai-test-" + std::to_string(::getpid()) + "-" +
                                                          std::to_string(counter++) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace todoai::testing
