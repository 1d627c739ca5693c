// Red-black trees (<linux/rbtree.h>): rebalancing after an insertion and an erasure, and the
// in-order and post-order walks. The caller owns the nodes and does the searching.
//
// Invariants kept: the root is black; a red node has no red child; every path from a node
// down to a missing child passes the same number of black nodes. Colour lives in bit 0 of
// __rb_parent_color (0 red, 1 black), the parent's address in the other bits.
#include <cstdint>

#include <linux/rbtree.h>

namespace {

constexpr unsigned long kBlack = 1;
constexpr unsigned long kColorMask = 1;
constexpr unsigned long kParentMask = ~3UL;

rb_node *parent_of(const rb_node *n) {
    return reinterpret_cast<rb_node *>(n->__rb_parent_color & kParentMask);
}
bool is_black(const rb_node *n) {
    return n == nullptr || (n->__rb_parent_color & kBlack) != 0;
}
bool is_red(const rb_node *n) {
    return !is_black(n);
}
unsigned long color_of(const rb_node *n) {
    return n->__rb_parent_color & kColorMask;
}

void set_parent(rb_node *n, rb_node *parent) {
    n->__rb_parent_color = reinterpret_cast<uintptr_t>(parent) | color_of(n);
}
void set_color(rb_node *n, unsigned long color) {
    n->__rb_parent_color = (n->__rb_parent_color & ~kColorMask) | color;
}
void set_black(rb_node *n) {
    n->__rb_parent_color |= kBlack;
}
void set_red(rb_node *n) {
    n->__rb_parent_color &= ~kBlack;
}

// Makes `now` the child of `parent` that `was` used to be (or the root, if no parent).
void change_child(rb_node *was, rb_node *now, rb_node *parent, rb_root *root) {
    if (parent == nullptr)
        root->rb_node = now;
    else if (parent->rb_left == was)
        parent->rb_left = now;
    else
        parent->rb_right = now;
}

// x's right child takes x's place; x becomes its left child.
void rotate_left(rb_node *x, rb_root *root) {
    rb_node *y = x->rb_right;
    x->rb_right = y->rb_left;
    if (y->rb_left != nullptr)
        set_parent(y->rb_left, x);
    change_child(x, y, parent_of(x), root);
    set_parent(y, parent_of(x));
    y->rb_left = x;
    set_parent(x, y);
}

// x's left child takes x's place; x becomes its right child.
void rotate_right(rb_node *x, rb_root *root) {
    rb_node *y = x->rb_left;
    x->rb_left = y->rb_right;
    if (y->rb_right != nullptr)
        set_parent(y->rb_right, x);
    change_child(x, y, parent_of(x), root);
    set_parent(y, parent_of(x));
    y->rb_right = x;
    set_parent(x, y);
}

// Replaces the subtree at u by the one at v (which may be empty).
void transplant(rb_node *u, rb_node *v, rb_root *root) {
    change_child(u, v, parent_of(u), root);
    if (v != nullptr)
        set_parent(v, parent_of(u));
}

rb_node *leftmost(rb_node *n) {
    while (n->rb_left != nullptr)
        n = n->rb_left;
    return n;
}

rb_node *rightmost(rb_node *n) {
    while (n->rb_right != nullptr)
        n = n->rb_right;
    return n;
}

// The first node of a post-order walk of the subtree at n: its deepest leftmost leaf.
rb_node *deepest_left(rb_node *n) {
    for (;;) {
        if (n->rb_left != nullptr)
            n = n->rb_left;
        else if (n->rb_right != nullptr)
            n = n->rb_right;
        else
            return n;
    }
}

// After a black node was removed, the subtree at x (child of parent, x possibly empty) has
// one black node too few on every path: push the deficit up or resolve it by rotation.
void erase_fixup(rb_node *x, rb_node *parent, rb_root *root) {
    while (x != root->rb_node && is_black(x)) {
        if (x == parent->rb_left) {
            rb_node *sibling = parent->rb_right;
            if (is_red(sibling)) {
                set_black(sibling);
                set_red(parent);
                rotate_left(parent, root);
                sibling = parent->rb_right;
            }
            if (is_black(sibling->rb_left) && is_black(sibling->rb_right)) {
                set_red(sibling);
                x = parent;
                parent = parent_of(x);
                continue;
            }
            if (is_black(sibling->rb_right)) {
                set_black(sibling->rb_left);
                set_red(sibling);
                rotate_right(sibling, root);
                sibling = parent->rb_right;
            }
            set_color(sibling, color_of(parent));
            set_black(parent);
            set_black(sibling->rb_right);
            rotate_left(parent, root);
        } else {
            rb_node *sibling = parent->rb_left;
            if (is_red(sibling)) {
                set_black(sibling);
                set_red(parent);
                rotate_right(parent, root);
                sibling = parent->rb_left;
            }
            if (is_black(sibling->rb_left) && is_black(sibling->rb_right)) {
                set_red(sibling);
                x = parent;
                parent = parent_of(x);
                continue;
            }
            if (is_black(sibling->rb_left)) {
                set_black(sibling->rb_right);
                set_red(sibling);
                rotate_left(sibling, root);
                sibling = parent->rb_left;
            }
            set_color(sibling, color_of(parent));
            set_black(parent);
            set_black(sibling->rb_left);
            rotate_right(parent, root);
        }
        x = root->rb_node;
        break;
    }
    if (x != nullptr)
        set_black(x);
}

} // namespace

extern "C" void rb_insert_color(struct rb_node *node, struct rb_root *root) {
    // node is red; repair a red parent, moving up while the uncle is red too.
    rb_node *parent;
    while ((parent = parent_of(node)) != nullptr && is_red(parent)) {
        rb_node *grandparent = parent_of(parent); // exists: a red node is never the root
        if (parent == grandparent->rb_left) {
            rb_node *uncle = grandparent->rb_right;
            if (is_red(uncle)) {
                set_black(parent);
                set_black(uncle);
                set_red(grandparent);
                node = grandparent;
                continue;
            }
            if (node == parent->rb_right) {
                rotate_left(parent, root);
                node = parent;
                parent = parent_of(node);
            }
            set_black(parent);
            set_red(grandparent);
            rotate_right(grandparent, root);
        } else {
            rb_node *uncle = grandparent->rb_left;
            if (is_red(uncle)) {
                set_black(parent);
                set_black(uncle);
                set_red(grandparent);
                node = grandparent;
                continue;
            }
            if (node == parent->rb_left) {
                rotate_right(parent, root);
                node = parent;
                parent = parent_of(node);
            }
            set_black(parent);
            set_red(grandparent);
            rotate_left(grandparent, root);
        }
    }
    set_black(root->rb_node);
}

extern "C" void rb_erase(struct rb_node *node, struct rb_root *root) {
    bool removed_black = is_black(node);
    rb_node *child;        // what moves into the place of the removed node
    rb_node *child_parent; // its parent afterwards
    if (node->rb_left == nullptr) {
        child = node->rb_right;
        child_parent = parent_of(node);
        transplant(node, child, root);
    } else if (node->rb_right == nullptr) {
        child = node->rb_left;
        child_parent = parent_of(node);
        transplant(node, child, root);
    } else {
        // Two children: the in-order successor takes node's place and colour, so the
        // colour that leaves the tree is the successor's.
        rb_node *successor = leftmost(node->rb_right);
        removed_black = is_black(successor);
        child = successor->rb_right;
        if (parent_of(successor) == node) {
            child_parent = successor;
        } else {
            child_parent = parent_of(successor);
            transplant(successor, child, root);
            successor->rb_right = node->rb_right;
            set_parent(successor->rb_right, successor);
        }
        transplant(node, successor, root);
        successor->rb_left = node->rb_left;
        set_parent(successor->rb_left, successor);
        set_color(successor, color_of(node));
    }
    if (removed_black)
        erase_fixup(child, child_parent, root);
}

extern "C" struct rb_node *rb_first(const struct rb_root *root) {
    return root->rb_node == nullptr ? nullptr : leftmost(root->rb_node);
}

extern "C" struct rb_node *rb_last(const struct rb_root *root) {
    return root->rb_node == nullptr ? nullptr : rightmost(root->rb_node);
}

extern "C" struct rb_node *rb_next(const struct rb_node *node) {
    if (RB_EMPTY_NODE(node))
        return nullptr;
    if (node->rb_right != nullptr)
        return leftmost(node->rb_right);
    // Up until we come from a left child: that parent is next.
    rb_node *parent;
    while ((parent = parent_of(node)) != nullptr && node == parent->rb_right)
        node = parent;
    return parent;
}

extern "C" struct rb_node *rb_prev(const struct rb_node *node) {
    if (RB_EMPTY_NODE(node))
        return nullptr;
    if (node->rb_left != nullptr)
        return rightmost(node->rb_left);
    rb_node *parent;
    while ((parent = parent_of(node)) != nullptr && node == parent->rb_left)
        node = parent;
    return parent;
}

extern "C" struct rb_node *rb_first_postorder(const struct rb_root *root) {
    return root->rb_node == nullptr ? nullptr : deepest_left(root->rb_node);
}

extern "C" struct rb_node *rb_next_postorder(const struct rb_node *node) {
    if (node == nullptr)
        return nullptr;
    rb_node *parent = parent_of(node);
    // Coming up from a left child, the right subtree (if any) comes before the parent.
    if (parent != nullptr && node == parent->rb_left && parent->rb_right != nullptr)
        return deepest_left(parent->rb_right);
    return parent;
}

extern "C" void rb_replace_node(struct rb_node *victim, struct rb_node *replacement,
                                struct rb_root *root) {
    rb_node *parent = parent_of(victim);
    *replacement = *victim; // same parent, children and colour
    if (victim->rb_left != nullptr)
        set_parent(victim->rb_left, replacement);
    if (victim->rb_right != nullptr)
        set_parent(victim->rb_right, replacement);
    change_child(victim, replacement, parent, root);
}

extern "C" void rb_replace_node_rcu(struct rb_node *victim, struct rb_node *replacement,
                                    struct rb_root *root) {
    // The sandbox has no RCU readers walking trees locklessly: the plain replacement is it.
    rb_replace_node(victim, replacement, root);
}
