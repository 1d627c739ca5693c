// <linux/list.h>: every list and hlist operation and iterator, checked against the order of
// values it must leave behind.
#include <gtest/gtest.h>

#include <vector>

#include <linux/list.h>

namespace {

struct Item {
    int value;
    list_head link;
    hlist_node hnode;
};

std::vector<int> values(list_head *head) {
    std::vector<int> out;
    Item *pos;
    list_for_each_entry(pos, head, link) out.push_back(pos->value);
    return out;
}

std::vector<int> hvalues(hlist_head *head) {
    std::vector<int> out;
    Item *pos;
    hlist_for_each_entry(pos, head, hnode) out.push_back(pos->value);
    return out;
}

class ListTest : public ::testing::Test {
  protected:
    void SetUp() override {
        INIT_LIST_HEAD(&head);
        for (int i = 0; i < 5; ++i) {
            items[i].value = i;
            list_add_tail(&items[i].link, &head);
        }
    }
    list_head head;
    Item items[5];
};

TEST(List, StaticHeadIsEmptyAndAddPushesFront) {
    LIST_HEAD(h);
    EXPECT_TRUE(list_empty(&h));
    EXPECT_TRUE(list_empty_careful(&h));
    Item a{1, {}, {}}, b{2, {}, {}};
    list_add(&a.link, &h);
    list_add(&b.link, &h);
    EXPECT_EQ(values(&h), (std::vector<int>{2, 1}));
    EXPECT_TRUE(list_is_first(&b.link, &h));
    EXPECT_TRUE(list_is_last(&a.link, &h));
    EXPECT_TRUE(list_is_head(&h, &h));
    EXPECT_FALSE(list_is_singular(&h));
    list_del(&b.link);
    EXPECT_TRUE(list_is_singular(&h));
    EXPECT_EQ(b.link.next, static_cast<list_head *>(LIST_POISON1));
    EXPECT_EQ(b.link.prev, static_cast<list_head *>(LIST_POISON2));
}

TEST_F(ListTest, IteratesForwardBackwardAndFromEntries) {
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2, 3, 4}));
    std::vector<int> seen;
    list_head *p;
    list_for_each_prev(p, &head) seen.push_back(list_entry(p, Item, link)->value);
    EXPECT_EQ(seen, (std::vector<int>{4, 3, 2, 1, 0}));

    seen.clear();
    Item *pos;
    list_for_each_entry_reverse(pos, &head, link) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{4, 3, 2, 1, 0}));

    seen.clear();
    pos = &items[1];
    list_for_each_entry_continue(pos, &head, link) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 3, 4}));

    seen.clear();
    pos = &items[3];
    list_for_each_entry_continue_reverse(pos, &head, link) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 1, 0}));

    seen.clear();
    pos = &items[2];
    list_for_each_entry_from(pos, &head, link) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 3, 4}));

    seen.clear();
    pos = &items[2];
    list_for_each_entry_from_reverse(pos, &head, link) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 1, 0}));

    seen.clear();
    p = &items[2].link;
    list_for_each_continue(p, &head) seen.push_back(list_entry(p, Item, link)->value);
    EXPECT_EQ(seen, (std::vector<int>{3, 4}));

    Item *none = nullptr;
    Item *start = list_prepare_entry(none, &head, link);
    seen.clear();
    list_for_each_entry_continue(start, &head, link) seen.push_back(start->value);
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));

    EXPECT_EQ(list_first_entry(&head, Item, link)->value, 0);
    EXPECT_EQ(list_last_entry(&head, Item, link)->value, 4);
    EXPECT_EQ(list_first_entry_or_null(&head, Item, link), &items[0]);
    EXPECT_EQ(list_next_entry(&items[1], link)->value, 2);
    EXPECT_EQ(list_prev_entry(&items[1], link)->value, 0);
    EXPECT_EQ(list_next_entry_circular(&items[4], &head, link)->value, 0);
    EXPECT_EQ(list_prev_entry_circular(&items[0], &head, link)->value, 4);
    EXPECT_EQ(list_count_nodes(&head), 5U);
}

TEST_F(ListTest, SafeIterationAllowsDeletingEveryOtherEntry) {
    Item *pos, *n;
    list_for_each_entry_safe(pos, n, &head, link) {
        if (pos->value % 2 == 0)
            list_del(&pos->link);
    }
    EXPECT_EQ(values(&head), (std::vector<int>{1, 3}));

    list_head *p, *q;
    list_for_each_safe(p, q, &head) list_del_init(p);
    EXPECT_TRUE(list_empty(&head));
    EXPECT_TRUE(list_empty(&items[1].link)); // del_init leaves the entry empty, not poisoned
}

TEST_F(ListTest, SafeReverseContinueAndFromVariants) {
    Item *pos, *n;
    std::vector<int> seen;
    list_for_each_entry_safe_reverse(pos, n, &head, link) {
        seen.push_back(pos->value);
        list_del(&pos->link);
        if (pos->value == 3)
            break;
    }
    EXPECT_EQ(seen, (std::vector<int>{4, 3}));
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2}));

    pos = &items[0];
    list_for_each_entry_safe_continue(pos, n, &head, link) list_del(&pos->link);
    EXPECT_EQ(values(&head), (std::vector<int>{0}));

    pos = &items[0];
    list_for_each_entry_safe_from(pos, n, &head, link) list_del(&pos->link);
    EXPECT_TRUE(list_empty(&head));

    list_head *p, *q;
    INIT_LIST_HEAD(&head);
    list_add_tail(&items[0].link, &head);
    list_add_tail(&items[1].link, &head);
    seen.clear();
    list_for_each_prev_safe(p, q, &head) {
        seen.push_back(list_entry(p, Item, link)->value);
        list_del(p);
    }
    EXPECT_EQ(seen, (std::vector<int>{1, 0}));
    EXPECT_TRUE(list_empty(&head));
}

TEST_F(ListTest, MoveReplaceSwapRotate) {
    list_move(&items[3].link, &head);
    EXPECT_EQ(values(&head), (std::vector<int>{3, 0, 1, 2, 4}));
    list_move_tail(&items[3].link, &head);
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2, 4, 3}));

    Item x{9, {}, {}};
    list_replace(&items[2].link, &x.link);
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 9, 4, 3}));
    list_replace_init(&x.link, &items[2].link);
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2, 4, 3}));
    EXPECT_TRUE(list_empty(&x.link));

    list_swap(&items[4].link, &items[3].link); // neighbours
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2, 3, 4}));
    list_swap(&items[0].link, &items[4].link); // ends
    EXPECT_EQ(values(&head), (std::vector<int>{4, 1, 2, 3, 0}));
    list_swap(&items[0].link, &items[4].link);

    list_rotate_left(&head);
    EXPECT_EQ(values(&head), (std::vector<int>{1, 2, 3, 4, 0}));
    list_rotate_to_front(&items[3].link, &head);
    EXPECT_EQ(values(&head), (std::vector<int>{3, 4, 0, 1, 2}));

    list_bulk_move_tail(&head, &items[4].link, &items[0].link);
    EXPECT_EQ(values(&head), (std::vector<int>{3, 1, 2, 4, 0}));
}

TEST_F(ListTest, SpliceJoinsAtFrontOrTail) {
    LIST_HEAD(other);
    Item extra[2] = {{10, {}, {}}, {11, {}, {}}};
    list_add_tail(&extra[0].link, &other);
    list_add_tail(&extra[1].link, &other);

    list_splice_init(&other, &head);
    EXPECT_EQ(values(&head), (std::vector<int>{10, 11, 0, 1, 2, 3, 4}));
    EXPECT_TRUE(list_empty(&other));

    list_del(&extra[0].link);
    list_del(&extra[1].link);
    list_add_tail(&extra[0].link, &other);
    list_add_tail(&extra[1].link, &other);
    list_splice_tail_init(&other, &head);
    EXPECT_EQ(values(&head), (std::vector<int>{0, 1, 2, 3, 4, 10, 11}));
    EXPECT_TRUE(list_empty(&other));

    list_splice(&other, &head); // empty: nothing happens
    list_splice_tail(&other, &head);
    EXPECT_EQ(values(&head).size(), 7U);
}

TEST_F(ListTest, CutPositionAndCutBefore) {
    LIST_HEAD(front);
    list_cut_position(&front, &head, &items[1].link);
    EXPECT_EQ(values(&front), (std::vector<int>{0, 1}));
    EXPECT_EQ(values(&head), (std::vector<int>{2, 3, 4}));

    LIST_HEAD(none);
    list_cut_position(&none, &head, &head); // entry == head: moves nothing
    EXPECT_TRUE(list_empty(&none));
    EXPECT_EQ(values(&head), (std::vector<int>{2, 3, 4}));

    LIST_HEAD(before);
    list_cut_before(&before, &head, &items[4].link);
    EXPECT_EQ(values(&before), (std::vector<int>{2, 3}));
    EXPECT_EQ(values(&head), (std::vector<int>{4}));

    LIST_HEAD(empty_cut);
    list_cut_before(&empty_cut, &head, &items[4].link); // first entry: nothing before it
    EXPECT_TRUE(list_empty(&empty_cut));
}

TEST_F(ListTest, SafeResetNextAfterRemovingTheNextEntry) {
    Item *pos, *n;
    std::vector<int> seen;
    list_for_each_entry_safe(pos, n, &head, link) {
        seen.push_back(pos->value);
        if (pos->value == 1) {
            list_del(&items[2].link); // the cached next one goes away
            list_safe_reset_next(pos, n, link);
        }
    }
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 3, 4}));
}

TEST(HList, AddBeforeBehindDelAndMove) {
    HLIST_HEAD(h);
    EXPECT_TRUE(hlist_empty(&h));
    Item it[4];
    for (int i = 0; i < 4; ++i) {
        it[i].value = i;
        INIT_HLIST_NODE(&it[i].hnode);
        EXPECT_TRUE(hlist_unhashed(&it[i].hnode));
    }
    hlist_add_head(&it[0].hnode, &h);
    EXPECT_TRUE(hlist_is_singular_node(&it[0].hnode, &h));
    hlist_add_head(&it[1].hnode, &h);
    hlist_add_behind(&it[2].hnode, &it[1].hnode);
    hlist_add_before(&it[3].hnode, &it[1].hnode);
    EXPECT_EQ(hvalues(&h), (std::vector<int>{3, 1, 2, 0}));
    EXPECT_FALSE(hlist_unhashed(&it[2].hnode));
    EXPECT_FALSE(hlist_unhashed_lockless(&it[2].hnode));
    EXPECT_EQ(hlist_count_nodes(&h), 4U);

    hlist_del(&it[1].hnode);
    EXPECT_EQ(it[1].hnode.next, static_cast<hlist_node *>(LIST_POISON1));
    hlist_del_init(&it[0].hnode);
    EXPECT_TRUE(hlist_unhashed(&it[0].hnode));
    hlist_del_init(&it[0].hnode); // unhashed: no-op
    EXPECT_EQ(hvalues(&h), (std::vector<int>{3, 2}));

    hlist_head moved;
    INIT_HLIST_HEAD(&moved);
    hlist_move_list(&h, &moved);
    EXPECT_TRUE(hlist_empty(&h));
    EXPECT_EQ(hvalues(&moved), (std::vector<int>{3, 2}));

    hlist_node *p, *n;
    std::vector<int> seen;
    hlist_for_each_safe(p, n, &moved) {
        seen.push_back(hlist_entry(p, Item, hnode)->value);
        hlist_del(p);
    }
    EXPECT_EQ(seen, (std::vector<int>{3, 2}));
    EXPECT_TRUE(hlist_empty(&moved));

    Item fake;
    INIT_HLIST_NODE(&fake.hnode);
    hlist_add_fake(&fake.hnode);
    EXPECT_TRUE(hlist_fake(&fake.hnode));
    hlist_del(&fake.hnode); // harmless on a fake node
}

TEST(HList, EntryIteratorsContinueFromAndSafe) {
    HLIST_HEAD(h);
    Item it[4];
    for (int i = 3; i >= 0; --i) {
        it[i].value = i;
        hlist_add_head(&it[i].hnode, &h);
    }
    EXPECT_EQ(hvalues(&h), (std::vector<int>{0, 1, 2, 3}));
    Item *pos = &it[1];
    std::vector<int> seen;
    hlist_for_each_entry_continue(pos, hnode) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 3}));
    seen.clear();
    pos = &it[2];
    hlist_for_each_entry_from(pos, hnode) seen.push_back(pos->value);
    EXPECT_EQ(seen, (std::vector<int>{2, 3}));
    EXPECT_EQ(hlist_entry_safe(static_cast<hlist_node *>(nullptr), Item, hnode), nullptr);
    hlist_node *n;
    hlist_for_each_entry_safe(pos, n, &h, hnode) hlist_del_init(&pos->hnode);
    EXPECT_TRUE(hlist_empty(&h));
}

} // namespace
