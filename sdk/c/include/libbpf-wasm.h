// SPDX-License-Identifier: MIT
/* libbpf-wasm.h: a libbpf-like API for eBPF tools whose user space is a wasm32-wasi module.
 *
 * The module embeds its BPF object (usually through a skeleton made by
 * `wasm-bpf gen skeleton X.bpf.o > X.skel.h`) and drives it through the host functions of
 * the `wasm_bpf` import module, which `wasm-bpf run` provides. The binary contract of those
 * functions is docs/abi.md of the wasm-bpf repository (src/bpf implements it); this header is
 * the C/C++ face of it.
 *
 * Header only: every function is `static inline`, so a guest pays only for what it calls.
 * Compiles as C11 and C++11 or later. Naming and error conventions follow libbpf: functions
 * returning int give 0 (or a count) on success and a negative errno (wasi-libc numbering) on
 * failure; functions returning a pointer give NULL on failure and set errno.
 *
 * Differences from libbpf that a guest may notice:
 *  - Links are owned by their object: bpf_link__destroy() frees the guest-side handle, the
 *    host detaches the program when the object is closed (or the guest ends).
 *  - bpf_program__set_autoload(prog, false) keeps a program from being attached; the host
 *    still loads every program of the object.
 *  - `.bss` has no bytes in the ELF file: values written to skel->bss before load are copied
 *    into the `.bss` map right after load. After load, skel->rodata/data/bss are the guest's
 *    copies; use the map functions to read or change the kernel's values.
 *  - The host reports no reason when loading an object fails; `wasm-bpf run -v` shows
 *    libbpf's log.
 */
#ifndef LIBBPF_WASM_H
#define LIBBPF_WASM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbpf-wasm-uapi.h" /* enum bpf_map_type, bpf_prog_type, bpf_attach_type */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Host functions (import module "wasm_bpf"). Pointers are offsets in this module's memory.
 * ------------------------------------------------------------------------------------- */

/* An opaque handle of a BPF object loaded by the host; 0 means none. */
typedef uint64_t bpf_object_skel;

#if defined(__wasm__)
#define LIBBPF_WASM_IMPORT(name) __attribute__((import_module("wasm_bpf"), import_name(name)))
#else
#define LIBBPF_WASM_IMPORT(name)
#endif

/* Opens and loads the BPF ELF object held in obj_buf[0, obj_len); returns its handle, 0 on
 * failure. The host reads the bytes during the call. */
LIBBPF_WASM_IMPORT("wasm_load_bpf_object")
bpf_object_skel wasm_load_bpf_object(const void *obj_buf, int obj_len);

/* Attaches the program whose function is `name`. `attach_target` NULL or "" attaches by the
 * section name; otherwise an interface (xdp, tc "IFNAME[:egress]", socket filter) or a cgroup
 * path (cgroup programs) as the guest sees it: inside a directory preopened with
 * `wasm-bpf run --dir`, else -ENOTCAPABLE. */
LIBBPF_WASM_IMPORT("wasm_attach_bpf_program")
int wasm_attach_bpf_program(bpf_object_skel obj, const char *name, const char *attach_target);

/* Attaches a cgroup program to the cgroup directory open as guest fd `target_fd` (a
 * preopened directory, `wasm-bpf run --dir /sys/fs/cgroup/x:ro`); fd < 0 attaches by section. */
LIBBPF_WASM_IMPORT("wasm_attach_bpf_program_fd")
int wasm_attach_bpf_program_fd(bpf_object_skel obj, const char *name, int target_fd);

/* The fd of the map `name` of the object (".rodata", ".bss", ... for global data). */
LIBBPF_WASM_IMPORT("wasm_bpf_map_fd_by_name")
int wasm_bpf_map_fd_by_name(bpf_object_skel obj, const char *name);

/* Polls the ring buffer or perf event array `map_fd`: every record is copied to
 * data[0, min(len, max_size)) and passed to the function at table index `sample_func`,
 * type int (*)(void *ctx, void *data, size_t len). Returns the number of records, 0 on
 * timeout (timeout_ms < 0: wait until a record arrives), or a negative errno. */
LIBBPF_WASM_IMPORT("wasm_bpf_buffer_poll")
int wasm_bpf_buffer_poll(bpf_object_skel obj, int map_fd, int32_t sample_func, uint32_t ctx,
                         char *data, int max_size, int timeout_ms);

/* cmd: 1 lookup, 2 update, 3 delete, 4 get next key (key NULL: the first key). */
LIBBPF_WASM_IMPORT("wasm_bpf_map_operate")
int wasm_bpf_map_operate(int map_fd, int cmd, void *key, void *value, void *next_key,
                         uint64_t flags);

/* Detaches every program of the object and closes it. */
LIBBPF_WASM_IMPORT("wasm_close_bpf_object")
int wasm_close_bpf_object(bpf_object_skel obj);

#undef LIBBPF_WASM_IMPORT

/* ---------------------------------------------------------------------------------------
 * Constants shared with libbpf / linux/bpf.h (only those meaningful to a guest).
 * ------------------------------------------------------------------------------------- */

/* Flags of bpf_map_update_elem and bpf_map_lookup_elem_flags. */
enum {
	BPF_ANY = 0,     /* create a new element or update an existing one */
	BPF_NOEXIST = 1, /* create a new element only */
	BPF_EXIST = 2,   /* update an existing element only */
	BPF_F_LOCK = 4,  /* spin-locked lookup/update */
};

/* The map commands of wasm_bpf_map_operate (the kernel's numbers; guarded like
 * libbpf-wasm-uapi.h, for a layout header that defines the kernel's whole enum). */
#ifndef WASM_BPF_DEFINED_enum_bpf_cmd
#define WASM_BPF_DEFINED_enum_bpf_cmd
enum bpf_cmd {
	BPF_MAP_LOOKUP_ELEM = 1,
	BPF_MAP_UPDATE_ELEM = 2,
	BPF_MAP_DELETE_ELEM = 3,
	BPF_MAP_GET_NEXT_KEY = 4,
};
#endif

/* The timeout of bpf_buffer__poll(buf, t) for t <= 0, as in the first wasm-bpf SDK. */
#define POLL_TIMEOUT_MS 100
/* The largest record bpf_buffer__poll passes on whole; longer ones are cut to this size. */
#ifndef LIBBPF_WASM_MAX_RECORD_SIZE
#define LIBBPF_WASM_MAX_RECORD_SIZE (64 * 1024)
#endif
#define LIBBPF_WASM_NAME_MAX 128
/* bpf_map_skeleton.elf_offset of a map without bytes in the ELF file. */
#define LIBBPF_WASM_NO_OFFSET ((size_t)-1)

/* ---------------------------------------------------------------------------------------
 * Objects, maps, programs, links.
 * ------------------------------------------------------------------------------------- */

struct bpf_map;
struct bpf_program;

struct bpf_object {
	bpf_object_skel handle;          /* the host's handle once loaded, else 0 */
	char name[LIBBPF_WASM_NAME_MAX];
	unsigned char *elf;              /* the object's bytes (owned) */
	size_t elf_sz;
	struct bpf_map *maps;            /* every map handle made for this object (owned) */
	struct bpf_program *progs;       /* every program handle made for this object (owned) */
};

struct bpf_map {
	struct bpf_object *obj;
	struct bpf_map *next;
	char name[LIBBPF_WASM_NAME_MAX]; /* as the host knows it: "rb", ".rodata", ... */
	int fd;                          /* cached once the object is loaded, else -1 */
	void *mmaped;                    /* global data: the guest's copy of the section */
	size_t mmaped_sz;
	size_t elf_offset;               /* where mmaped lives in obj->elf, or NO_OFFSET */
	bool mmaped_owned;               /* mmaped was allocated (.bss) and is freed on close */
};

struct bpf_program {
	struct bpf_object *obj;
	struct bpf_program *next;
	char name[LIBBPF_WASM_NAME_MAX];  /* the C function name */
	char attach_target[LIBBPF_WASM_NAME_MAX];
	int attach_fd;                   /* >= 0: attach to this guest cgroup fd */
	bool autoload;                   /* false: the skeleton does not attach it */
	bool autoattach;                 /* the section names its hook: attach needs no target */
};

struct bpf_link {
	struct bpf_program *prog;
};

/* Options of bpf_object__open_mem; accepted for source compatibility, all optional. */
struct bpf_object_open_opts {
	size_t sz;
	const char *object_name;
};

static inline void libbpf_wasm__copy_name(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= LIBBPF_WASM_NAME_MAX)
		n = LIBBPF_WASM_NAME_MAX - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Returns `err` (negative) after setting errno, or 0. */
static inline int libbpf_wasm__err(int err)
{
	if (err < 0)
		errno = -err;
	return err;
}

/* libbpf's helper for errno-based errors: a negative `ret` becomes -errno. */
static inline int libbpf_err_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

/* A map handle of `obj` named `name`, made on first use. NULL when out of memory. */
static inline struct bpf_map *libbpf_wasm__map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m;
	for (m = obj->maps; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	m = (struct bpf_map *)calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->obj = obj;
	libbpf_wasm__copy_name(m->name, name);
	m->fd = -1;
	m->elf_offset = LIBBPF_WASM_NO_OFFSET;
	m->next = obj->maps;
	obj->maps = m;
	return m;
}

static inline struct bpf_program *libbpf_wasm__program(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p;
	for (p = obj->progs; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	p = (struct bpf_program *)calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->obj = obj;
	libbpf_wasm__copy_name(p->name, name);
	p->attach_fd = -1;
	p->autoload = true;
	p->next = obj->progs;
	obj->progs = p;
	return p;
}

/* Copies the ELF object buf[0, sz) into a new, not yet loaded object. */
static inline struct bpf_object *bpf_object__open_mem(const void *buf, size_t sz,
                                                      const struct bpf_object_open_opts *opts)
{
	struct bpf_object *obj;
	if (!buf || sz < 4 || memcmp(buf, "\177ELF", 4) != 0) {
		errno = EINVAL;
		return NULL;
	}
	obj = (struct bpf_object *)calloc(1, sizeof(*obj));
	if (!obj)
		return NULL;
	obj->elf = (unsigned char *)malloc(sz);
	if (!obj->elf) {
		free(obj);
		return NULL;
	}
	memcpy(obj->elf, buf, sz);
	obj->elf_sz = sz;
	libbpf_wasm__copy_name(obj->name, opts && opts->object_name ? opts->object_name : "");
	return obj;
}

static inline const char *bpf_object__name(const struct bpf_object *obj)
{
	return obj->name;
}

/* Loads the object into the kernel (through the host). Values written to global data
 * before (skel->rodata, skel->data, skel->bss) take effect. */
static inline int bpf_object__load(struct bpf_object *obj)
{
	struct bpf_map *m;
	if (!obj)
		return libbpf_wasm__err(-EINVAL);
	if (obj->handle)
		return libbpf_wasm__err(-EBUSY);
	obj->handle = wasm_load_bpf_object(obj->elf, (int)obj->elf_sz);
	if (!obj->handle)
		return libbpf_wasm__err(-EINVAL); /* the host gives no reason: see wasm-bpf run -v */
	for (m = obj->maps; m; m = m->next) {
		/* .bss has no bytes in the ELF: push what the guest wrote before load */
		if (m->mmaped_owned && m->mmaped && m->mmaped_sz) {
			size_t i;
			for (i = 0; i < m->mmaped_sz; i++)
				if (((const unsigned char *)m->mmaped)[i])
					break;
			if (i < m->mmaped_sz) {
				uint32_t zero = 0;
				int fd = wasm_bpf_map_fd_by_name(obj->handle, m->name);
				int err = fd < 0 ? fd
				                 : wasm_bpf_map_operate(fd, BPF_MAP_UPDATE_ELEM, &zero,
				                                        m->mmaped, NULL, BPF_ANY);
				if (err < 0)
					return libbpf_wasm__err(err);
			}
		}
	}
	return 0;
}

/* Detaches every program, closes the object and frees every handle made for it. */
static inline void bpf_object__close(struct bpf_object *obj)
{
	struct bpf_map *m;
	struct bpf_program *p;
	if (!obj)
		return;
	if (obj->handle)
		wasm_close_bpf_object(obj->handle);
	while ((m = obj->maps) != NULL) {
		obj->maps = m->next;
		if (m->mmaped_owned)
			free(m->mmaped);
		free(m);
	}
	while ((p = obj->progs) != NULL) {
		obj->progs = p->next;
		free(p);
	}
	free(obj->elf);
	free(obj);
}

static inline struct bpf_map *bpf_object__find_map_by_name(struct bpf_object *obj,
                                                           const char *name)
{
	return obj && name ? libbpf_wasm__map(obj, name) : NULL;
}

static inline int bpf_object__find_map_fd_by_name(struct bpf_object *obj, const char *name)
{
	if (!obj || !name)
		return libbpf_wasm__err(-EINVAL);
	if (!obj->handle)
		return libbpf_wasm__err(-EAGAIN); /* not loaded yet */
	return libbpf_wasm__err(wasm_bpf_map_fd_by_name(obj->handle, name));
}

static inline struct bpf_program *bpf_object__find_program_by_name(struct bpf_object *obj,
                                                                   const char *name)
{
	return obj && name ? libbpf_wasm__program(obj, name) : NULL;
}

/* --- maps --- */

/* The map's fd (valid once its object is loaded), or a negative errno. */
static inline int bpf_map__fd(const struct bpf_map *map)
{
	struct bpf_map *m = (struct bpf_map *)map;
	int fd;
	if (!m || !m->obj)
		return libbpf_wasm__err(-EINVAL);
	if (m->fd >= 0)
		return m->fd;
	if (!m->obj->handle)
		return libbpf_wasm__err(-EAGAIN);
	fd = wasm_bpf_map_fd_by_name(m->obj->handle, m->name);
	if (fd < 0)
		return libbpf_wasm__err(fd);
	m->fd = fd;
	return fd;
}

static inline const char *bpf_map__name(const struct bpf_map *map)
{
	return map ? map->name : NULL;
}

/* Global data (.rodata, .data, .bss): the guest's copy of the section and its size. */
static inline void *bpf_map__initial_value(struct bpf_map *map, size_t *psize)
{
	if (!map || !map->mmaped)
		return NULL;
	if (psize)
		*psize = map->mmaped_sz;
	return map->mmaped;
}

static inline int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	return libbpf_wasm__err(
	    wasm_bpf_map_operate(fd, BPF_MAP_LOOKUP_ELEM, (void *)key, value, NULL, 0));
}

static inline int bpf_map_lookup_elem_flags(int fd, const void *key, void *value,
                                            uint64_t flags)
{
	return libbpf_wasm__err(
	    wasm_bpf_map_operate(fd, BPF_MAP_LOOKUP_ELEM, (void *)key, value, NULL, flags));
}

static inline int bpf_map_update_elem(int fd, const void *key, const void *value,
                                      uint64_t flags)
{
	return libbpf_wasm__err(wasm_bpf_map_operate(fd, BPF_MAP_UPDATE_ELEM, (void *)key,
	                                             (void *)value, NULL, flags));
}

static inline int bpf_map_delete_elem(int fd, const void *key)
{
	return libbpf_wasm__err(
	    wasm_bpf_map_operate(fd, BPF_MAP_DELETE_ELEM, (void *)key, NULL, NULL, 0));
}

static inline int bpf_map_delete_elem_flags(int fd, const void *key, uint64_t flags)
{
	return libbpf_wasm__err(
	    wasm_bpf_map_operate(fd, BPF_MAP_DELETE_ELEM, (void *)key, NULL, NULL, flags));
}

/* key NULL: the first key. -ENOENT after the last one. */
static inline int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	return libbpf_wasm__err(
	    wasm_bpf_map_operate(fd, BPF_MAP_GET_NEXT_KEY, (void *)key, NULL, next_key, 0));
}

/* The same operations on a map handle (libbpf 1.x names; the sizes are not checked here,
 * the host checks them against guest memory). */
static inline int bpf_map__lookup_elem(const struct bpf_map *map, const void *key,
                                       size_t key_sz, void *value, size_t value_sz,
                                       uint64_t flags)
{
	int fd = bpf_map__fd(map);
	(void)key_sz;
	(void)value_sz;
	return fd < 0 ? fd : bpf_map_lookup_elem_flags(fd, key, value, flags);
}

static inline int bpf_map__update_elem(const struct bpf_map *map, const void *key,
                                       size_t key_sz, const void *value, size_t value_sz,
                                       uint64_t flags)
{
	int fd = bpf_map__fd(map);
	(void)key_sz;
	(void)value_sz;
	return fd < 0 ? fd : bpf_map_update_elem(fd, key, value, flags);
}

static inline int bpf_map__delete_elem(const struct bpf_map *map, const void *key,
                                       size_t key_sz, uint64_t flags)
{
	int fd = bpf_map__fd(map);
	(void)key_sz;
	return fd < 0 ? fd : bpf_map_delete_elem_flags(fd, key, flags);
}

static inline int bpf_map__get_next_key(const struct bpf_map *map, const void *cur_key,
                                        void *next_key, size_t key_sz)
{
	int fd = bpf_map__fd(map);
	(void)key_sz;
	return fd < 0 ? fd : bpf_map_get_next_key(fd, cur_key, next_key);
}

/* --- programs and links --- */

static inline const char *bpf_program__name(const struct bpf_program *prog)
{
	return prog ? prog->name : NULL;
}

/* false: the skeleton's attach step skips the program (the host loads it anyway). */
static inline int bpf_program__set_autoload(struct bpf_program *prog, bool autoload)
{
	if (!prog)
		return libbpf_wasm__err(-EINVAL);
	prog->autoload = autoload;
	return 0;
}

static inline bool bpf_program__autoload(const struct bpf_program *prog)
{
	return prog && prog->autoload;
}

/* false: the skeleton's attach step skips the program unless it has a target. */
static inline int bpf_program__set_autoattach(struct bpf_program *prog, bool autoattach)
{
	if (!prog)
		return libbpf_wasm__err(-EINVAL);
	prog->autoattach = autoattach;
	return 0;
}

static inline bool bpf_program__autoattach(const struct bpf_program *prog)
{
	return prog && prog->autoattach;
}

/* Where the skeleton's attach step attaches `prog`: an interface name for xdp, tc
 * ("IFNAME" ingress, "IFNAME:egress") and socket filters, a cgroup path for cgroup programs
 * (a guest path, inside a directory preopened with `wasm-bpf run --dir`).
 * The name of the first wasm-bpf SDK. */
static inline void bpf_set_prog_attach_target(struct bpf_program *prog, const char *target)
{
	if (!prog)
		return;
	libbpf_wasm__copy_name(prog->attach_target, target);
}

/* Makes the skeleton's attach step attach cgroup program `prog` to the cgroup directory open
 * as guest fd `cgroup_fd` (preopened with `wasm-bpf run --dir`); -1 forgets it. */
static inline void bpf_set_prog_attach_fd(struct bpf_program *prog, int cgroup_fd)
{
	if (prog)
		prog->attach_fd = cgroup_fd;
}

static inline struct bpf_link *libbpf_wasm__link(struct bpf_program *prog, int err)
{
	struct bpf_link *link;
	if (err < 0) {
		errno = -err;
		return NULL;
	}
	link = (struct bpf_link *)calloc(1, sizeof(*link));
	if (link)
		link->prog = prog;
	return link;
}

/* Attaches `prog` to `target` (see bpf_set_prog_attach_target); NULL or "" attaches by the
 * section name. NULL with errno set on failure. */
static inline struct bpf_link *bpf_program__attach_target(struct bpf_program *prog,
                                                          const char *target)
{
	if (!prog || !prog->obj || !prog->obj->handle) {
		errno = prog ? EAGAIN : EINVAL;
		return NULL;
	}
	return libbpf_wasm__link(prog, wasm_attach_bpf_program(prog->obj->handle, prog->name,
	                                                       target && *target ? target : NULL));
}

/* Attaches by section name (tracepoints, kprobes, uprobes with a path, tp_btf, ...). */
static inline struct bpf_link *bpf_program__attach(struct bpf_program *prog)
{
	return bpf_program__attach_target(prog, NULL);
}

/* XDP on the interface named `ifname` (the guest cannot map ifindex to name). */
static inline struct bpf_link *bpf_program__attach_xdp_ifname(struct bpf_program *prog,
                                                              const char *ifname)
{
	return bpf_program__attach_target(prog, ifname);
}

/* A tc classifier on `ifname`, ingress or egress. */
static inline struct bpf_link *bpf_program__attach_tc_ifname(struct bpf_program *prog,
                                                             const char *ifname, bool egress)
{
	char target[LIBBPF_WASM_NAME_MAX];
	snprintf(target, sizeof(target), "%s%s", ifname ? ifname : "", egress ? ":egress" : "");
	return bpf_program__attach_target(prog, target);
}

/* A socket filter on a packet socket bound to `ifname` (owned by the host). */
static inline struct bpf_link *bpf_program__attach_socket_ifname(struct bpf_program *prog,
                                                                 const char *ifname)
{
	return bpf_program__attach_target(prog, ifname);
}

/* A cgroup program on the cgroup directory open as `cgroup_fd` in the guest (preopened
 * with `wasm-bpf run --dir`). */
static inline struct bpf_link *bpf_program__attach_cgroup(struct bpf_program *prog,
                                                          int cgroup_fd)
{
	if (!prog || !prog->obj || !prog->obj->handle) {
		errno = prog ? EAGAIN : EINVAL;
		return NULL;
	}
	return libbpf_wasm__link(prog, wasm_attach_bpf_program_fd(prog->obj->handle, prog->name,
	                                                          cgroup_fd));
}

/* A cgroup program on the cgroup directory `path`, named as the guest sees it: it must lie
 * inside a directory preopened with `wasm-bpf run --dir` (e.g. `--dir /sys/fs/cgroup:ro`),
 * otherwise the attach fails with ENOTCAPABLE. */
static inline struct bpf_link *bpf_program__attach_cgroup_path(struct bpf_program *prog,
                                                               const char *path)
{
	return bpf_program__attach_target(prog, path);
}

/* Frees the guest-side handle; the program stays attached until its object is closed. */
static inline int bpf_link__destroy(struct bpf_link *link)
{
	free(link);
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Ring buffers and perf event arrays.
 * ------------------------------------------------------------------------------------- */

/* Receives one record; a negative return stops the poll and is returned by it. */
typedef int (*bpf_buffer_sample_fn)(void *ctx, void *data, size_t size);

/* A record kept by bpf_buffer__open (its bytes follow; 8-aligned). */
struct libbpf_wasm_record {
	struct libbpf_wasm_record *next;
	size_t size;
};

struct bpf_buffer {
	struct bpf_map *events;
	int fd;
	void *ctx;
	bpf_buffer_sample_fn sample_fn;
	char *data;       /* where the host copies each record */
	size_t data_sz;
	/* Records read by bpf_buffer__open, kept for the first poll, oldest first. */
	struct libbpf_wasm_record *pending;
	struct libbpf_wasm_record *pending_tail;
};

/* A buffer over `events` (a BPF_MAP_TYPE_RINGBUF or BPF_MAP_TYPE_PERF_EVENT_ARRAY map)
 * without a callback yet (see bpf_buffer__set_sample_fn). */
static inline struct bpf_buffer *bpf_buffer__new(struct bpf_map *events)
{
	struct bpf_buffer *b;
	if (!events) {
		errno = EINVAL;
		return NULL;
	}
	b = (struct bpf_buffer *)calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->events = events;
	b->fd = -1;
	return b;
}

static inline void bpf_buffer__set_sample_fn(struct bpf_buffer *buffer,
                                             bpf_buffer_sample_fn sample_cb, void *ctx)
{
	buffer->sample_fn = sample_cb;
	buffer->ctx = ctx;
}

/* One host poll delivering each record to fn(ctx, ...); timeout_ms as the host takes it. */
static inline int libbpf_wasm__host_poll(struct bpf_buffer *buffer, bpf_buffer_sample_fn fn,
                                         void *ctx, int timeout_ms)
{
	if (!buffer->data) {
		buffer->data = (char *)malloc(LIBBPF_WASM_MAX_RECORD_SIZE);
		if (!buffer->data)
			return libbpf_wasm__err(-ENOMEM);
		buffer->data_sz = LIBBPF_WASM_MAX_RECORD_SIZE;
	}
	/* On wasm32 a function pointer is its index in the module's function table. */
	return libbpf_wasm__err(wasm_bpf_buffer_poll(buffer->events->obj->handle, buffer->fd,
	                                             (int32_t)(uintptr_t)fn, (uint32_t)(uintptr_t)ctx,
	                                             buffer->data, (int)buffer->data_sz, timeout_ms));
}

/* The callback of the poll in bpf_buffer__open: keeps each record for the first poll. */
static inline int libbpf_wasm__stash_record(void *ctx, void *data, size_t size)
{
	struct bpf_buffer *b = (struct bpf_buffer *)ctx;
	/* the bytes start 8-aligned after the header, as the host's copies do */
	size_t head = (sizeof(struct libbpf_wasm_record) + 7) & ~(size_t)7;
	struct libbpf_wasm_record *r = (struct libbpf_wasm_record *)malloc(head + size);
	if (!r)
		return -ENOMEM;
	r->next = NULL;
	r->size = size;
	memcpy((char *)r + head, data, size);
	if (b->pending_tail)
		b->pending_tail->next = r;
	else
		b->pending = r;
	b->pending_tail = r;
	return 0;
}

/* Delivers the records kept by bpf_buffer__open, and forgets each once delivered. Returns how
 * many there were, or what the callback returned (the records after that one stay kept). */
static inline int libbpf_wasm__deliver_pending(struct bpf_buffer *b)
{
	size_t head = (sizeof(struct libbpf_wasm_record) + 7) & ~(size_t)7;
	int delivered = 0;
	while (b->pending) {
		struct libbpf_wasm_record *r = b->pending;
		int status = b->sample_fn(b->ctx, (char *)r + head, r->size);
		b->pending = r->next;
		if (!b->pending)
			b->pending_tail = NULL;
		free(r);
		if (status < 0)
			return libbpf_wasm__err(status);
		delivered++;
	}
	return delivered;
}

static inline void libbpf_wasm__drop_pending(struct bpf_buffer *b)
{
	while (b->pending) {
		struct libbpf_wasm_record *r = b->pending;
		b->pending = r->next;
		free(r);
	}
	b->pending_tail = NULL;
}

/* A buffer over `events` delivering each record to `sample_cb(ctx, data, size)`. The map's
 * object must be loaded. The host starts reading the map at once (a poll that does not
 * wait: perf event records are only kept while someone reads the map); records already
 * waiting are kept here and reach the callback at the first poll, never before this
 * returns (so a program can print its header line first). */
static inline struct bpf_buffer *bpf_buffer__open(struct bpf_map *events,
                                                  bpf_buffer_sample_fn sample_cb, void *ctx)
{
	struct bpf_buffer *b = bpf_buffer__new(events);
	int fd, err;
	if (!b)
		return NULL;
	fd = bpf_map__fd(events);
	if (fd < 0) {
		free(b);
		errno = -fd;
		return NULL;
	}
	b->fd = fd;
	bpf_buffer__set_sample_fn(b, sample_cb, ctx);
	if (sample_cb) {
		err = libbpf_wasm__host_poll(b, libbpf_wasm__stash_record, b, 0);
		if (err < 0 && err != -EINTR) { /* not a buffer map, or out of memory */
			libbpf_wasm__drop_pending(b);
			free(b->data);
			free(b);
			errno = -err;
			return NULL;
		}
	}
	return b;
}

/* Records kept by bpf_buffer__open first (that call returns at once), else one host poll;
 * timeout_ms as the host takes it (negative: until a record arrives, 0: no wait). */
static inline int libbpf_wasm__poll(struct bpf_buffer *buffer, int timeout_ms)
{
	if (!buffer || !buffer->events || !buffer->sample_fn)
		return libbpf_wasm__err(-EINVAL);
	if (buffer->fd < 0) {
		int fd = bpf_map__fd(buffer->events);
		if (fd < 0)
			return fd;
		buffer->fd = fd;
	}
	if (buffer->pending)
		return libbpf_wasm__deliver_pending(buffer);
	return libbpf_wasm__host_poll(buffer, buffer->sample_fn, buffer->ctx, timeout_ms);
}

/* Waits up to `timeout_ms` for records and passes each one to the callback, in order.
 * As in the first wasm-bpf SDK, a timeout of 0 or less means POLL_TIMEOUT_MS (100 ms), so
 * loops such as `while (!exiting) bpf_buffer__poll(rb, 0);` keep checking their condition.
 * Returns the number of records, 0 on timeout, or a negative errno (-EINTR when
 * interrupted, or what the callback returned). */
static inline int bpf_buffer__poll(struct bpf_buffer *buffer, int timeout_ms)
{
	if (timeout_ms <= 0)
		timeout_ms = POLL_TIMEOUT_MS;
	return libbpf_wasm__poll(buffer, timeout_ms);
}

static inline void bpf_buffer__free(struct bpf_buffer *buffer)
{
	if (!buffer)
		return;
	libbpf_wasm__drop_pending(buffer);
	free(buffer->data);
	free(buffer);
}

/* In a guest, ring buffers and perf event arrays are both a struct bpf_buffer: these are
 * polls under libbpf's names, with libbpf's timeouts (0 returns at once, negative waits
 * until a record arrives), for sources written against libbpf. */
static inline int ring_buffer__poll(struct bpf_buffer *rb, int timeout_ms)
{
	return libbpf_wasm__poll(rb, timeout_ms);
}

static inline int perf_buffer__poll(struct bpf_buffer *pb, int timeout_ms)
{
	return libbpf_wasm__poll(pb, timeout_ms);
}

/* ---------------------------------------------------------------------------------------
 * Skeletons (what `wasm-bpf gen skeleton` generates code for).
 * ------------------------------------------------------------------------------------- */

struct bpf_map_skeleton {
	const char *name;        /* as the host knows it: "rb", ".rodata", ... */
	struct bpf_map **map;
	void **mmaped;           /* global data: where to store the section's guest address */
	size_t elf_offset;       /* file offset of the section's bytes, or LIBBPF_WASM_NO_OFFSET */
	size_t data_sz;          /* the section's size (global data) */
};

struct bpf_prog_skeleton {
	const char *name;
	struct bpf_program **prog;
	struct bpf_link **link;
	bool autoattach;         /* its section names the hook */
};

struct bpf_object_skeleton {
	size_t sz;               /* sizeof(struct bpf_object_skeleton) */
	const char *name;
	const void *data;        /* the embedded ELF object */
	size_t data_sz;
	size_t rodata_offset;    /* file offsets of .rodata and .data, or LIBBPF_WASM_NO_OFFSET */
	size_t data_offset;
	size_t bss_offset;       /* always LIBBPF_WASM_NO_OFFSET: .bss has no file bytes */
	struct bpf_object **obj;
	int map_cnt;
	int map_skel_sz;         /* sizeof(struct bpf_map_skeleton) */
	struct bpf_map_skeleton *maps;
	int prog_cnt;
	int prog_skel_sz;        /* sizeof(struct bpf_prog_skeleton) */
	struct bpf_prog_skeleton *progs;
};

static inline struct bpf_map_skeleton *libbpf_wasm__map_skel(struct bpf_object_skeleton *s,
                                                             int i)
{
	return (struct bpf_map_skeleton *)((char *)s->maps + (size_t)i * (size_t)s->map_skel_sz);
}

static inline struct bpf_prog_skeleton *libbpf_wasm__prog_skel(struct bpf_object_skeleton *s,
                                                               int i)
{
	return (struct bpf_prog_skeleton *)((char *)s->progs + (size_t)i * (size_t)s->prog_skel_sz);
}

/* Copies the embedded object and makes the map and program handles; global data pointers
 * point into the copy (or, for .bss, to a zeroed buffer). */
static inline int bpf_object__open_skeleton(struct bpf_object_skeleton *s,
                                            const struct bpf_object_open_opts *opts)
{
	struct bpf_object_open_opts o;
	struct bpf_object *obj;
	int i;
	if (!s || !s->data || !s->data_sz)
		return libbpf_wasm__err(-EINVAL);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.object_name = opts && opts->object_name ? opts->object_name : s->name;
	obj = bpf_object__open_mem(s->data, s->data_sz, &o);
	if (!obj)
		return -errno;
	*s->obj = obj;
	for (i = 0; i < s->map_cnt; i++) {
		struct bpf_map_skeleton *ms = libbpf_wasm__map_skel(s, i);
		struct bpf_map *m = libbpf_wasm__map(obj, ms->name);
		if (!m)
			return libbpf_wasm__err(-ENOMEM);
		*ms->map = m;
		if (!ms->mmaped)
			continue;
		m->mmaped_sz = ms->data_sz;
		if (ms->elf_offset != LIBBPF_WASM_NO_OFFSET) {
			if (ms->elf_offset > obj->elf_sz || ms->data_sz > obj->elf_sz - ms->elf_offset)
				return libbpf_wasm__err(-EINVAL);
			m->elf_offset = ms->elf_offset;
			m->mmaped = obj->elf + ms->elf_offset;
		} else {
			m->mmaped = calloc(1, ms->data_sz ? ms->data_sz : 1);
			if (!m->mmaped)
				return libbpf_wasm__err(-ENOMEM);
			m->mmaped_owned = true;
		}
		*ms->mmaped = m->mmaped;
	}
	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = libbpf_wasm__prog_skel(s, i);
		struct bpf_program *p = libbpf_wasm__program(obj, ps->name);
		if (!p)
			return libbpf_wasm__err(-ENOMEM);
		p->autoattach = ps->autoattach;
		*ps->prog = p;
	}
	return 0;
}

static inline int bpf_object__load_skeleton(struct bpf_object_skeleton *s)
{
	if (!s || !*s->obj)
		return libbpf_wasm__err(-EINVAL);
	return bpf_object__load(*s->obj);
}

/* Attaches every program that has a target or whose section names its hook, unless
 * autoload was turned off; stops at the first failure. */
static inline int bpf_object__attach_skeleton(struct bpf_object_skeleton *s)
{
	int i;
	if (!s || !*s->obj || !(*s->obj)->handle)
		return libbpf_wasm__err(-EINVAL);
	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = libbpf_wasm__prog_skel(s, i);
		struct bpf_program *p = *ps->prog;
		struct bpf_link *link;
		if (!p || !p->autoload || (ps->link && *ps->link))
			continue;
		if (p->attach_fd >= 0)
			link = bpf_program__attach_cgroup(p, p->attach_fd);
		else if (p->attach_target[0])
			link = bpf_program__attach_target(p, p->attach_target);
		else if (p->autoattach)
			link = bpf_program__attach(p);
		else
			continue; /* needs a target the guest did not give */
		if (!link)
			return -errno;
		if (ps->link)
			*ps->link = link;
		else
			bpf_link__destroy(link);
	}
	return 0;
}

/* Frees the link handles; the programs stay attached until the object is closed (the host
 * has no call to detach a single program). */
static inline void bpf_object__detach_skeleton(struct bpf_object_skeleton *s)
{
	int i;
	if (!s)
		return;
	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = libbpf_wasm__prog_skel(s, i);
		if (ps->link && *ps->link) {
			bpf_link__destroy(*ps->link);
			*ps->link = NULL;
		}
	}
}

/* Detaches and closes the object and frees the skeleton description. */
static inline void bpf_object__destroy_skeleton(struct bpf_object_skeleton *s)
{
	if (!s)
		return;
	bpf_object__detach_skeleton(s);
	if (s->obj && *s->obj) {
		bpf_object__close(*s->obj);
		*s->obj = NULL;
	}
	free(s->maps);
	free(s->progs);
	free(s);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LIBBPF_WASM_H */
