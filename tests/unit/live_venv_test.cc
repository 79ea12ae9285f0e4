#include "tree/live_venv.h"

#include <fstream>

#include <gtest/gtest.h>

#include "test_dir.h"

namespace pybcast {
namespace {

TEST(LiveVenv, TheStagedConfigHasNoHomeAndSeesTheBasesSiteDirectories) {
  EXPECT_EQ(staged_venv_config("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"),
            "include-system-site-packages = true\nversion = 3.11.2\n");
  EXPECT_EQ(staged_venv_config("Home=/opt/py/bin\nversion = 3.12.1\n"),
            "version = 3.12.1\ninclude-system-site-packages = true\n");
}

TEST(LiveVenv, SystemSiteIsReadAsSiteReadsIt) {
  testing::TestDir d;
  auto with = [&](const std::string& text) {
    std::ofstream(d / "pyvenv.cfg") << text;
    return includes_system_site(d.path());
  };
  EXPECT_TRUE(with("home = /usr/bin\ninclude-system-site-packages = true\n"));
  EXPECT_TRUE(with("Include-System-Site-Packages=TRUE\r\n"));
  EXPECT_FALSE(with("include-system-site-packages = false\n"));
  EXPECT_TRUE(with("home = /usr/bin\n"));  // site.py's default
}

}  // namespace
}  // namespace pybcast
