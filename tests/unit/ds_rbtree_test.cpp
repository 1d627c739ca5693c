// <linux/rbtree.h>: the tree against std::set under thousands of random insertions and
// erasures, with the red-black invariants checked after each step, plus the walks,
// rb_replace_node and the comparison-function helpers.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <linux/rbtree.h>

namespace {

struct Node {
    int key;
    rb_node rb;
};

Node *node_of(rb_node *n) {
    return rb_entry(n, Node, rb);
}
const Node *node_of(const rb_node *n) {
    return node_of(const_cast<rb_node *>(n));
}
bool is_black(const rb_node *n) {
    return n == nullptr || (n->__rb_parent_color & 1) != 0;
}

// Checks the subtree at n (whose parent must be `parent`); returns its black height, or -1
// with a failure recorded.
int check_subtree(const rb_node *n, const rb_node *parent, const int *lo, const int *hi) {
    if (n == nullptr)
        return 1;
    const Node *node = node_of(n);
    EXPECT_EQ(rb_parent(n), parent) << "parent pointer of " << node->key;
    if (lo != nullptr) {
        EXPECT_LT(*lo, node->key) << "order";
    }
    if (hi != nullptr) {
        EXPECT_LT(node->key, *hi) << "order";
    }
    if (!is_black(n)) {
        EXPECT_TRUE(is_black(n->rb_left) && is_black(n->rb_right))
            << "red node " << node->key << " has a red child";
    }
    int left = check_subtree(n->rb_left, n, lo, &node->key);
    int right = check_subtree(n->rb_right, n, &node->key, hi);
    if (left < 0 || right < 0)
        return -1;
    EXPECT_EQ(left, right) << "black heights differ below " << node->key;
    if (left != right)
        return -1;
    return left + (is_black(n) ? 1 : 0);
}

void check_tree(const rb_root *root, const std::set<int> &expected) {
    if (root->rb_node != nullptr) {
        ASSERT_TRUE(is_black(root->rb_node)) << "red root";
    }
    ASSERT_GE(check_subtree(root->rb_node, nullptr, nullptr, nullptr), 0);
    std::vector<int> forward, backward;
    for (rb_node *n = rb_first(root); n != nullptr; n = rb_next(n))
        forward.push_back(node_of(n)->key);
    for (rb_node *n = rb_last(root); n != nullptr; n = rb_prev(n))
        backward.push_back(node_of(n)->key);
    std::reverse(backward.begin(), backward.end());
    ASSERT_EQ(forward, std::vector<int>(expected.begin(), expected.end()));
    ASSERT_EQ(backward, forward);
    EXPECT_EQ(RB_EMPTY_ROOT(root), expected.empty());
}

// The seed's insert: search, link as a red leaf, rebalance.
bool insert(rb_root *root, Node *node) {
    rb_node **link = &root->rb_node;
    rb_node *parent = nullptr;
    while (*link != nullptr) {
        parent = *link;
        int key = node_of(parent)->key;
        if (node->key < key)
            link = &parent->rb_left;
        else if (node->key > key)
            link = &parent->rb_right;
        else
            return false;
    }
    rb_link_node(&node->rb, parent, link);
    rb_insert_color(&node->rb, root);
    return true;
}

Node *search(rb_root *root, int key) {
    rb_node *n = root->rb_node;
    while (n != nullptr) {
        Node *node = node_of(n);
        if (key < node->key)
            n = n->rb_left;
        else if (key > node->key)
            n = n->rb_right;
        else
            return node;
    }
    return nullptr;
}

TEST(RbTree, EmptyTree) {
    rb_root root = RB_ROOT;
    EXPECT_TRUE(RB_EMPTY_ROOT(&root));
    EXPECT_EQ(rb_first(&root), nullptr);
    EXPECT_EQ(rb_last(&root), nullptr);
    EXPECT_EQ(rb_first_postorder(&root), nullptr);
    Node n{1, {}};
    RB_CLEAR_NODE(&n.rb);
    EXPECT_TRUE(RB_EMPTY_NODE(&n.rb));
    EXPECT_EQ(rb_next(&n.rb), nullptr);
    EXPECT_EQ(rb_prev(&n.rb), nullptr);
}

TEST(RbTree, SequentialInsertsStayBalanced) {
    rb_root root = RB_ROOT;
    std::vector<Node> nodes(1024);
    std::set<int> keys;
    for (int i = 0; i < 1024; ++i) {
        nodes[i].key = i;
        ASSERT_TRUE(insert(&root, &nodes[i]));
        keys.insert(i);
    }
    check_tree(&root, keys);
    int height = 0;
    for (rb_node *n = rb_first(&root); n != nullptr; n = rb_parent(n))
        ++height;
    EXPECT_LE(height, 2 * 11); // <= 2 log2(n + 1)
}

TEST(RbTree, RandomInsertEraseMatchesStdSet) {
    std::mt19937 rng(20240601);
    constexpr int kKeys = 512;
    std::vector<Node> nodes(kKeys);
    for (int i = 0; i < kKeys; ++i)
        nodes[i].key = i;
    std::vector<bool> in_tree(kKeys, false);
    rb_root root = RB_ROOT;
    std::set<int> expected;
    std::uniform_int_distribution<int> pick(0, kKeys - 1);
    for (int step = 0; step < 6000; ++step) {
        int key = pick(rng);
        if (!in_tree[key]) {
            ASSERT_TRUE(insert(&root, &nodes[key]));
            expected.insert(key);
        } else {
            Node *found = search(&root, key);
            ASSERT_EQ(found, &nodes[key]);
            rb_erase(&found->rb, &root);
            expected.erase(key);
        }
        in_tree[key] = !in_tree[key];
        if (step % 7 == 0 || step < 300)
            check_tree(&root, expected);
        if (HasFatalFailure() || HasFailure())
            FAIL() << "at step " << step;
    }
    check_tree(&root, expected);
    // Erase everything in random order.
    std::vector<int> rest(expected.begin(), expected.end());
    std::shuffle(rest.begin(), rest.end(), rng);
    for (int key : rest) {
        rb_erase(&nodes[key].rb, &root);
        expected.erase(key);
        check_tree(&root, expected);
        ASSERT_FALSE(HasFailure());
    }
    EXPECT_TRUE(RB_EMPTY_ROOT(&root));
}

TEST(RbTree, ReplaceNodeKeepsShapeAndColours) {
    std::mt19937 rng(7);
    std::vector<Node> nodes(200), spares(200);
    rb_root root = RB_ROOT;
    std::set<int> expected;
    for (int i = 0; i < 200; ++i) {
        nodes[i].key = spares[i].key = i * 2;
        insert(&root, &nodes[i]);
        expected.insert(i * 2);
    }
    std::vector<int> order(200);
    for (int i = 0; i < 200; ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (int i : order) {
        unsigned long colour = nodes[i].rb.__rb_parent_color & 1;
        rb_replace_node(&nodes[i].rb, &spares[i].rb, &root);
        EXPECT_EQ(search(&root, i * 2), &spares[i]);
        EXPECT_EQ(spares[i].rb.__rb_parent_color & 1, colour);
    }
    check_tree(&root, expected);
    // The replacements are real members: erasing them works.
    for (int i = 0; i < 200; i += 3) {
        rb_erase(&spares[i].rb, &root);
        expected.erase(i * 2);
    }
    check_tree(&root, expected);
}

TEST(RbTree, PostorderVisitsChildrenBeforeParents) {
    std::vector<Node> nodes(100);
    rb_root root = RB_ROOT;
    for (int i = 0; i < 100; ++i) {
        nodes[i].key = (i * 37) % 100;
        insert(&root, &nodes[i]);
    }
    std::set<const rb_node *> visited;
    for (rb_node *n = rb_first_postorder(&root); n != nullptr; n = rb_next_postorder(n)) {
        if (n->rb_left != nullptr) {
            EXPECT_TRUE(visited.count(n->rb_left));
        }
        if (n->rb_right != nullptr) {
            EXPECT_TRUE(visited.count(n->rb_right));
        }
        visited.insert(n);
    }
    EXPECT_EQ(visited.size(), 100U);

    // The teardown idiom, with heap nodes freed as it goes.
    rb_root heap_root = RB_ROOT;
    for (int i = 0; i < 50; ++i) {
        auto *n = new Node{i, {}};
        insert(&heap_root, n);
    }
    Node *pos, *next;
    int freed = 0;
    rbtree_postorder_for_each_entry_safe(pos, next, &heap_root, rb) {
        delete pos;
        ++freed;
    }
    EXPECT_EQ(freed, 50);
}

bool less(rb_node *a, const rb_node *b) {
    return rb_entry(a, Node, rb)->key < node_of(b)->key;
}
int cmp_nodes(rb_node *a, const rb_node *b) {
    int x = rb_entry(a, Node, rb)->key, y = node_of(b)->key;
    return x < y ? -1 : x > y ? 1 : 0;
}
int cmp_key(const void *key, const rb_node *b) {
    int x = *static_cast<const int *>(key), y = node_of(b)->key;
    return x < y ? -1 : x > y ? 1 : 0;
}

TEST(RbTree, AddFindAndCachedLeftmost) {
    std::vector<Node> nodes = {{5, {}}, {3, {}}, {5, {}}, {1, {}}, {5, {}}, {8, {}}};
    rb_root_cached root = RB_ROOT_CACHED;
    for (Node &n : nodes)
        rb_add_cached(&n.rb, &root, less);
    EXPECT_EQ(rb_entry(rb_first_cached(&root), Node, rb)->key, 1);
    int five = 5;
    int count = 0;
    rb_node *n;
    rb_for_each(n, &five, &root.rb_root, cmp_key)++ count;
    EXPECT_EQ(count, 3);
    EXPECT_EQ(rb_entry(rb_find_first(&five, &root.rb_root, cmp_key), Node, rb), &nodes[0]);
    int four = 4;
    EXPECT_EQ(rb_find(&four, &root.rb_root, cmp_key), nullptr);

    EXPECT_EQ(rb_erase_cached(&nodes[3].rb, &root), &nodes[1].rb); // new leftmost: 3
    EXPECT_EQ(rb_first_cached(&root), &nodes[1].rb);
    Node three{3, {}};
    rb_replace_node_cached(&nodes[1].rb, &three.rb, &root);
    EXPECT_EQ(rb_first_cached(&root), &three.rb);

    rb_root plain = RB_ROOT;
    Node a{2, {}}, b{2, {}}, c{1, {}};
    EXPECT_EQ(rb_find_add(&a.rb, &plain, cmp_nodes), nullptr);
    EXPECT_EQ(rb_find_add(&b.rb, &plain, cmp_nodes), &a.rb);
    rb_add(&c.rb, &plain, less);
    EXPECT_EQ(rb_first(&plain), &c.rb);
}

} // namespace
