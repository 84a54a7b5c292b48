// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate: inspect vfio-devstate migration streams and compare
 * device compatibility descriptors.  See usage() or vfio-devstate.1.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include "libdevstate.h"

static const char usage_text[] =
"Usage: vfio-devstate [--json] COMMAND ARGS\n"
"\n"
"Inspect VFIO live-migration streams in the vfio-devstate format and\n"
"decide, before migrating, whether a destination device can load the\n"
"state of a source device.\n"
"\n"
"Commands:\n"
"  inspect FILE|-     Decode a stream (a file, or standard input for -).\n"
"                     Prints the header fields, then each section with\n"
"                     its stream offset, type, length and whether its\n"
"                     CRC32C matched, then the end record.  Stops at the\n"
"                     first error and prints its class and reason.\n"
"  describe BDF       Print the compatibility descriptor of PCI device\n"
"                     BDF (e.g. 0000:00:04.0) read from\n"
"                     $SYSFS_ROOT/bus/pci/devices/BDF/vfio_devstate/descriptor\n"
"                     (SYSFS_ROOT defaults to /sys).\n"
"  compat SRC DST     Can state of SRC be loaded by DST?  Each of SRC and\n"
"                     DST is a descriptor file (the text 'describe'\n"
"                     prints), a stream file (its header is used) or a\n"
"                     BDF.  Prints \"compatible\", or one line per reason.\n"
"\n"
"Options:\n"
"  --json             Print one JSON object instead of text.\n"
"  -h, --help         Print this help.\n"
"\n"
"Exit status: 0 success (stream valid, descriptor read, compatible);\n"
"1 stream invalid or devices incompatible; 2 usage or I/O error.\n"
"\n"
"The compatibility rule: same model id and PCI identity (vendor, device,\n"
"subsystem ids, class, revision); the source model version inside the\n"
"destination's accepted range; every parameter equal, a side that lacks\n"
"a parameter counting as its 'absent' value; source capabilities a\n"
"subset of the destination's.  Specification:\n"
"Documentation/userspace-api/vfio-devstate.rst.\n";

static bool json;

static void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *errno_name(int err)
{
	switch (-err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EBADMSG: return "EBADMSG";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODEV: return "ENODEV";
	case EMEDIUMTYPE: return "EMEDIUMTYPE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case ERANGE: return "ERANGE";
	case ENODATA: return "ENODATA";
	case EMSGSIZE: return "EMSGSIZE";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	default: return "other";
	}
}

static void json_reason(const struct vfio_devstate_reason *r, bool offset)
{
	printf("{\"class\":\"%s\",\"code\":%d,\"errno\":%d,\"errno_name\":\"%s\",",
	       vfio_devstate_reason_name(r->code), r->code, -r->err,
	       errno_name(r->err));
	if (offset)
		printf("\"offset\":%llu,", r->offset);
	printf("\"reason\":");
	json_str(r->msg, sizeof(r->msg));
	putchar('}');
}

static void print_desc(const struct vfio_devstate_desc *d, const char *ind)
{
	unsigned int i;

	if (json) {
		printf("{\"model\":");
		json_str(d->model, sizeof(d->model));
		printf(",\"model_version\":%u,\"accept_min\":%u,",
		       d->model_version, d->accept_min);
		printf("\"accept_max\":%u,\"vendor\":%u,\"device\":%u,",
		       d->accept_max, d->vendor, d->device);
		printf("\"subsys_vendor\":%u,\"subsys_device\":%u,",
		       d->subsys_vendor, d->subsys_device);
		printf("\"class\":%u,\"revision\":%u,\"caps\":%llu,\"params\":[",
		       d->class_code, d->revision, d->caps);
		for (i = 0; i < d->nr_params; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(d->params[i].name, VFIO_DEVSTATE_PARAM_NAME_LEN);
			printf(",\"value\":%llu,\"absent\":%llu}",
			       d->params[i].value, d->params[i].absent);
		}
		printf("]}");
		return;
	}
	printf("%smodel %.63s version %u (accepts %u-%u)\n", ind, d->model,
	       d->model_version, d->accept_min, d->accept_max);
	printf("%spci %04x:%04x subsystem %04x:%04x class 0x%06x revision 0x%02x\n",
	       ind, d->vendor, d->device, d->subsys_vendor, d->subsys_device,
	       d->class_code, d->revision);
	printf("%scaps 0x%llx\n", ind, d->caps);
	for (i = 0; i < d->nr_params; i++)
		printf("%sparam %.31s = 0x%llx (absent means 0x%llx)\n", ind,
		       d->params[i].name, d->params[i].value,
		       d->params[i].absent);
}

/* ---- inspect ---- */

struct inspect {
	unsigned int nr;	/* sections printed */
	bool open;		/* a section started, not ended */
	bool header;		/* header printed */
	bool end;		/* end record printed */
};

static const char *type_name(u32 type)
{
	switch (type) {
	case VFIO_DEVSTATE_SEC_END: return "end";
	case VFIO_DEVSTATE_SEC_DEVICE: return "device";
	case VFIO_DEVSTATE_SEC_CHUNK: return "chunk";
	case VFIO_DEVSTATE_SEC_PAD: return "pad";
	default:
		return type >= VFIO_DEVSTATE_SEC_MODEL_BASE ? "model" : "unknown";
	}
}

static int in_header(void *p, const struct vfio_devstate_desc *d)
{
	struct inspect *in = p;

	in->header = true;
	if (json) {
		printf("\"header\":{\"major\":%u,\"minor\":%u,\"flags\":%u,\"descriptor\":",
		       d->major, d->minor, d->flags);
		print_desc(d, "");
		printf("},\"sections\":[");
	} else {
		printf("header: format %u.%u, flags 0x%x\n", d->major, d->minor,
		       d->flags);
		print_desc(d, "  ");
	}
	return 0;
}

static void sec_line(struct inspect *in, const struct vfio_devstate_sec *s,
		     const char *crc)
{
	bool m = s->flags & VFIO_DEVSTATE_SF_MANDATORY;

	if (json) {
		printf("%s{\"seq\":%u,\"offset\":%llu,\"type\":%u,",
		       in->nr ? "," : "", s->seq, s->stream_off, s->type);
		printf("\"type_name\":\"%s\",\"flags\":%u,\"mandatory\":%s,",
		       type_name(s->type), s->flags, m ? "true" : "false");
		printf("\"length\":%llu,", s->length);
		if (s->type == VFIO_DEVSTATE_SEC_CHUNK)
			printf("\"region\":%u,\"region_offset\":%llu,",
			       s->index, s->offset);
		printf("\"crc\":\"%s\"}", crc);
	} else {
		printf("section %u at %llu: %s (0x%x), %s, %llu bytes", s->seq,
		       s->stream_off, type_name(s->type), s->type,
		       m ? "mandatory" : "optional", s->length);
		if (s->type == VFIO_DEVSTATE_SEC_CHUNK)
			printf(", region %u offset 0x%llx", s->index, s->offset);
		printf(", crc %s\n", crc);
	}
	in->nr++;
}

static int in_start(void *p, const struct vfio_devstate_sec *s)
{
	struct inspect *in = p;

	in->open = true;
	return 0;
}

static int in_end_sec(void *p, const struct vfio_devstate_sec *s)
{
	struct inspect *in = p;

	in->open = false;
	sec_line(in, s, "ok");
	return 0;
}

static int in_end(void *p, u32 nr, u64 len)
{
	struct inspect *in = p;

	in->end = true;
	if (json)
		printf("],\"end\":{\"nr_sections\":%u,\"stream_len\":%llu}",
		       nr, len);
	else
		printf("end at %llu: %u sections\n", len, nr);
	return 0;
}

static const struct vfio_devstate_dec_ops inspect_ops = {
	.header = in_header,
	.section_start = in_start,
	.section_end = in_end_sec,
	.end = in_end,
};

static int cmd_inspect(const char *path)
{
	static struct vfio_devstate_dec dec;
	const struct vfio_devstate_reason *r;
	struct inspect in = { 0 };
	static u8 buf[65536];
	int fd, ret = 0;
	ssize_t n;
	u64 total = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	if (fd < 0) {
		fprintf(stderr, "vfio-devstate: %s: %s\n", path, strerror(errno));
		return 2;
	}
	vfio_devstate_dec_init(&dec, &inspect_ops, &in);
	if (json)
		printf("{");
	while (!ret) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "vfio-devstate: %s: %s\n", path,
				strerror(errno));
			return 2;
		}
		if (!n)
			break;
		total += n;
		ret = vfio_devstate_dec_feed(&dec, buf, n);
	}
	if (fd)
		close(fd);
	if (!ret)
		ret = vfio_devstate_dec_finish(&dec);
	r = vfio_devstate_dec_error(&dec);
	/* A section whose CRC failed was never printed: show it as bad. */
	if (ret && in.open && r->code == VFIO_DEVSTATE_R_CRC)
		sec_line(&in, &dec.sec, "bad");
	if (json) {
		if (!in.header)
			printf("\"header\":null,\"sections\":[");
		if (!in.end)
			printf("],\"end\":null");
		printf(",\"bytes\":%llu,\"ok\":%s,\"error\":", total,
		       ret ? "false" : "true");
		if (ret)
			json_reason(r, true);
		else
			printf("null");
		printf("}\n");
	} else if (ret) {
		printf("error at offset %llu: %s (%s): %s\n", r->offset,
		       vfio_devstate_reason_name(r->code), errno_name(r->err),
		       r->msg);
	} else {
		printf("stream ok: %llu bytes\n", total);
	}
	return ret ? 1 : 0;
}

/* ---- descriptors ---- */

static bool is_bdf(const char *s)
{
	unsigned int a, b, c, d;
	char end;

	return sscanf(s, "%x:%x:%x.%x%c", &a, &b, &c, &d, &end) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &c, &d, &end) == 3;
}

static char *read_all(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && cap < (1 << 20)) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		} else if (n == cap) {
			break;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static void sysfs_path(const char *bdf, char *path, size_t size)
{
	const char *root = getenv("SYSFS_ROOT");

	snprintf(path, size, "%s/bus/pci/devices/%s%s/vfio_devstate/descriptor",
		 root && *root ? root : "/sys",
		 strchr(bdf, ':') == strrchr(bdf, ':') ? "0000:" : "", bdf);
}

/* Load a descriptor file, a stream's header, or a device's attribute. */
static int load_desc(const char *arg, struct vfio_devstate_desc *d)
{
	static struct vfio_devstate_dec dec;
	struct vfio_devstate_reason r;
	char path[4096];
	const char *file = arg;
	size_t len;
	char *text;
	int ret;

	if (access(arg, F_OK) && is_bdf(arg)) {
		sysfs_path(arg, path, sizeof(path));
		file = path;
	}
	text = read_all(file, &len);
	if (!text) {
		fprintf(stderr, "vfio-devstate: %s: %s\n", file, strerror(errno));
		return 2;
	}
	if (len >= VFIO_DEVSTATE_MAGIC_LEN &&
	    !memcmp(text, VFIO_DEVSTATE_MAGIC, VFIO_DEVSTATE_MAGIC_LEN)) {
		vfio_devstate_dec_init(&dec, NULL, NULL);
		ret = vfio_devstate_dec_feed(&dec, text, len);
		if (ret && !dec.desc.model[0]) {
			r = dec.err;
		} else {
			*d = dec.desc;
			free(text);
			return 0;
		}
	} else {
		ret = vfio_devstate_desc_parse(d, text, len, &r);
	}
	free(text);
	if (ret) {
		fprintf(stderr, "vfio-devstate: %s: %s: %s\n", file,
			vfio_devstate_reason_name(r.code), r.msg);
		return 2;
	}
	return 0;
}

static int cmd_describe(const char *bdf)
{
	struct vfio_devstate_desc d;
	char buf[8192];
	int ret;

	if (!is_bdf(bdf)) {
		fprintf(stderr, "vfio-devstate: %s: not a PCI address\n", bdf);
		return 2;
	}
	ret = load_desc(bdf, &d);
	if (ret)
		return ret;
	if (json) {
		printf("{\"device\":");
		json_str(bdf, 64);
		printf(",\"descriptor\":");
		print_desc(&d, "");
		printf("}\n");
	} else if (vfio_devstate_desc_format(&d, buf, sizeof(buf)) > 0) {
		fputs(buf, stdout);
	}
	return 0;
}

static int cmd_compat(const char *src, const char *dst)
{
	static struct vfio_devstate_desc s, d;
	struct vfio_devstate_reason r[VFIO_DEVSTATE_MAX_PARAMS * 2 + 16];
	int n, i, ret;

	ret = load_desc(src, &s);
	if (!ret)
		ret = load_desc(dst, &d);
	if (ret)
		return ret;
	n = vfio_devstate_compat(&s, &d, r, ARRAY_SIZE(r), 0);
	if (n > (int)ARRAY_SIZE(r))
		n = ARRAY_SIZE(r);
	if (json) {
		printf("{\"compatible\":%s,\"reasons\":[", n ? "false" : "true");
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			json_reason(&r[i], false);
		}
		printf("]}\n");
	} else if (!n) {
		printf("compatible\n");
	} else {
		for (i = 0; i < n; i++)
			printf("%s: %s\n", vfio_devstate_reason_name(r[i].code),
			       r[i].msg);
	}
	return n ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *args[3];
	int i, nr = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vfio-devstate: unknown option %s\n",
				argv[i]);
			return 2;
		} else if (nr < 3) {
			args[nr++] = argv[i];
		} else {
			nr++;
		}
	}
	if (nr == 2 && !strcmp(args[0], "inspect"))
		return cmd_inspect(args[1]);
	if (nr == 2 && !strcmp(args[0], "describe"))
		return cmd_describe(args[1]);
	if (nr == 3 && !strcmp(args[0], "compat"))
		return cmd_compat(args[1], args[2]);
	fputs(usage_text, stderr);
	return 2;
}
