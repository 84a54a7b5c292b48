// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: validating and comparing compatibility descriptors,
 * and the rejection classes with their errnos and reason texts.
 */
#include <kunit/visibility.h>

#include "internal.h"

static const struct {
	const char *name;
	int err;
} ds_classes[VFIO_DEVSTATE_R_COUNT] = {
	[VFIO_DEVSTATE_R_OK] = { "ok", 0 },
	[VFIO_DEVSTATE_R_MALFORMED] = {
		"malformed", VFIO_DEVSTATE_ERRNO_MALFORMED },
	[VFIO_DEVSTATE_R_CRC] = { "bad-crc", VFIO_DEVSTATE_ERRNO_CRC },
	[VFIO_DEVSTATE_R_VERSION] = {
		"unsupported-version", VFIO_DEVSTATE_ERRNO_VERSION },
	[VFIO_DEVSTATE_R_MANDATORY] = {
		"unknown-mandatory-section", VFIO_DEVSTATE_ERRNO_MANDATORY },
	[VFIO_DEVSTATE_R_IDENTITY] = {
		"identity-mismatch", VFIO_DEVSTATE_ERRNO_IDENTITY },
	[VFIO_DEVSTATE_R_PARAM] = {
		"parameter-mismatch", VFIO_DEVSTATE_ERRNO_PARAM },
	[VFIO_DEVSTATE_R_CAPS] = {
		"capability-mismatch", VFIO_DEVSTATE_ERRNO_CAPS },
	[VFIO_DEVSTATE_R_MODEL_VERSION] = {
		"model-version-mismatch", VFIO_DEVSTATE_ERRNO_MODEL_VERSION },
	[VFIO_DEVSTATE_R_INCOMPLETE] = {
		"incomplete", VFIO_DEVSTATE_ERRNO_INCOMPLETE },
	[VFIO_DEVSTATE_R_TRAILING] = {
		"trailing-data", VFIO_DEVSTATE_ERRNO_TRAILING },
	[VFIO_DEVSTATE_R_RANGE] = {
		"chunk-out-of-range", VFIO_DEVSTATE_ERRNO_RANGE },
	[VFIO_DEVSTATE_R_CALLBACK] = { "refused-by-consumer", EIO },
};

/**
 * vfio_devstate_reason_errno() - errno of a rejection class
 * @code: VFIO_DEVSTATE_R_*
 *
 * Return: the negative errno documented for @code, 0 for R_OK, -EINVAL for
 * an unknown code.  R_CALLBACK reports -EIO here; the decoder passes on the
 * consumer's own errno instead.
 */
int vfio_devstate_reason_errno(int code)
{
	if (code < 0 || code >= VFIO_DEVSTATE_R_COUNT)
		return -EINVAL;
	return -ds_classes[code].err;
}

/**
 * vfio_devstate_reason_name() - short stable name of a rejection class
 * @code: VFIO_DEVSTATE_R_*
 *
 * Return: e.g. "parameter-mismatch", or "unknown".
 */
const char *vfio_devstate_reason_name(int code)
{
	if (code < 0 || code >= VFIO_DEVSTATE_R_COUNT)
		return "unknown";
	return ds_classes[code].name;
}
EXPORT_SYMBOL_GPL(vfio_devstate_reason_name);

/* Record a rejection of class @code at stream offset @offset in @r. */
void vfio_devstate_vset_reason(struct vfio_devstate_reason *r, int code,
			       u64 offset, const char *fmt, va_list ap)
{
	r->code = code;
	r->err = vfio_devstate_reason_errno(code);
	r->offset = offset;
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
}

/* The same, with the message's arguments; @r may be NULL. */
void vfio_devstate_set_reason(struct vfio_devstate_reason *r, int code,
			      u64 offset, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	vfio_devstate_vset_reason(r, code, offset, fmt, ap);
	va_end(ap);
}

/* A NUL-terminated string of printable non-blank ASCII within @size. */
bool vfio_devstate_model_ok(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return i > 0 && i < size;
}

/* A NUL-terminated parameter name of [a-z0-9_.-] within @size. */
bool vfio_devstate_name_ok(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return i > 0 && i < size;
}

/**
 * vfio_devstate_desc_validate() - check a descriptor is well formed
 * @desc: descriptor
 * @reason: if not NULL, receives the first problem (class R_MALFORMED)
 *
 * Checks the model id and parameter names, that parameter names are
 * unique, the accept range is ordered and the class code fits 24 bits.
 *
 * Return: 0 or -EINVAL.
 */
int vfio_devstate_desc_validate(const struct vfio_devstate_desc *desc,
				struct vfio_devstate_reason *reason)
{
	unsigned int i, j;

	if (!vfio_devstate_model_ok(desc->model, sizeof(desc->model))) {
		vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED, 0,
					 "model id is empty, too long or not printable ASCII");
		return -EINVAL;
	}
	if (desc->accept_min > desc->accept_max) {
		vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED, 0,
					 "accepted model versions %u-%u are reversed",
					 desc->accept_min, desc->accept_max);
		return -EINVAL;
	}
	if (desc->class_code > 0xffffff) {
		vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED, 0,
					 "pci class 0x%x exceeds 24 bits",
					 desc->class_code);
		return -EINVAL;
	}
	if (desc->nr_params > VFIO_DEVSTATE_MAX_PARAMS) {
		vfio_devstate_set_reason(reason, VFIO_DEVSTATE_R_MALFORMED, 0,
					 "%u parameters, at most %u allowed",
					 desc->nr_params, VFIO_DEVSTATE_MAX_PARAMS);
		return -EINVAL;
	}
	for (i = 0; i < desc->nr_params; i++) {
		const char *name = desc->params[i].name;

		if (!vfio_devstate_name_ok(name, VFIO_DEVSTATE_PARAM_NAME_LEN)) {
			vfio_devstate_set_reason(reason,
						 VFIO_DEVSTATE_R_MALFORMED, 0,
						 "parameter %u has an invalid name",
						 i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(name, desc->params[j].name))
				continue;
			vfio_devstate_set_reason(reason,
						 VFIO_DEVSTATE_R_MALFORMED, 0,
						 "parameter %s is named twice",
						 name);
			return -EINVAL;
		}
	}
	return 0;
}

struct ds_cmp {
	struct vfio_devstate_reason *r;
	unsigned int max;
	int count;
	const char *src;
	const char *dst;
};

/* Record one mismatch; past @max only count it. */
__printf(3, 4)
static void ds_mismatch(struct ds_cmp *c, int code, const char *fmt, ...)
{
	va_list ap;

	if ((unsigned int)c->count < c->max) {
		struct vfio_devstate_reason *r = &c->r[c->count];

		r->code = code;
		r->err = vfio_devstate_reason_errno(code);
		r->offset = 0;
		va_start(ap, fmt);
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
		va_end(ap);
	}
	c->count++;
}

static void ds_cmp_id(struct ds_cmp *c, const char *field, u32 s, u32 d)
{
	if (s != d)
		ds_mismatch(c, VFIO_DEVSTATE_R_IDENTITY,
			    "pci %s: %s 0x%04x, %s 0x%04x",
			    field, c->src, s, c->dst, d);
}

static const struct vfio_devstate_pval *
ds_find(const struct vfio_devstate_desc *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->nr_params && i < VFIO_DEVSTATE_MAX_PARAMS; i++)
		if (!strncmp(d->params[i].name, name,
			     VFIO_DEVSTATE_PARAM_NAME_LEN))
			return &d->params[i];
	return NULL;
}

static void ds_cmp_params(struct ds_cmp *c,
			  const struct vfio_devstate_desc *src,
			  const struct vfio_devstate_desc *dst)
{
	unsigned int i, ns, nd;

	ns = ds_min(src->nr_params, VFIO_DEVSTATE_MAX_PARAMS);
	nd = ds_min(dst->nr_params, VFIO_DEVSTATE_MAX_PARAMS);
	for (i = 0; i < ns; i++) {
		const struct vfio_devstate_pval *s = &src->params[i];
		const struct vfio_devstate_pval *d = ds_find(dst, s->name);

		if (d && s->value != d->value)
			ds_mismatch(c, VFIO_DEVSTATE_R_PARAM,
				    "parameter %.31s: %s 0x%llx, %s 0x%llx",
				    s->name, c->src, s->value, c->dst,
				    d->value);
		else if (!d && s->value != s->absent)
			ds_mismatch(c, VFIO_DEVSTATE_R_PARAM,
				    "parameter %.31s: %s 0x%llx, %s absent (means 0x%llx)",
				    s->name, c->src, s->value, c->dst,
				    s->absent);
	}
	for (i = 0; i < nd; i++) {
		const struct vfio_devstate_pval *d = &dst->params[i];

		if (!ds_find(src, d->name) && d->value != d->absent)
			ds_mismatch(c, VFIO_DEVSTATE_R_PARAM,
				    "parameter %.31s: %s absent (means 0x%llx), %s 0x%llx",
				    d->name, c->src, d->absent, c->dst,
				    d->value);
	}
}

/**
 * vfio_devstate_compat() - can state described by @src be loaded by @dst?
 * @src: descriptor of the source (or of a stream header)
 * @dst: descriptor of the destination device
 * @reasons: array receiving up to @max reasons, may be NULL if @max is 0
 * @max: capacity of @reasons
 * @flags: VFIO_DEVSTATE_COMPAT_STREAM to call the sides stream/device
 *
 * The decision, in this order, every failing rule reported:
 * model ids equal; PCI vendor, device, subsystem vendor, subsystem device,
 * class and revision equal; @src's model_version within @dst's
 * [accept_min, accept_max]; every parameter named on either side has the
 * same value on both, a side that does not name it counting as having the
 * other side's "absent" value; @src's caps a subset of @dst's caps.
 *
 * Return: the number of reasons (0: compatible); may exceed @max.
 */
int vfio_devstate_compat(const struct vfio_devstate_desc *src,
			 const struct vfio_devstate_desc *dst,
			 struct vfio_devstate_reason *reasons,
			 unsigned int max, unsigned int flags)
{
	bool stream = flags & VFIO_DEVSTATE_COMPAT_STREAM;
	struct ds_cmp c = {
		.r = reasons,
		.max = reasons ? max : 0,
		.src = stream ? "stream" : "source",
		.dst = stream ? "device" : "destination",
	};
	u64 missing;

	if (strncmp(src->model, dst->model, VFIO_DEVSTATE_MODEL_LEN))
		ds_mismatch(&c, VFIO_DEVSTATE_R_IDENTITY,
			    "model: %s %.63s, %s %.63s",
			    c.src, src->model, c.dst, dst->model);
	ds_cmp_id(&c, "vendor", src->vendor, dst->vendor);
	ds_cmp_id(&c, "device", src->device, dst->device);
	ds_cmp_id(&c, "subsystem vendor", src->subsys_vendor,
		  dst->subsys_vendor);
	ds_cmp_id(&c, "subsystem device", src->subsys_device,
		  dst->subsys_device);
	if (src->class_code != dst->class_code)
		ds_mismatch(&c, VFIO_DEVSTATE_R_IDENTITY,
			    "pci class: %s 0x%06x, %s 0x%06x",
			    c.src, src->class_code, c.dst, dst->class_code);
	if (src->revision != dst->revision)
		ds_mismatch(&c, VFIO_DEVSTATE_R_IDENTITY,
			    "pci revision: %s 0x%02x, %s 0x%02x",
			    c.src, src->revision, c.dst, dst->revision);
	if (src->model_version < dst->accept_min ||
	    src->model_version > dst->accept_max)
		ds_mismatch(&c, VFIO_DEVSTATE_R_MODEL_VERSION,
			    "model version: %s %u, %s accepts %u-%u",
			    c.src, src->model_version, c.dst,
			    dst->accept_min, dst->accept_max);
	ds_cmp_params(&c, src, dst);
	missing = src->caps & ~dst->caps;
	if (missing)
		ds_mismatch(&c, VFIO_DEVSTATE_R_CAPS,
			    "capabilities: %s 0x%llx, %s 0x%llx (missing 0x%llx)",
			    c.src, src->caps, c.dst, dst->caps, missing);
	return c.count;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_devstate_compat);
