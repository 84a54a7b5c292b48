// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-devstate codec: the text form of a compatibility descriptor, as a
 * driver's sysfs attribute prints it.  Only user space reads it.
 *
 * One "key value..." line per field; see vfio_devstate_desc_format().
 */
#include "internal.h"

/**
 * vfio_devstate_desc_format() - print a descriptor in text form
 * @desc: descriptor
 * @buf: output, NUL-terminated if @size > 0
 * @size: room in @buf (a sysfs attribute has PAGE_SIZE)
 *
 * Lines, in this order (numbers in hex with 0x, versions decimal)::
 *
 *   format 1.0
 *   model qemu.org/pci/1af4/1110
 *   model_version 1
 *   accept 1 1
 *   vendor 0x1af4
 *   device 0x1110
 *   subsys_vendor 0x1af4
 *   subsys_device 0x1100
 *   class 0x050000
 *   revision 0x01
 *   caps 0x0
 *   param bar2_size 0x4000000 0x0
 *
 * with one "param NAME VALUE ABSENT" line per parameter.
 *
 * Return: the length of the text, or -ENOSPC if it did not fit.
 */
ssize_t vfio_devstate_desc_format(const struct vfio_devstate_desc *desc,
				  char *buf, size_t size)
{
	size_t pos;
	unsigned int i;
	int n;

	n = snprintf(buf, size,
		     "format %u.%u\nmodel %.63s\nmodel_version %u\naccept %u %u\n"
		     "vendor 0x%04x\ndevice 0x%04x\nsubsys_vendor 0x%04x\n"
		     "subsys_device 0x%04x\nclass 0x%06x\nrevision 0x%02x\n"
		     "caps 0x%llx\n",
		     VFIO_DEVSTATE_MAJOR, VFIO_DEVSTATE_MINOR, desc->model,
		     desc->model_version, desc->accept_min, desc->accept_max,
		     desc->vendor, desc->device, desc->subsys_vendor,
		     desc->subsys_device, desc->class_code, desc->revision,
		     desc->caps);
	pos = n;
	for (i = 0; i < desc->nr_params && i < VFIO_DEVSTATE_MAX_PARAMS; i++) {
		const struct vfio_devstate_pval *p = &desc->params[i];

		n = snprintf(pos < size ? buf + pos : NULL,
			     pos < size ? size - pos : 0,
			     "param %.31s 0x%llx 0x%llx\n",
			     p->name, p->value, p->absent);
		pos += n;
	}
	if (pos >= size)
		return -ENOSPC;
	return pos;
}
EXPORT_SYMBOL_GPL(vfio_devstate_desc_format);
