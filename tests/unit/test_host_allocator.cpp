// The host allocator (facefuse/device.h): 64-byte aligned zeroed blocks, and transparent huge pages asked for
// over a large block (a fresh 13 MB block took 38 ms to touch in 4 KB pages on this project's virtual machines,
// 4 ms in 2 MB ones).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "facefuse/device.h"

namespace facefuse {
namespace {

std::string ReadAll(const char* path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The THPeligible flag of the mapping holding `address`, from /proc/self/smaps; -1 when not found.
int HugePageEligible(const void* address) {
  std::istringstream smaps(ReadAll("/proc/self/smaps"));
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx ", &begin, &end) == 2) {  // a mapping's line (fields are "Name: value")
      inside = begin <= at && at < end;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      return std::stoi(line.substr(12));
    }
  }
  return -1;
}

int mapped_global = 0;  // an address in a mapping, to check that smaps has the field at all

TEST(HostAllocator, LargeBlocksAskForHugePages) {
  if (ReadAll("/sys/kernel/mm/transparent_hugepage/enabled").find("[madvise]") == std::string::npos)
    GTEST_SKIP() << "transparent huge pages are not in madvise mode here: nothing to ask for";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::string(tunables).find("hugetlb") != std::string::npos)
    GTEST_SKIP() << "malloc asks for huge pages itself here (GLIBC_TUNABLES): the advice cannot be told apart";
  if (HugePageEligible(&mapped_global) < 0) GTEST_SKIP() << "this kernel's smaps has no THPeligible field";
  auto allocator = HostAllocator();
  constexpr size_t kBytes = size_t{8} << 20;
  auto block = allocator->Allocate(kBytes);
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  auto* bytes = static_cast<unsigned char*>(*block);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes) % 64, 0u);
  EXPECT_EQ(bytes[0], 0);
  EXPECT_EQ(bytes[kBytes - 1], 0);
  // The middle of the block lies in a 2 MB page wholly inside it.
  EXPECT_EQ(HugePageEligible(bytes + kBytes / 2), 1);
  allocator->Free(*block);
}

}  // namespace
}  // namespace facefuse
