// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for make bench: the in-kernel floor of the copies that
 * ivshmem-vfio-pci's data files make.  It is built and loaded only by
 * tools/testing/bench/bench.mk, in the test VM; never installed.
 *
 * /sys/kernel/debug/ivshmem_copy_bench/run takes a line
 *
 *	<BDF> <op> <len>
 *
 * and runs <op> over the whole of the function's BAR2, <len> bytes per
 * call, with a kernel buffer of <len> bytes:
 *
 *	fromio	memcpy_fromio() from BAR2 to the buffer (the saving floor)
 *	toio	memcpy_toio() from the buffer to BAR2 (the resuming floor;
 *		it overwrites BAR2)
 *	crc32c	crc32c() over the buffer, as many bytes as BAR2 holds
 *	stage	per <len> bytes: copy_from_user() from a buffer of the
 *		caller's into the kernel buffer, crc32c() over it, then
 *		memcpy_toio() to BAR2: the passes of a staged resume (it
 *		overwrites BAR2)
 *
 * Reading the file then gives "bytes=<n> ns=<n>" for the last run.  The
 * function must be bound (to ivshmem-vfio-pci) with memory decoding on,
 * which it is while user space holds the VFIO device open.
 */
#include <linux/crc32c.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define BENCH_BAR	2

static DEFINE_MUTEX(bench_lock);	/* the last result */
static u64 bench_bytes, bench_ns;
static u32 bench_crc;			/* keeps the CRC from being optimised out */
static struct dentry *bench_dir;

enum bench_op { BENCH_FROMIO, BENCH_TOIO, BENCH_CRC32C, BENCH_STAGE };

static int bench_run(struct pci_dev *pdev, enum bench_op op, size_t len)
{
	resource_size_t bar_len = pci_resource_len(pdev, BENCH_BAR);
	unsigned long ubuf = 0;
	void __iomem *bar;
	u64 off, t;
	u32 crc = ~0U;
	void *buf;
	int ret = 0;
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY) || bar_len < len)
		return -EIO;
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, len);
	if (op == BENCH_STAGE) {
		/* The writer's buffer: pages of the caller's, present. */
		ubuf = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
			       MAP_ANONYMOUS | MAP_PRIVATE, 0);
		if (IS_ERR_VALUE(ubuf)) {
			kvfree(buf);
			return (int)ubuf;
		}
		if (copy_to_user((void __user *)ubuf, buf, len)) {
			ret = -EFAULT;
			goto out_unmap;
		}
	}
	bar = pci_iomap(pdev, BENCH_BAR, 0);
	if (!bar) {
		ret = -ENOMEM;
		goto out_unmap;
	}
	t = ktime_get_ns();
	for (off = 0; off + len <= bar_len; off += len) {
		switch (op) {
		case BENCH_FROMIO:
			memcpy_fromio(buf, bar + off, len);
			break;
		case BENCH_TOIO:
			memcpy_toio(bar + off, buf, len);
			break;
		case BENCH_CRC32C:
			crc = crc32c(crc, buf, len);
			break;
		case BENCH_STAGE:
			if (copy_from_user(buf, (void __user *)ubuf, len))
				ret = -EFAULT;
			crc = crc32c(crc, buf, len);
			memcpy_toio(bar + off, buf, len);
			break;
		}
		cond_resched();
	}
	t = ktime_get_ns() - t;
	pci_iounmap(pdev, bar);
	bench_bytes = off;
	bench_ns = t;
	bench_crc = crc;
out_unmap:
	if (ubuf)
		vm_munmap(ubuf, len);
	kvfree(buf);
	return ret;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	static const char * const ops[] = {
		[BENCH_FROMIO] = "fromio",
		[BENCH_TOIO] = "toio",
		[BENCH_CRC32C] = "crc32c",
		[BENCH_STAGE] = "stage",
	};
	unsigned int dom, bus, slot, fn;
	char line[80], op[16];
	struct pci_dev *pdev;
	size_t len;
	int i, ret;

	if (count >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = 0;
	if (sscanf(line, "%x:%x:%x.%x %15s %zu", &dom, &bus, &slot, &fn, op,
		   &len) != 6 || !len || len > SZ_16M)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(op, ops[i]))
			break;
	if (i == ARRAY_SIZE(ops))
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(slot, fn));
	if (!pdev)
		return -ENODEV;
	mutex_lock(&bench_lock);
	ret = bench_run(pdev, i, len);
	mutex_unlock(&bench_lock);
	pci_dev_put(pdev);
	return ret ? ret : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	char line[80];
	int n;

	mutex_lock(&bench_lock);
	n = scnprintf(line, sizeof(line), "bytes=%llu ns=%llu crc=%08x\n",
		      bench_bytes, bench_ns, bench_crc);
	mutex_unlock(&bench_lock);
	return simple_read_from_buffer(ubuf, count, ppos, line, n);
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

static int __init bench_init(void)
{
	bench_dir = debugfs_create_dir("ivshmem_copy_bench", NULL);
	debugfs_create_file("run", 0600, bench_dir, NULL, &bench_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("ivshmem-vfio-pci copy floor benchmark (test only)");
MODULE_LICENSE("GPL");
