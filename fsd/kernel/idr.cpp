// ID allocation (<linux/idr.h>). The ids in use are kept as maximal runs [first, end), so
// "the lowest free id >= n" is one ordered-map lookup: n itself, or the end of the run that
// contains n. An idr adds the id -> pointer map.
#include <algorithm>
#include <climits>
#include <iterator>
#include <map>
#include <new>
#include <optional>

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/idr.h>
#include <linux/printk.h>

namespace {

class IdSpace {
  public:
    // The lowest id in [lo, hi] not in use.
    std::optional<unsigned long> lowest_free(unsigned long lo, unsigned long hi) const {
        auto next = runs_.upper_bound(lo);
        if (next != runs_.begin()) {
            auto run = std::prev(next);
            if (run->second > lo)
                lo = run->second; // runs are maximal: their end is free
        }
        if (lo > hi)
            return std::nullopt;
        return lo;
    }

    bool contains(unsigned long id) const {
        auto next = runs_.upper_bound(id);
        return next != runs_.begin() && std::prev(next)->second > id;
    }

    bool empty() const { return runs_.empty(); }

    // id must be free.
    void take(unsigned long id) {
        auto next = runs_.upper_bound(id);
        bool joins_left = next != runs_.begin() && std::prev(next)->second == id;
        bool joins_right = next != runs_.end() && next->first == id + 1;
        if (joins_left) {
            auto left = std::prev(next);
            left->second = joins_right ? next->second : id + 1;
            if (joins_right)
                runs_.erase(next);
        } else if (joins_right) {
            unsigned long end = next->second;
            runs_.erase(next);
            runs_.emplace(id, end);
        } else {
            runs_.emplace(id, id + 1);
        }
    }

    // id must be in use.
    void give(unsigned long id) {
        auto run = std::prev(runs_.upper_bound(id));
        unsigned long first = run->first;
        unsigned long end = run->second;
        runs_.erase(run);
        if (first < id)
            runs_.emplace(first, id);
        if (id + 1 < end)
            runs_.emplace(id + 1, end);
    }

  private:
    std::map<unsigned long, unsigned long> runs_; // first -> end (exclusive)
};

struct IdrMap {
    IdSpace used;
    std::map<unsigned long, void *> entries; // includes reserved (NULL) ids
};

IdrMap *map_of(const struct idr *idr) {
    return static_cast<IdrMap *>(idr->idr_rt);
}
IdSpace *space_of(const struct ida *ida) {
    return static_cast<IdSpace *>(ida->ida_rt);
}

IdrMap *map_for_insert(struct idr *idr) {
    if (idr->idr_rt == nullptr)
        idr->idr_rt = new (std::nothrow) IdrMap;
    return map_of(idr);
}

// Allocates the lowest free id in [lo, hi] (already clamped to the idr's base).
int alloc_in(struct idr *idr, void *ptr, unsigned long lo, unsigned long hi, unsigned long *id) {
    IdrMap *map = map_for_insert(idr);
    if (map == nullptr)
        return -ENOMEM;
    std::optional<unsigned long> found = map->used.lowest_free(lo, hi);
    if (!found)
        return -ENOSPC;
    map->used.take(*found);
    map->entries.emplace(*found, ptr);
    *id = *found;
    return 0;
}

// The id range [start, end) of idr_alloc as inclusive bounds; false if it is empty.
bool int_range(const struct idr *idr, int start, int end, unsigned long *lo, unsigned long *hi) {
    *lo = std::max<unsigned long>(static_cast<unsigned long>(start), idr->idr_base);
    *hi = end <= 0 ? static_cast<unsigned long>(INT_MAX) : static_cast<unsigned long>(end) - 1;
    return *lo <= *hi;
}

} // namespace

extern "C" int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t) {
    if (start < 0)
        return -EINVAL;
    unsigned long lo, hi, id;
    if (!int_range(idr, start, end, &lo, &hi))
        return -ENOSPC;
    int err = alloc_in(idr, ptr, lo, hi, &id);
    return err != 0 ? err : static_cast<int>(id);
}

extern "C" int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end, gfp_t) {
    if (start < 0)
        return -EINVAL;
    unsigned long lo, hi, id;
    if (!int_range(idr, start, end, &lo, &hi))
        return -ENOSPC;
    unsigned long from = std::max<unsigned long>(lo, idr->idr_next);
    int err = from <= hi ? alloc_in(idr, ptr, from, hi, &id) : -ENOSPC;
    if (err == -ENOSPC && from > lo)
        err = alloc_in(idr, ptr, lo, hi, &id);
    if (err != 0)
        return err;
    idr->idr_next = static_cast<unsigned int>(id + 1);
    return static_cast<int>(id);
}

extern "C" int idr_alloc_u32(struct idr *idr, void *ptr, u32 *nextid, unsigned long max, gfp_t) {
    unsigned long lo = std::max<unsigned long>(*nextid, idr->idr_base);
    unsigned long hi = std::min<unsigned long>(max, UINT_MAX);
    unsigned long id;
    if (lo > hi)
        return -ENOSPC;
    int err = alloc_in(idr, ptr, lo, hi, &id);
    if (err == 0)
        *nextid = static_cast<u32>(id);
    return err;
}

extern "C" void *idr_find(const struct idr *idr, unsigned long id) {
    const IdrMap *map = map_of(idr);
    if (map == nullptr)
        return nullptr;
    auto it = map->entries.find(id);
    return it == map->entries.end() ? nullptr : it->second;
}

extern "C" void *idr_remove(struct idr *idr, unsigned long id) {
    IdrMap *map = map_of(idr);
    if (map == nullptr)
        return nullptr;
    auto it = map->entries.find(id);
    if (it == map->entries.end())
        return nullptr;
    void *ptr = it->second;
    map->entries.erase(it);
    map->used.give(id);
    return ptr;
}

extern "C" void *idr_replace(struct idr *idr, void *ptr, unsigned long id) {
    IdrMap *map = map_of(idr);
    if (map == nullptr)
        return ERR_PTR(-ENOENT);
    auto it = map->entries.find(id);
    if (it == map->entries.end())
        return ERR_PTR(-ENOENT);
    void *old = it->second;
    it->second = ptr;
    return old;
}

extern "C" int idr_for_each(const struct idr *idr, int (*fn)(int id, void *p, void *data),
                            void *data) {
    const IdrMap *map = map_of(idr);
    if (map == nullptr)
        return 0;
    for (const auto &[id, ptr] : map->entries) {
        if (ptr == nullptr)
            continue;
        if (int ret = fn(static_cast<int>(id), ptr, data); ret != 0)
            return ret;
    }
    return 0;
}

extern "C" void *idr_get_next_ul(struct idr *idr, unsigned long *nextid) {
    const IdrMap *map = map_of(idr);
    if (map == nullptr)
        return nullptr;
    for (auto it = map->entries.lower_bound(*nextid); it != map->entries.end(); ++it) {
        if (it->second != nullptr) {
            *nextid = it->first;
            return it->second;
        }
    }
    return nullptr;
}

extern "C" void *idr_get_next(struct idr *idr, int *nextid) {
    if (*nextid < 0)
        return nullptr;
    unsigned long id = static_cast<unsigned long>(*nextid);
    void *entry = idr_get_next_ul(idr, &id);
    if (entry == nullptr || id > static_cast<unsigned long>(INT_MAX))
        return nullptr;
    *nextid = static_cast<int>(id);
    return entry;
}

extern "C" bool idr_is_empty(const struct idr *idr) {
    const IdrMap *map = map_of(idr);
    return map == nullptr || map->entries.empty();
}

extern "C" void idr_destroy(struct idr *idr) {
    delete map_of(idr);
    idr->idr_rt = nullptr;
}

extern "C" int ida_alloc_range(struct ida *ida, unsigned int min, unsigned int max, gfp_t) {
    unsigned long hi = std::min<unsigned long>(max, INT_MAX);
    if (min > hi)
        return -ENOSPC;
    if (ida->ida_rt == nullptr)
        ida->ida_rt = new (std::nothrow) IdSpace;
    IdSpace *space = space_of(ida);
    if (space == nullptr)
        return -ENOMEM;
    std::optional<unsigned long> found = space->lowest_free(min, hi);
    if (!found)
        return -ENOSPC;
    space->take(*found);
    return static_cast<int>(*found);
}

extern "C" void ida_free(struct ida *ida, unsigned int id) {
    IdSpace *space = space_of(ida);
    if (space == nullptr || !space->contains(id)) {
        printk(KERN_WARNING "ida_free called for id=%u which is not allocated.\n", id);
        return;
    }
    space->give(id);
}

extern "C" void ida_destroy(struct ida *ida) {
    delete space_of(ida);
    ida->ida_rt = nullptr;
}

extern "C" bool ida_is_empty(const struct ida *ida) {
    const IdSpace *space = space_of(ida);
    return space == nullptr || space->empty();
}
