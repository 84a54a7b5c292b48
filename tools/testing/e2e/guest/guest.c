// SPDX-License-Identifier: GPL-2.0
/*
 * The nested e2e guest: a bare-metal program that finds an ivshmem-plain
 * device (1af4:1110) on PCI, and keeps writing a verifiable pattern to
 * its BAR2 and to its BAR0 registers while it runs.
 *
 * Every 4 KiB page of BAR2 carries two words derived from the page number
 * and a generation; the generation last written to each page is kept in
 * the guest's own RAM (which QEMU migrates natively). Each round first
 * checks every page against that log, then writes the next generation,
 * and does the same for INTRMASK and INTRSTATUS. After a live migration
 * the first round on the destination therefore checks everything that
 * was written on the source before the switchover.
 *
 * Output goes to COM1, one line per event:
 *   e2e-guest: dev BB:DD.F bar0 ADDR bar2 ADDR size N pages
 *   e2e-guest: round N ok            (every round, or every few rounds)
 *   e2e-guest: MISMATCH ...          (a value that is not what was written)
 *   e2e-guest: round N FAIL M        (M mismatches so far)
 *   e2e-guest: FATAL ...             (no device, bad BAR: the guest halts)
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define COM1		0x3f8
#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc

#define IVSHMEM_ID	0x11101af4	/* device << 16 | vendor */
#define REG_INTRMASK	0x0
#define REG_INTRSTATUS	0x4

#define PAGE_SIZE	4096
#define MAX_PAGES	(256u << 20 >> 12)	/* up to a 256 MiB BAR2 */
/* Where BAR2 goes if the firmware put it above 4 GiB (paging is off). */
#define BAR2_FALLBACK	0xc0000000u
#define MAX_REPORTS	16

static u32 gen_log[MAX_PAGES];

static inline void pio_out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 pio_in8(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void pio_out32(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 pio_in32(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* MMIO through asm, so that the compiler never merges or drops one. */
static inline u32 mmio_read(u32 addr)
{
	u32 v;

	asm volatile("movl %1, %0" : "=r"(v) : "m"(*(u32 *)addr) : "memory");
	return v;
}

static inline void mmio_write(u32 addr, u32 v)
{
	asm volatile("movl %1, %0" : "=m"(*(u32 *)addr) : "r"(v) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static void putc(char c)
{
	int i;

	for (i = 0; i < 100000 && !(pio_in8(COM1 + 5) & 0x20); i++)
		;
	pio_out8(COM1, c);
}

static void puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc('\r');
		putc(*s++);
	}
}

static void puthex(u32 v, int digits)
{
	while (digits--)
		putc("0123456789abcdef"[(v >> (digits * 4)) & 0xf]);
}

static void putdec(u32 v)
{
	char buf[11];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc(buf[--i]);
}

static u32 cfg_addr(u32 bus, u32 dev, u32 fn, u32 reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static u32 cfg_read(u32 bdf, u32 reg)
{
	pio_out32(PCI_ADDR, bdf | (reg & 0xfc));
	return pio_in32(PCI_DATA);
}

static void cfg_write(u32 bdf, u32 reg, u32 v)
{
	pio_out32(PCI_ADDR, bdf | (reg & 0xfc));
	pio_out32(PCI_DATA, v);
}

static void fatal(const char *why)
{
	puts("e2e-guest: FATAL ");
	puts(why);
	puts("\n");
	for (;;)
		asm volatile("cli; hlt");
}

/* The two words of page @page at generation @gen. */
static u32 pattern(u32 page, u32 gen, u32 word)
{
	u32 v = page * 0x9e3779b1u ^ gen * 0x85ebca77u;

	return word ? ~v ^ 0x5a5a5a5au : v;
}

/* Register values of round @gen: INTRMASK & INTRSTATUS is always 0, so
 * the device never raises its interrupt.
 */
static u32 mask_of(u32 gen)
{
	return (gen * 0x01000193u) & 0x55555555u;
}

static u32 status_of(u32 gen)
{
	return (gen * 0x00010dcdu) & 0xaaaaaaaau;
}

static u32 mismatches;

static void report(const char *what, u32 where, u32 want, u32 got)
{
	mismatches++;
	if (mismatches > MAX_REPORTS)
		return;
	puts("e2e-guest: MISMATCH ");
	puts(what);
	puts(" 0x");
	puthex(where, 8);
	puts(" want 0x");
	puthex(want, 8);
	puts(" got 0x");
	puthex(got, 8);
	puts("\n");
}

void guest_main(void)
{
	u32 bdf = 0, bus, dev, cmd, lo, hi, bar0, bar2, npages, page, gen;
	u32 want, got, reg_gen = 0, print_every = 1;
	u64 size, t0 = 0, t1;

	puts("\ne2e-guest: start\n");
	for (bus = 0; bus < 8 && !bdf; bus++)
		for (dev = 0; dev < 32 && !bdf; dev++)
			if (cfg_read(cfg_addr(bus, dev, 0, 0), 0) == IVSHMEM_ID)
				bdf = cfg_addr(bus, dev, 0, 0);
	if (!bdf)
		fatal("no ivshmem device (1af4:1110) on buses 0-7");

	/* Size BAR2 (64-bit) with memory decoding off, then restore it. */
	cmd = cfg_read(bdf, 0x04);
	cfg_write(bdf, 0x04, cmd & ~0x3u);
	lo = cfg_read(bdf, 0x18);
	hi = cfg_read(bdf, 0x1c);
	cfg_write(bdf, 0x18, 0xffffffffu);
	cfg_write(bdf, 0x1c, 0xffffffffu);
	size = (u64)cfg_read(bdf, 0x1c) << 32 | (cfg_read(bdf, 0x18) & ~0xfu);
	size = ~size + 1;
	if (hi) {
		puts("e2e-guest: BAR2 above 4 GiB, moving it\n");
		lo = BAR2_FALLBACK | (lo & 0xf);
		hi = 0;
	}
	cfg_write(bdf, 0x18, lo);
	cfg_write(bdf, 0x1c, hi);
	cfg_write(bdf, 0x04, cmd | 0x2);	/* memory space on */

	bar0 = cfg_read(bdf, 0x10) & ~0xfu;
	bar2 = cfg_read(bdf, 0x18) & ~0xfu;
	if (!bar0 || !bar2 || size < PAGE_SIZE || size > (u64)MAX_PAGES * PAGE_SIZE)
		fatal("BAR0 or BAR2 not usable");
	npages = size / PAGE_SIZE;

	puts("e2e-guest: dev ");
	puthex((bdf >> 16) & 0xff, 2);
	putc(':');
	puthex((bdf >> 11) & 0x1f, 2);
	puts(".0 bar0 0x");
	puthex(bar0, 8);
	puts(" bar2 0x");
	puthex(bar2, 8);
	puts(" size ");
	putdec(npages);
	puts(" pages\n");

	for (gen = 1; ; gen++) {
		for (page = 0; page < npages; page++) {
			u32 a = bar2 + page * PAGE_SIZE;

			if (gen_log[page]) {
				want = pattern(page, gen_log[page], 0);
				got = mmio_read(a);
				if (got != want)
					report("bar2", a - bar2, want, got);
				want = pattern(page, gen_log[page], 1);
				got = mmio_read(a + PAGE_SIZE - 4);
				if (got != want)
					report("bar2", a - bar2 + PAGE_SIZE - 4,
					       want, got);
			}
			mmio_write(a, pattern(page, gen, 0));
			mmio_write(a + PAGE_SIZE - 4, pattern(page, gen, 1));
			gen_log[page] = gen;
		}

		/* INTRSTATUS reads clear it: read, check, set it again. */
		if (reg_gen) {
			got = mmio_read(bar0 + REG_INTRMASK);
			if (got != mask_of(reg_gen))
				report("intrmask", REG_INTRMASK,
				       mask_of(reg_gen), got);
			got = mmio_read(bar0 + REG_INTRSTATUS);
			if (got != status_of(reg_gen))
				report("intrstatus", REG_INTRSTATUS,
				       status_of(reg_gen), got);
		}
		mmio_write(bar0 + REG_INTRMASK, mask_of(gen));
		mmio_write(bar0 + REG_INTRSTATUS, status_of(gen));
		reg_gen = gen;

		if (gen % print_every)
			continue;
		puts("e2e-guest: round ");
		putdec(gen);
		if (mismatches) {
			puts(" FAIL ");
			putdec(mismatches);
		} else {
			puts(" ok");
		}
		puts("\n");
		/*
		 * A few lines per second at most: time rounds 2 to 9 (the
		 * TSC runs at the host's rate, some GHz) and print every
		 * power of two rounds that takes at least ~0.2 s.
		 */
		if (gen == 1)
			t0 = rdtsc();
		if (gen == 9) {
			t1 = (rdtsc() - t0) / 8;
			while ((u64)print_every * t1 < 500000000ull &&
			       print_every < 256)
				print_every *= 2;
		}
	}
}
