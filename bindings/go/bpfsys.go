// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package mapsize

import (
	"errors"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw bpf(2) element commands for copying an instance byte for byte:
// cilium/ebpf's typed Lookup/Put/Batch* want per-CPU values as Go slices
// and fixed-size key types, while a copy only moves bytes of sizes known
// at run time (what libbpf's bpf_map_*_elem and *_batch do for the C
// library, src/kernel/inner_grow.c).
const (
	cmdMapLookupElem  = 1
	cmdMapUpdateElem  = 2
	cmdMapGetNextKey  = 4
	cmdMapLookupBatch = 24
	cmdMapUpdateBatch = 26

	updateAny     = 0
	updateNoExist = 1
	updateExist   = 2
)

type elemAttr struct {
	mapFd uint32
	_     uint32
	key   uint64
	value uint64 // next_key for GET_NEXT_KEY
	flags uint64
}

type batchAttr struct {
	inBatch   uint64
	outBatch  uint64
	keys      uint64
	values    uint64
	count     uint32
	mapFd     uint32
	elemFlags uint64
	flags     uint64
}

func bpfCall(cmd uintptr, attr unsafe.Pointer, size uintptr) error {
	_, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return errno
	}
	return nil
}

func ptr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

func elemOp(cmd uintptr, fd int, key, value []byte, flags uint64) error {
	a := elemAttr{mapFd: uint32(fd), key: ptr(key), value: ptr(value), flags: flags}
	err := bpfCall(cmd, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(key)
	runtime.KeepAlive(value)
	return err
}

func lookupElem(fd int, key, value []byte) error { return elemOp(cmdMapLookupElem, fd, key, value, 0) }
func updateElem(fd int, key, value []byte, flags uint64) error {
	return elemOp(cmdMapUpdateElem, fd, key, value, flags)
}

// nextKey: key nil asks for the first key; io.EOF-like end is ENOENT.
func nextKey(fd int, key, next []byte) error { return elemOp(cmdMapGetNextKey, fd, key, next, 0) }

// lookupBatch reads up to count entries after inBatch (nil: from the
// start) into keys/values; n read, done at the end (the kernel's ENOENT).
func lookupBatch(fd int, inBatch, outBatch, keys, values []byte, count uint32) (n uint32, done bool, err error) {
	a := batchAttr{inBatch: ptr(inBatch), outBatch: ptr(outBatch), keys: ptr(keys), values: ptr(values),
		count: count, mapFd: uint32(fd)}
	err = bpfCall(cmdMapLookupBatch, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(inBatch)
	runtime.KeepAlive(outBatch)
	runtime.KeepAlive(keys)
	runtime.KeepAlive(values)
	if errors.Is(err, unix.ENOENT) {
		return a.count, true, nil
	}
	return a.count, false, err
}

func updateBatch(fd int, keys, values []byte, count uint32) (uint32, error) {
	a := batchAttr{keys: ptr(keys), values: ptr(values), count: count, mapFd: uint32(fd)}
	err := bpfCall(cmdMapUpdateBatch, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(keys)
	runtime.KeepAlive(values)
	return a.count, err
}
