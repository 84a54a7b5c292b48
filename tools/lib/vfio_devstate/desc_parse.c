// SPDX-License-Identifier: GPL-2.0
/*
 * The reader of a compatibility descriptor's text form, the one
 * vfio_devstate_desc_format() prints (a driver's sysfs "descriptor"): for
 * the vfio-devstate tool and its tests.  No kernel code reads it.
 */
#include "libdevstate.h"

#define DS_LINE_MAX	256

static bool ds_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split @line into at most @max blank-separated NUL-terminated tokens. */
static unsigned int ds_tokens(char *line, char **tok, unsigned int max)
{
	unsigned int n = 0;

	while (*line) {
		while (ds_space(*line))
			*line++ = '\0';
		if (!*line)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = line;
		while (*line && !ds_space(*line))
			line++;
	}
	return n;
}

/* Decimal, or hex with a 0x prefix; the whole token; at most @limit. */
static bool ds_number(const char *s, u64 limit, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (v > (limit - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

enum {
	DS_K_MODEL = 1 << 0,
	DS_K_VERSION = 1 << 1,
	DS_K_ACCEPT = 1 << 2,
	DS_K_VENDOR = 1 << 3,
	DS_K_DEVICE = 1 << 4,
	DS_K_REQUIRED = (1 << 5) - 1,
};

static const struct {
	const char *key;
	unsigned int nr;	/* values after the key */
	u64 limit;
} ds_keys[] = {
	{ "model", 1, 0 },
	{ "model_version", 1, 0xffffffff },
	{ "accept", 2, 0xffffffff },
	{ "vendor", 1, 0xffff },
	{ "device", 1, 0xffff },
	{ "subsys_vendor", 1, 0xffff },
	{ "subsys_device", 1, 0xffff },
	{ "class", 1, 0xffffff },
	{ "revision", 1, 0xff },
	{ "caps", 1, ~0ULL },
	{ "param", 3, ~0ULL },
	{ "format", 1, 0 },
};

static int ds_line(struct vfio_devstate_desc *d, char **tok, unsigned int n,
		   unsigned int lineno, unsigned int *seen,
		   struct vfio_devstate_reason *reason)
{
	u64 v[3] = { 0, 0, 0 };
	unsigned int k, i, first = 1;

	for (k = 0; k < ARRAY_SIZE(ds_keys); k++)
		if (!strcmp(tok[0], ds_keys[k].key))
			break;
	if (k == ARRAY_SIZE(ds_keys))
		return 0;	/* a key from a newer version: ignore */
	if (n != ds_keys[k].nr + 1)
		goto bad;
	if (k == 10) {		/* param NAME VALUE ABSENT */
		if (d->nr_params == VFIO_DEVSTATE_MAX_PARAMS ||
		    !vfio_devstate_name_ok(tok[1], VFIO_DEVSTATE_PARAM_NAME_LEN))
			goto bad;
		first = 2;
	}
	if (ds_keys[k].limit)
		for (i = first; i < n; i++)
			if (!ds_number(tok[i], ds_keys[k].limit, &v[i - 1]))
				goto bad;
	switch (k) {
	case 0:
		if (!vfio_devstate_model_ok(tok[1], sizeof(d->model)))
			goto bad;
		strscpy_pad(d->model, tok[1], sizeof(d->model));
		*seen |= DS_K_MODEL;
		break;
	case 1:
		d->model_version = v[0];
		*seen |= DS_K_VERSION;
		break;
	case 2:
		d->accept_min = v[0];
		d->accept_max = v[1];
		*seen |= DS_K_ACCEPT;
		break;
	case 3:
		d->vendor = v[0];
		*seen |= DS_K_VENDOR;
		break;
	case 4:
		d->device = v[0];
		*seen |= DS_K_DEVICE;
		break;
	case 5:
		d->subsys_vendor = v[0];
		break;
	case 6:
		d->subsys_device = v[0];
		break;
	case 7:
		d->class_code = v[0];
		break;
	case 8:
		d->revision = v[0];
		break;
	case 9:
		d->caps = v[0];
		break;
	case 10:
		strscpy_pad(d->params[d->nr_params].name, tok[1],
			    VFIO_DEVSTATE_PARAM_NAME_LEN);
		d->params[d->nr_params].value = v[1];
		d->params[d->nr_params].absent = v[2];
		d->nr_params++;
		break;
	default:		/* format MAJOR.MINOR */
		if (tok[1][0] - '0' != VFIO_DEVSTATE_MAJOR || tok[1][1] != '.') {
			vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_VERSION,
						 lineno,
						 "line %u: format %.16s, parser reads %u.x",
						 lineno, tok[1], VFIO_DEVSTATE_MAJOR);
			return -EPROTONOSUPPORT;
		}
		break;
	}
	return 0;
bad:
	vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED, lineno,
				 "line %u: bad \"%s\" line", lineno, tok[0]);
	return -EINVAL;
}

/**
 * vfio_devstate_desc_parse() - read the text form of a descriptor
 * @desc: receives the descriptor
 * @text: text as printed by vfio_devstate_desc_format(), need not be
 *        NUL-terminated
 * @len: bytes of @text
 * @reason: if not NULL, receives the problem (its offset is the line)
 *
 * Blank lines and lines starting with '#' are skipped, and so are lines
 * whose key this version does not know.  model, model_version, accept,
 * vendor and device are required; the other fields default to zero.
 *
 * Return: 0, -EINVAL for malformed text, -EPROTONOSUPPORT for another
 * format major.
 */
int vfio_devstate_desc_parse(struct vfio_devstate_desc *desc,
			     const char *text, size_t len,
			     struct vfio_devstate_reason *reason)
{
	char line[DS_LINE_MAX];
	char *tok[5];
	unsigned int seen = 0, lineno = 0, n;
	size_t pos = 0;
	int ret;

	memset(desc, 0, sizeof(*desc));
	desc->major = VFIO_DEVSTATE_MAJOR;
	while (pos < len) {
		size_t end = pos, l;

		while (end < len && text[end] != '\n')
			end++;
		l = end - pos;
		lineno++;
		if (l >= sizeof(line) || memchr(text + pos, '\0', l)) {
			vfio_devstate_set_reason(reason,
						 VFIO_DEVSTATE_R_MALFORMED,
						 lineno, "line %u: too long or binary",
						 lineno);
			return -EINVAL;
		}
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos = end + 1;
		n = ds_tokens(line, tok, ARRAY_SIZE(tok) - 1);
		if (!n || tok[0][0] == '#')
			continue;
		ret = ds_line(desc, tok, n, lineno, &seen, reason);
		if (ret)
			return ret;
	}
	if (seen != DS_K_REQUIRED) {
		vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED,
					 lineno,
					 "descriptor lacks model, model_version, accept, vendor or device");
		return -EINVAL;
	}
	return vfio_devstate_desc_validate(desc, reason);
}
