/*
 * The data-structure headers used from C, as a course module uses them: the seed's
 * queue_item FIFO on list_head and its node_item rbtree functions, then every other header.
 * Each function returns 0, or the line of the first failed check (ds_c_api_test.cpp runs
 * them). The same file also compiles as C++ (ds_headers_test.sh), so it sticks to the
 * common subset.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/circ_buf.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "ds_c_api.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return __LINE__;                                                                       \
    } while (0)

/* ---- The seed's linked-list slides -------------------------------------------------------- */

#define BUFFER_LEN 32

struct queue_item {
    char buffer[BUFFER_LEN];
    struct list_head node;
};

int ds_c_seed_list(void) {
    struct list_head head;
    struct queue_item *node_queue;
    struct list_head *ptr;
    const char *words[] = {"one", "two", "three"};
    size_t i;
    int seen = 0;

    INIT_LIST_HEAD(&head);
    CHECK(list_empty(&head));
    for (i = 0; i < ARRAY_SIZE(words); i++) {
        node_queue = (struct queue_item *)kmalloc(sizeof(struct queue_item), GFP_KERNEL);
        CHECK(node_queue != NULL);
        strscpy(node_queue->buffer, words[i], BUFFER_LEN);
        list_add_tail(&node_queue->node, &head);
    }
    CHECK(!list_empty(&head));

    list_for_each(ptr, &head) {
        node_queue = list_entry(ptr, struct queue_item, node);
        CHECK(strcmp(node_queue->buffer, words[seen]) == 0);
        seen++;
    }
    CHECK(seen == 3);

    /* Dequeue from the front, in order. */
    for (i = 0; i < ARRAY_SIZE(words); i++) {
        node_queue = list_first_entry(&head, struct queue_item, node);
        CHECK(strcmp(node_queue->buffer, words[i]) == 0);
        list_del(&node_queue->node);
        kfree(node_queue);
    }
    CHECK(list_empty(&head));
    CHECK(list_first_entry_or_null(&head, struct queue_item, node) == NULL);
    return 0;
}

/* ---- The seed's rbtree slides --------------------------------------------------------------- */

struct node_item {
    int id;
    struct rb_node node;
};

static struct node_item *rb_insert_node_item(struct rb_root *root, int target) {
    struct rb_node **n = &root->rb_node;
    struct rb_node *parent = NULL;
    struct node_item *source = NULL;
    struct node_item *ans;

    while (*n) {
        parent = *n;
        ans = rb_entry(parent, struct node_item, node);
        if (target < ans->id)
            n = &parent->rb_left;
        else if (target > ans->id)
            n = &parent->rb_right;
        else
            return ans;
    }
    source = (struct node_item *)kmalloc(sizeof(struct node_item), GFP_KERNEL);
    source->id = target;
    rb_link_node(&source->node, parent, n);
    rb_insert_color(&source->node, root);
    return source;
}

static struct node_item *rb_search_node_item(struct rb_root *root, int target) {
    struct rb_node *n = root->rb_node;
    struct node_item *ans;

    while (n) {
        ans = rb_entry(n, struct node_item, node);
        if (target < ans->id)
            n = n->rb_left;
        else if (target > ans->id)
            n = n->rb_right;
        else
            return ans;
    }
    return NULL;
}

static void rb_erase_node_item(struct rb_node *source, struct rb_root *root) {
    struct node_item *target;

    target = rb_entry(source, struct node_item, node);
    rb_erase(source, root);
    kfree(target);
}

int ds_c_seed_rbtree(void) {
    struct rb_root root = RB_ROOT;
    struct node_item *ans, *tmp;
    struct rb_node *n;
    int ids[] = {5, 3, 9, 1, 7, 3};
    int expected[] = {1, 3, 5, 7, 9};
    size_t i = 0;

    CHECK(RB_EMPTY_ROOT(&root));
    for (i = 0; i < ARRAY_SIZE(ids); i++)
        CHECK(rb_insert_node_item(&root, ids[i])->id == ids[i]);
    CHECK(!RB_EMPTY_ROOT(&root));

    i = 0;
    for (n = rb_first(&root); n; n = rb_next(n)) {
        ans = rb_entry(n, struct node_item, node);
        CHECK(i < ARRAY_SIZE(expected) && ans->id == expected[i]);
        i++;
    }
    CHECK(i == ARRAY_SIZE(expected));
    CHECK(rb_entry(rb_last(&root), struct node_item, node)->id == 9);
    CHECK(rb_entry(rb_prev(rb_last(&root)), struct node_item, node)->id == 7);

    CHECK(rb_search_node_item(&root, 4) == NULL);
    ans = rb_search_node_item(&root, 5);
    CHECK(ans != NULL && ans->id == 5);
    rb_erase_node_item(&ans->node, &root);
    CHECK(rb_search_node_item(&root, 5) == NULL);

    rbtree_postorder_for_each_entry_safe(ans, tmp, &root, node) kfree(ans);
    root = RB_ROOT;
    CHECK(RB_EMPTY_ROOT(&root));
    return 0;
}

/* ---- The rest of list.h, hlist and hashtable ------------------------------------------------ */

struct item {
    int value;
    struct list_head link;
    struct hlist_node hnode;
};

int ds_c_lists(void) {
    LIST_HEAD(head);
    LIST_HEAD(other);
    HLIST_HEAD(hhead);
    DEFINE_HASHTABLE(table, 3);
    struct item items[4];
    struct item *pos, *n;
    struct hlist_node *hn;
    int sum = 0, bkt, i;

    for (i = 0; i < 4; i++) {
        items[i].value = i;
        list_add_tail(&items[i].link, &head);
    }
    list_for_each_entry_safe(pos, n, &head, link) {
        if (pos->value % 2)
            list_move_tail(&pos->link, &other);
    }
    CHECK(list_count_nodes(&head) == 2 && list_count_nodes(&other) == 2);
    list_splice_tail_init(&other, &head);
    CHECK(list_empty(&other));
    i = 0;
    list_for_each_entry_reverse(pos, &head, link) sum = sum * 10 + pos->value;
    CHECK(sum == 3120); /* 0 2 1 3 read backwards */

    for (i = 0; i < 4; i++)
        hlist_add_head(&items[i].hnode, &hhead);
    sum = 0;
    hlist_for_each_entry_safe(pos, hn, &hhead, hnode) {
        sum = sum * 10 + pos->value;
        hlist_del_init(&pos->hnode);
    }
    CHECK(sum == 3210 && hlist_empty(&hhead));

    CHECK(hash_empty(table));
    for (i = 0; i < 4; i++)
        hash_add(table, &items[i].hnode, items[i].value);
    sum = 0;
    hash_for_each(table, bkt, pos, hnode) sum += pos->value;
    CHECK(sum == 6);
    hash_for_each_possible(table, pos, hnode, 2) {
        if (pos->value == 2)
            hash_del(&pos->hnode);
    }
    CHECK(!hash_hashed(&items[2].hnode));
    hash_for_each_safe(table, bkt, hn, pos, hnode) hash_del(&pos->hnode);
    CHECK(hash_empty(table));
    return 0;
}

/* ---- Bits, bitmaps, log2, hash ----------------------------------------------------------------
 */

int ds_c_bits(void) {
    DECLARE_BITMAP(map, 100);
    unsigned long bit, count = 0;

    bitmap_zero(map, 100);
    set_bit(3, map);
    __set_bit(64, map);
    CHECK(test_bit(3, map) && test_bit(64, map) && !test_bit(4, map));
    CHECK(!test_and_set_bit(99, map) && test_and_set_bit(99, map));
    CHECK(test_and_clear_bit(99, map) && !test_bit(99, map));
    CHECK(find_first_bit(map, 100) == 3 && find_next_bit(map, 100, 4) == 64);
    CHECK(find_first_zero_bit(map, 100) == 0 && find_last_bit(map, 100) == 64);
    for_each_set_bit(bit, map, 100) count++;
    CHECK(count == 2 && bitmap_weight(map, 100) == 2);
    bitmap_set(map, 10, 20);
    CHECK(bitmap_weight(map, 100) == 22);
    CHECK(BIT(5) == 32 && GENMASK(7, 4) == 0xf0 && BITS_TO_LONGS(65) == 2);
    CHECK(fls(0) == 0 && fls(0x80) == 8 && __ffs(0x10) == 4 && hweight32(0xff) == 8);
    CHECK(ilog2(1024) == 10 && roundup_pow_of_two(33) == 64 && is_power_of_2(64));
    CHECK(hash_32(12345, 8) < 256 && hash_64(12345, 10) < 1024);
    return 0;
}

/* ---- kfifo, circ_buf ---------------------------------------------------------------------- */

int ds_c_fifos(void) {
    DEFINE_KFIFO(ints, int, 8);
    struct kfifo bytes;
    struct circ_buf circ;
    char storage[16];
    int value = 0, i;
    char out[8];

    CHECK(kfifo_size(&ints) == 8 && kfifo_is_empty(&ints));
    for (i = 0; i < 10; i++)
        kfifo_put(&ints, i);
    CHECK(kfifo_is_full(&ints) && kfifo_len(&ints) == 8);
    CHECK(kfifo_get(&ints, &value) == 1 && value == 0);
    CHECK(kfifo_peek(&ints, &value) == 1 && value == 1 && kfifo_avail(&ints) == 1);

    CHECK(kfifo_alloc(&bytes, 5, GFP_KERNEL) == 0 && kfifo_size(&bytes) == 8);
    CHECK(kfifo_in(&bytes, "abcdefghij", 10) == 8);
    CHECK(kfifo_out(&bytes, out, 3) == 3 && memcmp(out, "abc", 3) == 0);
    CHECK(kfifo_in(&bytes, "xyz", 3) == 3); /* wraps around the end */
    CHECK(kfifo_out(&bytes, out, 8) == 8 && memcmp(out, "defghxyz", 8) == 0);
    kfifo_free(&bytes);

    circ.buf = storage;
    circ.head = circ.tail = 0;
    CHECK(CIRC_CNT(circ.head, circ.tail, 16) == 0 && CIRC_SPACE(circ.head, circ.tail, 16) == 15);
    circ.head = 14;
    circ.tail = 4;
    CHECK(CIRC_CNT(circ.head, circ.tail, 16) == 10 &&
          CIRC_CNT_TO_END(circ.head, circ.tail, 16) == 10);
    CHECK(CIRC_SPACE_TO_END(circ.head, circ.tail, 16) == 2);
    return 0;
}

/* ---- kref, idr --------------------------------------------------------------------------------
 */

struct counted {
    struct kref ref;
    int released;
};

static void counted_release(struct kref *ref) {
    container_of(ref, struct counted, ref)->released++;
}

int ds_c_kref_idr(void) {
    struct counted obj;
    DEFINE_IDR(ids);
    int a = 1, b = 2, id;
    int *entry;

    kref_init(&obj.ref);
    obj.released = 0;
    kref_get(&obj.ref);
    CHECK(kref_read(&obj.ref) == 2);
    CHECK(kref_put(&obj.ref, counted_release) == 0 && obj.released == 0);
    CHECK(kref_put(&obj.ref, counted_release) == 1 && obj.released == 1);
    CHECK(!kref_get_unless_zero(&obj.ref));

    CHECK(idr_alloc(&ids, &a, 1, 0, GFP_KERNEL) == 1);
    CHECK(idr_alloc(&ids, &b, 1, 0, GFP_KERNEL) == 2);
    CHECK(idr_find(&ids, 2) == &b);
    id = 0;
    idr_for_each_entry(&ids, entry, id) CHECK(*entry == id);
    CHECK(idr_remove(&ids, 1) == &a && idr_find(&ids, 1) == NULL);
    idr_destroy(&ids);
    CHECK(idr_is_empty(&ids));
    return 0;
}
