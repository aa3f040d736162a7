/*
 * chprobe: a PVH "kernel" that reports what cloud-hypervisor hands a guest.
 *
 * cloud-hypervisor enters a PVH kernel in 32-bit protected mode, paging off,
 * with %ebx pointing at the hvm_start_info structure (Xen's
 * arch/x86/include/public/hvm/start_info.h, version 1 adds the memmap). This
 * program writes to the 16550 UART at 0x3f8:
 *
 *   chprobe begin <magic> <version> <memmap entries>
 *   memmap <addr> <size> <type>          one line per hvm_memmap_table_entry
 *   table <signature> <length>           for the XSDT and each table it lists,
 *   <hex bytes, 32 per line>             followed by the table's bytes
 *   chprobe end
 *
 * then writes S5 (SLP_TYP 5 | SLP_EN) to the FADT's sleep control register,
 * which cloud-hypervisor's ACPI shutdown device turns into a clean exit.
 *
 * Built with gcc -m32 -ffreestanding -nostdlib: no headers, no libgcc (all
 * 64-bit values are printed as two 32-bit halves), nothing writable but the
 * stack. tests/ch_probe.rs builds it, wraps it in an ELF64 file with a PVH
 * note, boots it and compares the result with topoc's predictions.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define COM1 0x3f8
#define START_INFO_MAGIC 0x336ec578u

static inline void outb(u16 port, u8 value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_(char c)
{
	/* Wait for the transmit holding register (LSR bit 5). */
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (u8)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void hex(u32 v, int digits)
{
	static const char digit[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--)
		putc_(digit[(v >> (4 * i)) & 15]);
}

static u32 rd32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* A 64-bit field as 16 hex digits, from its two little-endian halves. */
static void hex64(const u8 *p)
{
	hex(rd32(p + 4), 8);
	hex(rd32(p), 8);
}

/* A 64-bit physical address the probe can reach: below 4 GiB, else 0. */
static const u8 *ptr64(const u8 *p)
{
	return rd32(p + 4) ? 0 : (const u8 *)rd32(p);
}

static void table(const u8 *t)
{
	u32 len = rd32(t + 4);
	puts_("table ");
	for (int i = 0; i < 4; i++)
		putc_((char)t[i]);
	putc_(' ');
	hex(len, 8);
	putc_('\n');
	for (u32 i = 0; i < len; i++) {
		hex(t[i], 2);
		if (i % 32 == 31 || i + 1 == len)
			putc_('\n');
	}
}

static int is_sig(const u8 *t, const char *sig)
{
	for (int i = 0; i < 4; i++)
		if (t[i] != (u8)sig[i])
			return 0;
	return 1;
}

void chprobe_main(const u8 *si)
{
	u16 sleep_port = 0;

	puts_("\nchprobe begin ");
	hex(rd32(si), 8);
	putc_(' ');
	hex(rd32(si + 4), 8);
	if (rd32(si) != START_INFO_MAGIC) {
		puts_("\nchprobe error: no hvm_start_info\nchprobe end\n");
		goto halt;
	}
	/* memmap_paddr at 40, memmap_entries at 48 (version 1). */
	u32 entries = rd32(si + 4) >= 1 ? rd32(si + 48) : 0;
	const u8 *map = ptr64(si + 40);
	putc_(' ');
	hex(entries, 8);
	putc_('\n');
	for (u32 i = 0; map && i < entries; i++) {
		const u8 *e = map + 24 * i; /* addr u64, size u64, type u32, reserved u32 */
		puts_("memmap ");
		hex64(e);
		putc_(' ');
		hex64(e + 8);
		putc_(' ');
		hex(rd32(e + 16), 8);
		putc_('\n');
	}

	/* rsdp_paddr at 32; the RSDP's XSDT address at 24. */
	const u8 *rsdp = ptr64(si + 32);
	const u8 *xsdt = rsdp ? ptr64(rsdp + 24) : 0;
	if (!xsdt) {
		puts_("chprobe error: no XSDT\n");
	} else {
		table(xsdt);
		u32 len = rd32(xsdt + 4);
		for (u32 off = 36; off + 8 <= len; off += 8) {
			const u8 *t = ptr64(xsdt + off);
			if (!t)
				continue;
			table(t);
			/* SLEEP_CONTROL_REG: a Generic Address at 244, its address at 248. */
			if (is_sig(t, "FACP") && rd32(t + 4) >= 256 && t[244] == 1)
				sleep_port = (u16)rd32(t + 248);
		}
	}
	puts_("chprobe end\n");
	if (sleep_port)
		outb(sleep_port, 5 << 2 | 1 << 5);
halt:
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The PVH entry: a stack, then the start_info pointer as the argument. */
__asm__(".section .text.entry, \"ax\"\n"
	".globl chprobe_entry\n"
	"chprobe_entry:\n"
	"	mov $chprobe_stack_top, %esp\n"
	"	push %ebx\n"
	"	call chprobe_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");
