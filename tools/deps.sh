#!/bin/sh
# Installs what mapsize needs to build and test on Debian 12 (run as root).
# Build: compiler, libbpf/libelf/zlib, libyaml, jansson, libcurl (recommend --prometheus); BPF objects: clang, llvm, bpftool
# (clang-16 for the one test object with a kptr: clang 14 emits no BTF type tags);
# tests: cmocka, jq, prometheus (promtool checks the metrics text); the Linux 6.1 memory tests: qemu, busybox-static, cpio.
# tools/gen-kernel-consts.sh: lz4, zstd (Debian compresses its vmlinuz with them).
# bindings/go: nothing installed; tests/go/test_go.sh fetches Go 1.27 and cilium/ebpf 0.22 (tools/fetch-go.sh).
set -eu
pkgs="build-essential pkg-config libbpf-dev libelf-dev zlib1g-dev libyaml-dev libjansson-dev
      libcurl4-openssl-dev
      clang clang-16 llvm libclang-rt-14-dev bpftool libcmocka-dev jq prometheus qemu-system-x86 busybox-static cpio
      lz4 zstd"
# deploy/kubernetes tests: PyYAML reads the manifests
pkgs="$pkgs python3-yaml"
if [ "${1:-}" = "--list" ]; then
	echo $pkgs
	exit 0
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
fi
# kubectl for the deploy/kubernetes tests: Debian's kubernetes-client, unless a kubectl is
# installed already (another package's /usr/bin/kubectl would conflict with it)
if ! command -v kubectl >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq kubernetes-client >/dev/null
fi
