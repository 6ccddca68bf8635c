#include "sharesim/sim/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sharesim::sim {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "atomic-file-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir_;
};

TEST_F(AtomicFile, ReplacesARegularFileAndLeavesNoTemporary) {
  ASSERT_TRUE(write_file_atomically(path("a.txt"), "old"));
  ASSERT_TRUE(write_file_atomically(path("a.txt"), "new"));
  EXPECT_EQ(read(path("a.txt")), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFile, WritesThroughASymlinkWhichStaysALink) {
  fs::create_symlink(path("target.txt"), path("link.txt"));
  ASSERT_TRUE(write_file_atomically(path("link.txt"), "through"));
  EXPECT_TRUE(fs::is_symlink(path("link.txt")));
  EXPECT_EQ(read(path("target.txt")), "through");
}

TEST_F(AtomicFile, RefusesAFolder) {
  fs::create_directory(path("folder"));
  auto written = write_file_atomically(path("folder"), "x");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("is a folder"), std::string::npos);
  EXPECT_TRUE(fs::is_directory(path("folder")));
}

// A device node is written in place and stays a device; a full one is an error. As root the test
// makes its own nodes (a bug renaming over the real /dev/full would damage the machine).
TEST_F(AtomicFile, WritesADeviceInPlaceAndReportsAFullOne) {
  std::string null_device = "/dev/null", full_device = "/dev/full";
  if (::geteuid() == 0) {
    ASSERT_EQ(::mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    ASSERT_EQ(::mknod(path("full").c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
    null_device = path("null");
    full_device = path("full");
  }
  EXPECT_TRUE(write_file_atomically(null_device, "discarded"));
  EXPECT_TRUE(fs::is_character_file(null_device));
  auto full = write_file_atomically(full_device, "too much");
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("No space left on device"), std::string::npos) << full.error().message;
  EXPECT_TRUE(fs::is_character_file(full_device));
}

// One unit: when the second file cannot be written, the first keeps its old content.
TEST_F(AtomicFile, AFailurePartWayLeavesEveryRegularTargetAsItWas) {
  ASSERT_TRUE(write_file_atomically(path("results.json"), "old results"));
  std::ofstream(path("blocker")) << "a file where a folder is needed";
  const std::string results = "new results", report = "new report";
  const FileToWrite files[] = {{path("results.json"), results}, {path("blocker/report.html"), report}};
  EXPECT_FALSE(write_files_together(files));
  EXPECT_EQ(read(path("results.json")), "old results");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);  // no temporary left
}

TEST_F(AtomicFile, SameFileSeesThroughDotsAndLinks) {
  std::ofstream(path("a")) << "x";
  fs::create_symlink(path("a"), path("b"));
  EXPECT_TRUE(same_file(path("a"), path("b")));
  EXPECT_TRUE(same_file(path("new"), (dir_ / "." / "new").string()));
  EXPECT_FALSE(same_file(path("a"), path("new")));
}

}  // namespace
// A folder replaced as a whole (a plan's deploy/): afterwards it holds exactly the new files.
TEST_F(AtomicFile, AFolderIsReplacedAsAWholeLeavingNoTemporary) {
  ASSERT_TRUE(write_file_atomically(path("deploy/old/a.yaml"), "old"));
  ASSERT_TRUE(write_file_atomically(path("deploy/README.md"), "old readme"));
  const FolderToWrite deploy{.path = path("deploy"), .files = {{"README.md", "new"}, {"dev/b.yaml", "b"}}};
  const FileToWrite plan{.path = path("plan.json"), .content = "{}"};
  ASSERT_TRUE(write_files_together(std::span(&plan, 1), std::span(&deploy, 1)));
  EXPECT_FALSE(fs::exists(path("deploy/old")));
  EXPECT_EQ(read(path("deploy/README.md")), "new");
  EXPECT_EQ(read(path("deploy/dev/b.yaml")), "b");
  EXPECT_EQ(read(path("plan.json")), "{}");
  // plan.json and deploy/ only: no temporary file or folder beside them.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

TEST_F(AtomicFile, AFailureBeforeTheRenamesLeavesTheOldFolderWhole) {
  ASSERT_TRUE(write_file_atomically(path("deploy/old/a.yaml"), "old"));
  fs::create_directory(path("plan.json"));  // cannot be written: a folder
  const FolderToWrite deploy{.path = path("deploy"), .files = {{"new.yaml", "new"}}};
  const FileToWrite plan{.path = path("plan.json"), .content = "{}"};
  EXPECT_FALSE(write_files_together(std::span(&plan, 1), std::span(&deploy, 1)));
  EXPECT_EQ(read(path("deploy/old/a.yaml")), "old");
  EXPECT_FALSE(fs::exists(path("deploy/new.yaml")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

TEST_F(AtomicFile, AFolderWithNoFilesIsRemoved) {
  ASSERT_TRUE(write_file_atomically(path("deploy/a.yaml"), "old"));
  const FolderToWrite deploy{.path = path("deploy"), .files = {}};
  ASSERT_TRUE(write_files_together({}, std::span(&deploy, 1)));
  EXPECT_FALSE(fs::exists(path("deploy")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

}  // namespace sharesim::sim
