/* The few kernel types prec.bpf.c touches, written by hand instead of a generated vmlinux.h.
 * preserve_access_index makes clang emit CO-RE relocations for every field access, so libbpf
 * fixes offsets up against the running kernel's BTF at load time: only the field NAMES and
 * rough types matter here, not the order or the other members. Anonymous structs/unions of the
 * real kernel (mm_struct, qstr, file's f_path union) are matched by libbpf through their members. */
#ifndef PREC_KERNEL_H
#define PREC_KERNEL_H

#include <linux/types.h>

typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;
typedef struct { int counter; } atomic_t;
typedef _Bool bool;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct qstr {
	const unsigned char *name;
};

struct hlist_bl_node {
	struct hlist_bl_node *next, **pprev;
};

struct dentry;

/* Only whether d_dname is set matters: d_path renders such a dentry by it, not by its path. */
struct dentry_operations {
	char *(*d_dname)(struct dentry *, char *, int);
};

struct super_block {
	unsigned long s_magic;
};

/* i_nlink sits in an anonymous union with __i_nlink in the real struct. */
struct inode {
	unsigned int i_nlink;
	struct super_block *i_sb;
};

struct dentry {
	struct hlist_bl_node d_hash; /* pprev NULL: unhashed (unlinked, or never in the tree) */
	struct dentry *d_parent;
	struct qstr d_name;
	const struct dentry_operations *d_op;
};

struct vfsmount {
	struct dentry *mnt_root;
};

/* struct mount is private to fs/; we reach it from a vfsmount with container_of, using the
 * relocated offset of its embedded `mnt` member. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct fs_struct {
	struct path pwd;
};

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	struct file *exe_file;
};

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
};

struct tty_driver {
	int major;
	int minor_start;
};

struct tty_struct {
	int index;
	struct tty_driver *driver;
	char name[64];
};

struct signal_struct {
	atomic_t live;
	int group_exit_code;
	unsigned int flags;
	struct tty_struct *tty;
};

/* kernfs_node's parent pointer was renamed to __parent in 6.15 (now RCU-protected); both
 * flavours are declared and the one that exists is picked with bpf_core_field_exists. */
struct kernfs_node {
	const char *name;
};
struct kernfs_node___new {
	struct kernfs_node *__parent;
};
struct kernfs_node___old {
	struct kernfs_node *parent;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct css_set {
	struct cgroup *dfl_cgrp;
};

struct task_struct {
	unsigned int flags;
	int exit_code;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	const struct cred *cred;
	char comm[16];
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct files_struct *files;
	struct signal_struct *signal;
	kuid_t loginuid;
	unsigned int sessionid;
	struct css_set *cgroups;
};

struct linux_binprm {
	int argc;
	const char *filename;
};

#pragma clang attribute pop

/* include/linux/sched/signal.h: the whole thread group is exiting (exit_group, fatal signal). */
#define SIGNAL_GROUP_EXIT 0x00000004

/* include/uapi/linux/magic.h: the filesystems memfd_create puts its files on. */
#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6

#endif
