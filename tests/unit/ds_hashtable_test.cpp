// <linux/hashtable.h>: objects filed by key, found through their bucket, removed while
// iterating; the table against a std::multimap model.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include <linux/hashtable.h>

namespace {

struct Entry {
    unsigned int key;
    int payload;
    hlist_node node;
};

TEST(Hashtable, AddFindDelete) {
    DEFINE_HASHTABLE(table, 4);
    EXPECT_EQ(HASH_SIZE(table), 16U);
    EXPECT_EQ(HASH_BITS(table), 4);
    EXPECT_TRUE(hash_empty(table));
    std::vector<Entry> entries(100);
    for (unsigned int i = 0; i < 100; ++i) {
        entries[i] = Entry{i % 40, static_cast<int>(i), {}};
        hash_add(table, &entries[i].node, entries[i].key);
        EXPECT_TRUE(hash_hashed(&entries[i].node));
    }
    EXPECT_FALSE(hash_empty(table));
    std::set<int> found;
    Entry *e;
    hash_for_each_possible(table, e, node, 7U) {
        if (e->key == 7)
            found.insert(e->payload);
    }
    EXPECT_EQ(found, (std::set<int>{7, 47, 87}));

    int bkt;
    int count = 0;
    hash_for_each(table, bkt, e, node) {
        EXPECT_EQ(static_cast<unsigned>(bkt), hash_min(e->key, HASH_BITS(table)));
        ++count;
    }
    EXPECT_EQ(count, 100);

    hlist_node *tmp;
    hash_for_each_possible_safe(table, e, tmp, node, 7U) {
        if (e->key == 7)
            hash_del(&e->node);
    }
    EXPECT_FALSE(hash_hashed(&entries[47].node));
    hash_for_each_safe(table, bkt, tmp, e, node) {
        if (e->payload % 2 == 0)
            hash_del(&e->node);
    }
    count = 0;
    hash_for_each(table, bkt, e, node) {
        EXPECT_EQ(e->payload % 2, 1);
        ++count;
    }
    EXPECT_EQ(count, 47); // the 50 odd payloads but 7, 47 and 87
}

TEST(Hashtable, DeclaredTableAndBreakStopsBothLoops) {
    DECLARE_HASHTABLE(table, 3);
    hash_init(table);
    EXPECT_TRUE(hash_empty(table));
    Entry a{1, 1, {}}, b{2, 2, {}};
    hash_add(table, &a.node, a.key);
    hash_add(table, &b.node, b.key);
    int bkt, visits = 0;
    Entry *e;
    hash_for_each(table, bkt, e, node) {
        ++visits;
        break;
    }
    EXPECT_EQ(visits, 1);
    EXPECT_NE(e, nullptr); // left on the entry the loop broke at
}

TEST(Hashtable, RandomTrafficMatchesAMultimap) {
    DEFINE_HASHTABLE(table, 6);
    std::mt19937 rng(5);
    std::vector<Entry> pool(2000);
    std::multimap<unsigned long, Entry *> model;
    for (size_t i = 0; i < pool.size(); ++i) {
        pool[i] = Entry{static_cast<unsigned int>(rng() % 300), static_cast<int>(i), {}};
        hash_add(table, &pool[i].node, pool[i].key);
        model.emplace(pool[i].key, &pool[i]);
    }
    for (int step = 0; step < 1000; ++step) {
        unsigned int key = static_cast<unsigned int>(rng() % 300);
        std::multiset<int> want, got;
        for (auto [it, end] = model.equal_range(key); it != end; ++it)
            want.insert(it->second->payload);
        Entry *e;
        hash_for_each_possible(table, e, node, key) {
            if (e->key == key)
                got.insert(e->payload);
        }
        ASSERT_EQ(got, want);
        if (!want.empty()) {
            auto it = model.find(key);
            hash_del(&it->second->node);
            model.erase(it);
        }
    }
}

} // namespace
