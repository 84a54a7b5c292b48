// SPDX-License-Identifier: GPL-2.0
/*
 * The nested e2e guest: a bare-metal program that finds an ivshmem-plain
 * device (1af4:1110) on PCI, and keeps writing a verifiable pattern to
 * its BAR2 and to its BAR0 registers while it runs.
 *
 * Every 4 KiB page of BAR2 carries two words derived from the page number
 * and a generation; the generation last written to each page is kept in
 * the guest's own RAM (which QEMU migrates natively). The first round
 * writes every page. Each later round first checks every page against
 * that log, then writes the next generation to the pages of the working
 * set, and does the same for INTRMASK and INTRSTATUS. After a live
 * migration the first round on the destination therefore checks
 * everything that was written on the source before the switchover.
 *
 * The Multiboot command line (QEMU: -append "...") takes words
 * key=value, decimal, others are ignored:
 *   ws=N     working set: pages 0 to N-1 of BAR2 are rewritten (default
 *            and at most: all of BAR2); ws=0 is an idle guest
 *   rate=N   pages written per second, spread out over the round in
 *            batches of ~1 ms (default 0: as fast as it can; the first
 *            round, which writes all of BAR2, is never paced)
 *   idle=1   the same as ws=0: after the first round only checks, never
 *            writes BAR2 again (the registers still change every round)
 * Without any of them, every round checks and rewrites every page.
 *
 * Output goes to COM1, one line per event:
 *   e2e-guest: tsc N kHz             (PIT-calibrated TSC frequency)
 *   e2e-guest: dev BB:DD.F bar0 ADDR bar2 ADDR size N pages
 *   e2e-guest: mode ws=N rate=N      (or: mode idle)
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

#define MB_BOOT_MAGIC	0x2badb002	/* %eax from a Multiboot loader */
#define MB_INFO_CMDLINE	0x4		/* info flags: cmdline (word 4) valid */

/* PIT channel 2, gated and read back through port 0x61. */
#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_61		0x61
#define P61_GATE2	0x01
#define P61_SPEAKER	0x02
#define P61_OUT2	0x20
#define CAL_MS		50
#define CAL_RUNS	3
#define CAL_LIMIT	0x400000000ull	/* TSC ticks: give up on the PIT */
#define TSC_KHZ_GUESS	2000000u

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

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* @n / @d in two divl steps: there is no libgcc for a 64-bit division. */
static u64 div64(u64 n, u32 d)
{
	u32 hi = n >> 32, lo = n, qlo, rem;

	rem = hi % d;
	asm("divl %2" : "=a"(qlo), "=d"(rem) : "rm"(d), "0"(lo), "1"(rem));
	return (u64)(hi / d) << 32 | qlo;
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

/*
 * TSC ticks while PIT channel 2 counts CAL_MS ms down in mode 0 (OUT2
 * goes high at the end), 0 if OUT2 never does.
 */
static u64 pit_ticks(void)
{
	u32 count = PIT_HZ / 1000 * CAL_MS + PIT_HZ % 1000 * CAL_MS / 1000;
	u8 p61 = pio_in8(PORT_61) & 0x0f;
	u64 t0, t;

	pio_out8(PORT_61, (p61 & ~P61_SPEAKER) | P61_GATE2);
	pio_out8(PIT_CMD, 0xb0);	/* channel 2, lobyte/hibyte, mode 0 */
	pio_out8(PIT_CH2, count & 0xff);
	pio_out8(PIT_CH2, count >> 8);
	t0 = rdtsc();
	do {
		t = rdtsc() - t0;
		if (t > CAL_LIMIT) {
			t = 0;
			break;
		}
	} while (!(pio_in8(PORT_61) & P61_OUT2));
	pio_out8(PORT_61, p61);
	return t;
}

/* TSC frequency: the median of CAL_RUNS PIT measurements. */
static u32 tsc_calibrate(void)
{
	u64 t[CAL_RUNS], x;
	int i, j;

	for (i = 0; i < CAL_RUNS; i++) {
		x = pit_ticks();
		for (j = i; j > 0 && t[j - 1] > x; j--)
			t[j] = t[j - 1];
		t[j] = x;
	}
	return div64(t[CAL_RUNS / 2], CAL_MS);
}

/* Parameters from the command line; ~0u: not given. */
static u32 opt_ws = ~0u, opt_rate, opt_idle;

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void put_word(const char *s)
{
	while (*s && !is_space(*s))
		putc(*s++);
}

/*
 * If the word at @w is @key=N, store N (decimal, saturated) in @val and
 * return 1; 0 if the key is another one, -1 if N is not a number.
 */
static int parse_opt(const char *w, const char *key, u32 *val)
{
	u64 v = 0;

	while (*key && *w == *key) {
		w++;
		key++;
	}
	if (*key || *w++ != '=')
		return 0;
	if (*w < '0' || *w > '9')
		return -1;
	for (; *w >= '0' && *w <= '9'; w++) {
		v = v * 10 + (*w - '0');
		if (v > ~0u)
			v = ~0u;
	}
	if (*w && !is_space(*w))
		return -1;
	*val = v;
	return 1;
}

static void parse_cmdline(const char *s)
{
	int r;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return;
		r = parse_opt(s, "ws", &opt_ws);
		if (!r)
			r = parse_opt(s, "rate", &opt_rate);
		if (!r)
			r = parse_opt(s, "idle", &opt_idle);
		if (r < 0) {
			puts("e2e-guest: bad cmdline word ");
			put_word(s);
			puts("\n");
		}
		while (*s && !is_space(*s))
			s++;
	}
}

static inline void check_page(u32 bar2, u32 page)
{
	u32 a = bar2 + page * PAGE_SIZE, want, got;

	if (!gen_log[page])
		return;
	want = pattern(page, gen_log[page], 0);
	got = mmio_read(a);
	if (got != want)
		report("bar2", a - bar2, want, got);
	want = pattern(page, gen_log[page], 1);
	got = mmio_read(a + PAGE_SIZE - 4);
	if (got != want)
		report("bar2", a - bar2 + PAGE_SIZE - 4, want, got);
}

static inline void write_page(u32 bar2, u32 page, u32 gen)
{
	u32 a = bar2 + page * PAGE_SIZE;

	mmio_write(a, pattern(page, gen, 0));
	mmio_write(a + PAGE_SIZE - 4, pattern(page, gen, 1));
	gen_log[page] = gen;
}

/*
 * Pacing of the writes at rate pages/s: batches of pace_batch pages
 * (1 ms worth at that rate, at least 1 page), each at a deadline
 * pace_next on the TSC that advances by the batch's share of a second,
 * across rounds (the check of a round takes time from its budget). A
 * guest that falls more than pace_slack (50 ms) behind, after a slow
 * check or on a busy host, drops the backlog instead of catching up in
 * a burst.
 */
static u32 pace_rate, pace_batch;
static u64 tsc_hz, pace_ticks, pace_slack, pace_next;

static void pace_init(u32 rate, u32 tsc_khz)
{
	pace_rate = rate;
	pace_batch = rate / 1000 ? rate / 1000 : 1;
	tsc_hz = (u64)tsc_khz * 1000;
	pace_ticks = div64(tsc_hz * pace_batch, rate);
	pace_slack = (u64)tsc_khz * 50;
	pace_next = rdtsc();
}

/* Wait until @n more pages may be written. */
static void pace(u32 n)
{
	u64 now = rdtsc();

	/* A deadline further than one batch ahead: the TSC went back. */
	if (pace_next > now + pace_ticks)
		pace_next = now;
	while (now < pace_next) {
		cpu_relax();
		now = rdtsc();
	}
	if (now - pace_next > pace_slack)
		pace_next = now;
	if (n == pace_batch)
		pace_next += pace_ticks;
	else
		pace_next += div64(tsc_hz * n, pace_rate);
}

void guest_main(u32 magic, u32 info)
{
	u32 bdf = 0, bus, dev, cmd, lo, hi, bar0, bar2, npages, page, gen;
	u32 got, reg_gen = 0, print_every = 1, tsc_khz, ws, rate, n, i;
	const u32 *mbi = (const u32 *)info;
	u64 size, t0 = 0, t1;

	puts("\ne2e-guest: start\n");
	if (magic == MB_BOOT_MAGIC && mbi && (mbi[0] & MB_INFO_CMDLINE) &&
	    mbi[4])
		parse_cmdline((const char *)mbi[4]);

	tsc_khz = tsc_calibrate();
	puts("e2e-guest: tsc ");
	if (tsc_khz) {
		putdec(tsc_khz);
		puts(" kHz\n");
	} else {
		tsc_khz = TSC_KHZ_GUESS;
		putdec(tsc_khz);
		puts(" kHz (PIT calibration failed, a guess)\n");
	}

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

	ws = opt_idle ? 0 : opt_ws < npages ? opt_ws : npages;
	rate = ws ? opt_rate : 0;
	if (ws) {
		puts("e2e-guest: mode ws=");
		putdec(ws);
		puts(" rate=");
		putdec(rate);
		puts("\n");
	} else {
		puts("e2e-guest: mode idle\n");
	}

	for (gen = 1; ; gen++) {
		if (gen == 1 || !rate) {
			/*
			 * Check each page and write it if it is in the
			 * working set (round 1: all of them), at full speed.
			 */
			n = gen == 1 ? npages : ws;
			for (page = 0; page < npages; page++) {
				check_page(bar2, page);
				if (page < n)
					write_page(bar2, page, gen);
			}
		} else {
			/* Check all pages, then write the working set paced. */
			for (page = 0; page < npages; page++)
				check_page(bar2, page);
			for (page = 0; page < ws; page += n) {
				n = ws - page < pace_batch ? ws - page : pace_batch;
				pace(n);
				for (i = 0; i < n; i++)
					write_page(bar2, page + i, gen);
			}
		}
		if (gen == 1 && rate)
			pace_init(rate, tsc_khz);

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
		 * A few lines per second at most: time rounds 2 to 9 and
		 * print every power of two rounds that takes at least 0.2 s
		 * (every round if a round takes that long, as a paced one
		 * of ws/rate seconds may).
		 */
		if (gen == 1)
			t0 = rdtsc();
		if (gen == 9) {
			t1 = (rdtsc() - t0) / 8;
			while ((u64)print_every * t1 < (u64)tsc_khz * 200 &&
			       print_every < 256)
				print_every *= 2;
		}
	}
}
