// SPDX-License-Identifier: GPL-2.0
/*
 * kbuf_cpp: modules/kbuf written in modern C++ with the lkmfs C++ layer (sdk/include/lkmfs).
 * Through the mount it behaves exactly as kbuf does, under its own name:
 *
 *   lkmctl insmod ./kbuf_cpp.ko size=64
 *   echo hi > MNT/kbuf_cpp && cat MNT/kbuf_cpp       # hi
 *   echo there >> MNT/kbuf_cpp && cat MNT/kbuf_cpp   # hi, there
 *
 * A write at offset 0 replaces the content, a later offset or O_APPEND extends it, and a
 * write that does not fit is refused whole with ENOSPC.
 *
 * What differs is the style: the buffer is an lkmfs::karray (kmalloc'd, freed by its
 * owner), the entry an lkmfs::proc_file whose handlers are lambdas capturing the device,
 * the user copies go through lkmfs::user_in/user_out, and the lock is a scoped guard. The
 * layer is templates over the C API kbuf uses too (proc_create_data, copy_from_user,
 * kmalloc, mutex_lock, ...): like kbuf, the module needs nothing but kernel API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <algorithm>
#include <span>

#include <lkmfs/mutex.hpp>
#include <lkmfs/proc.hpp>
#include <lkmfs/slab.hpp>
#include <lkmfs/uaccess.hpp>

#include <linux/module.h>
#include <linux/kernel.h>

#define ENTRY_NAME "kbuf_cpp"

static unsigned int size = 4096;
module_param(size, uint, 0444);
MODULE_PARM_DESC(size, "Capacity of the buffer in bytes (default 4096)");

namespace
{

/* The buffer and its entry: the entry's handlers are lambdas calling back into it. */
class kbuf_device
{
public:
	int create(std::size_t capacity);
	void destroy();

private:
	ssize_t read(lkmfs::user_out to, loff_t &pos);
	ssize_t write(lkmfs::file_ref file, lkmfs::user_in from, loff_t &ppos);

	lkmfs::mutex lock_{ "kbuf_cpp" }; /* guards content_ and len_ */
	lkmfs::karray<char> content_;	  /* size bytes */
	std::size_t len_ = 0;		  /* bytes of content_ in use */
	lkmfs::proc_file entry_;	  /* declared last, so destroyed first */
};

/* Allocates the buffer, then publishes the entry: no handler can see it half-made. */
int kbuf_device::create(std::size_t capacity)
{
	auto buffer = lkmfs::karray<char>::create(capacity);
	if (!buffer)
		return buffer.error();
	content_ = std::move(*buffer);

	auto entry = lkmfs::proc_file::create(
		ENTRY_NAME, 0644, nullptr,
		lkmfs::handlers{
			.read = [this](lkmfs::file_ref, lkmfs::user_out to,
				       loff_t &pos) { return read(to, pos); },
			.write = [this](lkmfs::file_ref file, lkmfs::user_in from,
					loff_t &pos) { return write(file, from, pos); },
			.lseek = default_llseek,
		});
	if (!entry) {
		content_.reset();
		return entry.error();
	}
	entry_ = std::move(*entry);
	return 0;
}

/* The entry first: once its reset() returns, no handler runs or will run. */
void kbuf_device::destroy()
{
	entry_.reset();
	content_.reset();
	len_ = 0;
}

ssize_t kbuf_device::read(lkmfs::user_out to, loff_t &pos)
{
	lkmfs::mutex_guard guard(lock_);
	return lkmfs::read_from_buffer(to, pos, content_.span().first(len_));
}

ssize_t kbuf_device::write(lkmfs::file_ref file, lkmfs::user_in from, loff_t &ppos)
{
	lkmfs::mutex_guard guard(lock_);
	/* procfs passes the file position even under O_APPEND: appending is ours to do. */
	loff_t pos = file.append() ? static_cast<loff_t>(len_) : ppos;
	std::size_t capacity = content_.size();

	if (pos < 0)
		return -EINVAL;
	if (from.empty())
		return 0;
	if (static_cast<std::size_t>(pos) > capacity ||
	    from.size() > capacity - static_cast<std::size_t>(pos)) {
		pr_warn("write of %zu bytes at offset %lld refused: the buffer holds %zu bytes\n",
			from.size(), pos, capacity);
		return -ENOSPC;
	}
	std::size_t off = pos;

	/* Copy first, so that a faulting write leaves the content as it was. */
	auto data = lkmfs::karray<char>::create(from.size());
	if (!data)
		return data.error();
	if (from.copy_in(data->span()) < 0)
		return -EFAULT;

	std::span<char> content = content_.span();
	/* A write at 0 replaces the content; past the end, the gap reads as zeros. */
	if (off == 0)
		len_ = 0;
	else if (off > len_)
		std::ranges::fill(content.subspan(len_, off - len_), '\0');
	std::ranges::copy(data->span(), content.begin() + off);
	len_ = std::max(len_, off + data->size());
	ppos = off + data->size();
	return data->size();
}

/* Constant-initialised: no constructor runs when the module is mapped. */
constinit kbuf_device device;

int __init kbuf_cpp_init()
{
	if (size == 0 || size > KMALLOC_MAX_SIZE) {
		pr_err("size=%u is out of range: 1 to %lu bytes\n", size, KMALLOC_MAX_SIZE);
		return -EINVAL;
	}

	if (int err = device.create(size))
		return err;

	pr_info("entry %s created, capacity %u bytes\n", ENTRY_NAME, size);
	return 0;
}

void __exit kbuf_cpp_exit()
{
	device.destroy();
	pr_info("entry %s removed\n", ENTRY_NAME);
}

} // namespace

module_init(kbuf_cpp_init);
module_exit(kbuf_cpp_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmfs developers");
MODULE_DESCRIPTION("kbuf in modern C++: RAII /proc entry, handlers as lambdas, span user copies");
