#include "restream/reconciler.hpp"

#include <catch2/catch.hpp>

using mtxrelay::restream::DesiredDestination;
using mtxrelay::restream::reconcile;
using mtxrelay::restream::RunningDestination;

namespace {

DesiredDestination desired(const std::string& url, const std::string& name = {})
{
    return {url, url, name, name.empty() ? url : name, {}};
}

} // namespace

TEST_CASE("an unchanged set only keeps")
{
    const auto plan = reconcile({desired("rtmp://a/x/1", "A"), desired("rtmp://b/x/2")},
                                {{"rtmp://a/x/1", "A"}, {"rtmp://b/x/2", ""}});
    CHECK(plan.changes_nothing());
    CHECK(plan.keep == std::vector<size_t>{0, 1});
}

TEST_CASE("new destinations start, removed ones stop, the others are kept")
{
    const auto plan = reconcile({desired("rtmp://a/x/1", "A"), desired("rtmp://c/x/3", "C")},
                                {{"rtmp://a/x/1", "A"}, {"rtmp://b/x/2", "B"}});
    CHECK(plan.start == std::vector<size_t>{1});
    CHECK(plan.stop == std::vector<std::string>{"rtmp://b/x/2"});
    CHECK(plan.restart.empty());
    CHECK(plan.keep == std::vector<size_t>{0});
}

TEST_CASE("a new URL under the same name is a restart")
{
    const auto plan = reconcile({desired("rtmp://a/x/NEW", "YouTube")}, {{"rtmp://a/x/OLD", "YouTube"}});
    REQUIRE(plan.restart.size() == 1);
    CHECK(plan.restart[0].old_key == "rtmp://a/x/OLD");
    CHECK(plan.restart[0].desired_index == 0);
    CHECK(plan.start.empty());
    CHECK(plan.stop.empty());
}

TEST_CASE("an unnamed URL that changed is a stop and a start")
{
    const auto plan = reconcile({desired("rtmp://a/x/NEW")}, {{"rtmp://a/x/OLD", ""}});
    CHECK(plan.restart.empty());
    CHECK(plan.start == std::vector<size_t>{0});
    CHECK(plan.stop == std::vector<std::string>{"rtmp://a/x/OLD"});
}

TEST_CASE("a renamed destination with the same URL is kept, not restarted")
{
    const auto plan = reconcile({desired("rtmp://a/x/1", "New name")}, {{"rtmp://a/x/1", "Old name"}});
    CHECK(plan.changes_nothing());
    CHECK(plan.keep == std::vector<size_t>{0});
}

TEST_CASE("an empty desired set stops everything")
{
    const auto plan = reconcile({}, {{"rtmp://a/x/1", "A"}, {"rtmp://b/x/2", ""}});
    CHECK(plan.stop.size() == 2);
    CHECK(plan.start.empty());
}
