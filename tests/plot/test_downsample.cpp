// SPDX-License-Identifier: MIT
/// @brief Unit tests of the peak-preserving downsampling and of multi-process totals.
#define BOOST_TEST_MODULE memprof_plot
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <random>

#include "memprof/plot/downsample.h"
#include "memprof/plot/series_sum.h"

using memprof::plot::SeriesPoint;

namespace memprof::plot {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& out, const SeriesPoint& p) { return out << '(' << p.t << ", " << p.bytes << ')'; }
}  // namespace memprof::plot

BOOST_AUTO_TEST_CASE(small_series_unchanged) {
  const std::vector<SeriesPoint> in{{0, 0}, {1, 5}, {2, 0}};
  BOOST_TEST((memprof::plot::downsample(in, 10) == in));
}

BOOST_AUTO_TEST_CASE(peak_never_lost) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<SeriesPoint> in;
    double t = 0;
    const std::size_t n = 1000 + rng() % 200000;
    for (std::size_t i = 0; i < n; ++i) {
      t += static_cast<double>(rng() % 1000) * 1e-6;
      in.push_back({t, rng() % 1000000});
    }
    const std::size_t spike = rng() % n;  // one narrow spike anywhere, also at the ends
    in[spike].bytes = 5000000;
    const auto out = memprof::plot::downsample(in, 300);
    BOOST_TEST(out.size() <= 4 * 300);
    const auto p = memprof::plot::peakIndex(out);
    BOOST_TEST(out[p].bytes == 5000000u);
    BOOST_TEST(out[p].t == in[spike].t);
    BOOST_TEST(out.front() == in.front());
    BOOST_TEST(out.back() == in.back());
    for (std::size_t i = 1; i < out.size(); ++i) BOOST_TEST(out[i - 1].t <= out[i].t);
  }
}

BOOST_AUTO_TEST_CASE(ten_hour_run_fits_the_pixels) {
  // One point per millisecond for ten hours: 36 million points would be the full series.
  std::vector<SeriesPoint> in;
  const std::size_t n = 3'600'000;  // every 10 ms, enough to show the bound
  in.reserve(n);
  for (std::size_t i = 0; i < n; ++i) in.push_back({static_cast<double>(i) * 0.01, (i * 7919) % 100000});
  in[n / 3].bytes = 1u << 30;
  const auto out = memprof::plot::downsample(in, 1200);
  BOOST_TEST(out.size() <= 4800u);
  BOOST_TEST(out[memprof::plot::peakIndex(out)].bytes == (1u << 30));
}

BOOST_AUTO_TEST_CASE(total_of_overlapping_processes) {
  // Parent 10 from t=0 to 5 (then 0 after its end); child 4 from 2 to 3, then 1 until 4.
  const std::vector<SeriesPoint> parent{{0, 10}, {5, 10}};
  const std::vector<SeriesPoint> child{{2, 4}, {3, 1}, {4, 1}};
  const auto total = memprof::plot::sumSeries({&parent, &child});
  auto at = [&](double t) {
    std::uint64_t v = 0;
    for (const auto& p : total) {
      if (p.t <= t) v = p.bytes;
    }
    return v;
  };
  BOOST_TEST(at(1) == 10u);
  BOOST_TEST(at(2) == 14u);
  BOOST_TEST(at(3.5) == 11u);
  BOOST_TEST(at(4) == 11u);   // the child's last value still counts at its own end
  BOOST_TEST(at(4.5) == 10u);  // then the child is gone
  BOOST_TEST(at(5) == 10u);
  BOOST_TEST(at(6) == 0u);
  BOOST_TEST(total[memprof::plot::peakIndex(total)].bytes == 14u);
}

BOOST_AUTO_TEST_CASE(total_of_nothing) {
  BOOST_TEST(memprof::plot::sumSeries({}).empty());
}
