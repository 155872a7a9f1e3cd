# Shared by the initramfs builders: sourced, with $root set to the tree.

# A busybox-static userland at the usual paths.
initramfs_busybox() {
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root}
	cp /bin/busybox "$root/bin/busybox"
	local applet
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
	echo 'root:x:0:' > "$root/etc/group"
}

# Copy a binary to DEST and every shared library it loads, at their paths.
# Debugging sections go: a node's kernel unpacks its initramfs before init
# runs, and they would be a fifth of it.
initramfs_copy_with_libs() {
	local bin=$1 dest=$2 lib
	install -D -m 0755 "$bin" "$root/$dest"
	strip --strip-debug "$root/$dest"
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
		[ -e "$root/$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root/$lib"
	done
}

# Pack the tree into OUTPUT, reproducibly: zstd for a name ending in
# .zst (a node's kernel unpacks it three times faster than gzip, and it
# is a quarter smaller), else gzip, which every kernel reads.
initramfs_pack() {
	local output=$1 compress=(gzip -9n)
	case "$output" in *.zst) compress=(zstd -q -19) ;; esac
	mkdir -p "$(dirname "$output")"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --reproducible --quiet) | "${compress[@]}" > "$output.tmp"
	mv "$output.tmp" "$output"
}
