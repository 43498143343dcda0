// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/iommu-map misc device: ioctl dispatch, and
 * turning a caller's fd into a referenced struct kvm.
 *
 * The module reads what the kernel knows about a KVM guest and its
 * passed-through devices (memslots, the PFNs behind the VMM's pfnmap
 * mappings, IOMMU translations) for the iommu-map diagnostic tool.  The ABI
 * is include/uapi/iommu_map.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kvm_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "iommu_map.h"

/*
 * Does @file belong to KVM's VM file type?  file_is_kvm() is the exact
 * test and 6.1 exports it.  It is looked up with symbol_get() so that the
 * module loads without KVM and does not pin it.  Kernels that stop
 * exporting it to other modules get the documented fallback: the file's
 * f_op must be exactly the start of the object kallsyms names
 * "kvm_vm_fops" (in module kvm, or built in).  That is still a check of
 * the file type, not of its name; without kallsyms the answer is no.
 */
static bool iommu_map_fops_named_kvm_vm(const struct file *file)
{
	char sym[KSYM_SYMBOL_LEN];
	const char *tail;

	if (!IS_ENABLED(CONFIG_KALLSYMS) || !file->f_op)
		return false;
	sprint_symbol(sym, (unsigned long)file->f_op);
	if (strncmp(sym, "kvm_vm_fops+0x0/", 16))
		return false;
	tail = strchr(sym, ' ');
	return !tail || !strcmp(tail, " [kvm]");
}

/* -EOPNOTSUPP: no way to tell; 0: not a VM; 1: a VM */
static int iommu_map_file_is_vm(struct file *file)
{
	bool (*is_kvm)(struct file *file);
	bool ret;

	is_kvm = symbol_get(file_is_kvm);
	if (is_kvm) {
		ret = is_kvm(file);
		symbol_put(file_is_kvm);
		return ret;
	}
	if (!IS_ENABLED(CONFIG_KALLSYMS))
		return -EOPNOTSUPP;
	return iommu_map_fops_named_kvm_vm(file);
}

u32 iommu_map_vm_features(void)
{
	bool (*is_kvm)(struct file *file);

	is_kvm = symbol_get(file_is_kvm);
	if (!is_kvm)
		return 0;
	symbol_put(file_is_kvm);
	return IOMMU_MAP_FEAT_FILE_IS_KVM;
}

/*
 * Take a reference on the VM behind the caller's @fd.  The file reference
 * is dropped before returning; the kvm reference (users_count) keeps the
 * VM, its srcu and its mm pointer alive until iommu_map_put_vm().
 */
int iommu_map_get_vm(int fd, struct kvm **kvmp)
{
	bool (*get_safe)(struct kvm *kvm);
	struct fd f;
	int ret;

	f = fdget(fd);
	if (!fd_file(f))
		return -EBADF;
	ret = iommu_map_file_is_vm(fd_file(f));
	if (ret <= 0) {
		fdput(f);
		return ret ? ret : -EBADF;
	}
	get_safe = symbol_get(kvm_get_kvm_safe);
	if (!get_safe) {
		fdput(f);
		return -EOPNOTSUPP;
	}
	/* f_op is kvm_vm_fops, so private_data is the struct kvm */
	ret = get_safe(fd_file(f)->private_data) ? 0 : -ESRCH;
	symbol_put(kvm_get_kvm_safe);
	if (!ret)
		*kvmp = fd_file(f)->private_data;
	fdput(f);
	return ret;
}

void iommu_map_put_vm(struct kvm *kvm)
{
	void (*put)(struct kvm *kvm);

	/*
	 * kvm_put_kvm lives in the same module as kvm_get_kvm_safe, and the
	 * VM we hold keeps that module loaded, so this cannot fail.
	 */
	put = symbol_get(kvm_put_kvm);
	if (WARN_ON_ONCE(!put))
		return;
	put(kvm);
	symbol_put(kvm_put_kvm);
}

static int iommu_map_info(void __user *uarg, u32 usize)
{
	struct iommu_map_info info;
	int ret;

	if (usize < sizeof(info))
		return -EINVAL;
	ret = copy_struct_from_user(&info, sizeof(info), uarg, usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.abi_version = IOMMU_MAP_ABI_VERSION;
	info.features = iommu_map_vm_features() | iommu_map_walk_features();
	info.kernel_version = LINUX_VERSION_CODE;
	info.max_address_spaces = iommu_map_max_address_spaces();
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long iommu_map_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 usize;

	if (_IOC_TYPE(cmd) != IOMMU_MAP_TYPE)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case IOMMU_MAP_CMD_INFO:
	case IOMMU_MAP_CMD_MEMSLOTS:
	case IOMMU_MAP_CMD_WALK:
	case IOMMU_MAP_CMD_IOMMU:
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	/* a struct this large is not one of ours; spare the zero scan */
	if (usize > PAGE_SIZE)
		return -E2BIG;

	switch (_IOC_NR(cmd)) {
	case IOMMU_MAP_CMD_INFO:
		return iommu_map_info(uarg, usize);
	case IOMMU_MAP_CMD_MEMSLOTS:
		return iommu_map_memslots(uarg, usize);
	case IOMMU_MAP_CMD_WALK:
		return iommu_map_walk(uarg, usize);
	default:
		return iommu_map_iommu(uarg, usize);
	}
}

static const struct file_operations iommu_map_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = iommu_map_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice iommu_map_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu-map",
	.fops = &iommu_map_fops,
	.mode = 0600,
};

module_misc_device(iommu_map_misc);

MODULE_DESCRIPTION("Read-only view of KVM memslots, VMM page tables and IOMMU translations for iommu-map");
MODULE_LICENSE("GPL");
