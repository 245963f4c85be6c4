// SPDX-License-Identifier: MIT
/// @brief FrameStack: reads like a vector of frames; shared pools are copied before writes.
#include <boost/test/unit_test.hpp>
#include <memory>
#include <vector>

#include "memprof/model/frame_stack.h"

using memprof::model::Frame;
using memprof::model::FrameStack;

BOOST_AUTO_TEST_SUITE(frame_stack)

BOOST_AUTO_TEST_CASE(sharedPool_idsSelectFramesInOrder) {
  auto pool = std::make_shared<std::vector<Frame>>();
  pool->push_back(Frame{"a", "a.c", 1, "m", 0x10, false});
  pool->push_back(Frame{"b", "b.c", 2, "m", 0x20, true});
  const FrameStack stack(pool, {1, 0, 1});
  BOOST_TEST(stack.size() == 3U);
  BOOST_TEST(stack.front().function == "b");
  BOOST_TEST(stack[1].function == "a");
  std::vector<std::string> names;
  for (const auto& f : stack) names.push_back(f.function);
  BOOST_TEST(names == (std::vector<std::string>{"b", "a", "b"}));
  BOOST_TEST((stack.end() - stack.begin()) == 3);
  BOOST_TEST(stack.pool() == pool.get());
}

BOOST_AUTO_TEST_CASE(writes_toSharedPool_leaveOtherStacksAlone) {
  auto pool = std::make_shared<std::vector<Frame>>(1, Frame{"a", "", 0, "", 0x10, false});
  FrameStack one(pool, {0});
  const FrameStack two(pool, {0});
  one.mutableFrame(0).function = "changed";
  one.push_back(Frame{"main", "", 0, "", 0x20, false});
  BOOST_TEST(one.size() == 2U);
  BOOST_TEST(one[0].function == "changed");
  BOOST_TEST(one[1].function == "main");
  BOOST_TEST(two[0].function == "a");
  BOOST_TEST((*pool)[0].function == "a");
  BOOST_TEST(pool->size() == 1U);
}

BOOST_AUTO_TEST_CASE(fromVector_andPushBack_actLikeAVector) {
  FrameStack stack = std::vector<Frame>{Frame{"x", "", 0, "", 1, false}};
  FrameStack copy = stack;
  stack.push_back(Frame{"y", "", 0, "", 2, false});
  BOOST_TEST(stack.size() == 2U);
  BOOST_TEST(copy.size() == 1U);
  BOOST_TEST(copy[0].function == "x");
  FrameStack empty;
  BOOST_TEST(empty.empty());
  BOOST_TEST((empty.begin() == empty.end()));
  empty.push_back(Frame{"z", "", 0, "", 3, false});
  BOOST_TEST(empty.front().function == "z");
}

BOOST_AUTO_TEST_SUITE_END()
